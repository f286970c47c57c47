//! A bulk link survives `kill -9` of the server (issue 7 item 5): the real `flowlink serve`
//! holds 1,000 inbound flows and a module, the real `flowlink link --type inboundcall` links
//! the module into all of them, and the server is SIGKILLed once a random number of links
//! (chosen from a seed printed up front; set `FLOWLINK_CRASH_SEED` to replay one) have
//! reached the dependency index. After a restart on the same data dir:
//!
//! * every flow the CLI reported `linked` calls the module in its current logic;
//! * every flow's current logic parses, and the versions it names (published, checked in,
//!   saved) exist and parse: no half-written version;
//! * the dependency index matches the flows exactly: the module's consumers are the flows whose
//!   named versions call it;
//!
//! and re-running the link to completion leaves every flow calling the module exactly once.

#[path = "common/serve_process.rs"]
mod serve_process;

use serve_process::spawn_serve;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Stdio};

use futures::stream::{self, StreamExt};
use serde_json::{json, Value};

const FLOWS: usize = 1000;
/// Requests in flight while setting up and checking (the server has no rate limit here).
const PARALLEL: usize = 32;

struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts `flowlink serve` on `dir` with the rate limit off; waits for its URL.
    fn start(dir: &Path) -> Server {
        let (child, url) = spawn_serve(dir, &["--rate-limit-per-minute", "0"]);
        Server { child, url }
    }

    /// SIGKILL: no graceful shutdown, no flush.
    fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

/// A tiny deterministic generator (SplitMix64), so a printed seed replays the same kill point.
fn splitmix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn seed() -> u64 {
    std::env::var("FLOWLINK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
        })
}

fn credentials(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("credentials.json")).expect("credentials file");
    let v: Value = serde_json::from_str(&text).expect("credentials json");
    (
        v["clientId"].as_str().expect("clientId").to_string(),
        v["clientSecret"]
            .as_str()
            .expect("clientSecret")
            .to_string(),
    )
}

/// An HTTP client bound to one server and token.
struct Api {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Api {
    async fn login(url: &str, id: &str, secret: &str) -> Api {
        let http = reqwest::Client::new();
        let resp = http
            .post(format!("{url}/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.expect("token json");
        let token = body["access_token"].as_str().expect("token").to_string();
        Api {
            http,
            url: url.to_string(),
            token,
        }
    }

    async fn get(&self, path: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get");
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("post");
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// Every page of a listing's entities.
    async fn all(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        for page in 1.. {
            let body = self
                .get(&format!("{path}{sep}pageSize=500&pageNumber={page}"))
                .await;
            let entities = body["entities"].as_array().expect("entities").clone();
            let done = entities.len() < 500;
            out.extend(entities);
            if done {
                break;
            }
        }
        out
    }

    /// Ids of the flows the dependency index says call `module` (`flowFilter` when given).
    async fn consumers(&self, module: &str, filter: Option<&str>) -> BTreeSet<String> {
        let filter = filter.map_or(String::new(), |f| format!("&flowFilter={f}"));
        let path = format!(
            "/api/v2/architect/dependencytracking/consumingresources?id={module}\
             &objectType=COMMONMODULEFLOW{filter}"
        );
        self.all(&path)
            .await
            .iter()
            .map(|d| d["id"].as_str().expect("consumer id").to_string())
            .collect()
    }

    async fn consumer_count(&self, module: &str) -> i64 {
        let body = self
            .get(&format!(
                "/api/v2/architect/dependencytracking/consumingresources?id={module}\
                 &objectType=COMMONMODULEFLOW&pageSize=1"
            ))
            .await;
        body["total"].as_i64().unwrap_or(0)
    }
}

/// How often `module` is called in an action-list document; panics when it does not parse.
fn calls_in(doc: &Value, module: &str, what: &str) -> usize {
    let logic = flowlink_model::parse_actions(&doc["actions"], doc.get("variables"))
        .unwrap_or_else(|e| panic!("{what}: stored logic does not parse: {e:?}\n{doc}"));
    logic
        .module_calls()
        .filter(|(_, c)| c.module_id == module)
        .count()
}

/// One flow as found after the crash.
struct Seen {
    id: String,
    /// Calls to the module in its current logic.
    current_calls: usize,
    /// Calls to the module in the published version's logic.
    published_calls: usize,
    /// Whether any version the flow names (published, checked in, saved) calls the module.
    any_named_calls: bool,
}

/// Reads every inbound flow and checks each is complete: its current logic and every version
/// it names exist and parse.
async fn inspect(api: &Api, module: &str) -> Vec<Seen> {
    let flows = api.all("/api/v2/flows?type=inboundcall").await;
    assert_eq!(flows.len(), FLOWS, "flows lost or duplicated");
    stream::iter(flows)
        .map(|f| async move {
            let id = f["id"].as_str().expect("id").to_string();
            let flow = api.get(&format!("/api/v2/flows/{id}")).await;
            let current_calls = calls_in(&flow, module, &format!("flow {id} current"));
            let latest = api
                .get(&format!("/api/v2/flows/{id}/latestconfiguration"))
                .await;
            calls_in(&latest, module, &format!("flow {id} latest configuration"));
            let mut published_calls = 0;
            let mut any_named_calls = false;
            for key in ["publishedVersion", "checkedInVersion", "savedVersion"] {
                let Some(v) = flow[key]["id"].as_str() else {
                    assert_ne!(
                        key, "publishedVersion",
                        "flow {id} has no published version"
                    );
                    continue;
                };
                // The version row exists and its document is complete.
                api.get(&format!("/api/v2/flows/{id}/versions/{v}")).await;
                let config = api
                    .get(&format!("/api/v2/flows/{id}/versions/{v}/configuration"))
                    .await;
                let n = calls_in(&config, module, &format!("flow {id} {key} {v}"));
                if key == "publishedVersion" {
                    published_calls = n;
                }
                any_named_calls |= n > 0;
            }
            Seen {
                id,
                current_calls,
                published_calls,
                any_named_calls,
            }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await
}

/// The dependency index names exactly the flows whose versions call the module.
async fn assert_index_matches(api: &Api, module: &str, seen: &[Seen]) {
    let published: BTreeSet<String> = seen
        .iter()
        .filter(|s| s.published_calls > 0)
        .map(|s| s.id.clone())
        .collect();
    let named: BTreeSet<String> = seen
        .iter()
        .filter(|s| s.any_named_calls)
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(
        api.consumers(module, Some("published")).await,
        published,
        "published consumers in the dependency index vs published logic"
    );
    assert_eq!(
        api.consumers(module, None).await,
        named,
        "current consumers in the dependency index vs the flows' versions"
    );
}

/// Runs `flowlink link` against `url`; returns the child (stdout piped for the JSON report).
fn link(url: &str, id: &str, secret: &str, module: &str) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args(["link", "--module", module, "--type", "inboundcall"])
        .args(["--concurrency", "64", "--output", "json", "--quiet"])
        .env("GENESYS_ENV_URL", url)
        .env("GENESYS_CLIENT_ID", id)
        .env("GENESYS_CLIENT_SECRET", secret)
        .env_remove("FLOWLINK_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run flowlink link")
}

/// The CLI's JSON report: flow id → status.
fn report(out: &std::process::Output) -> Vec<(String, String)> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {stdout}\nstderr: {stderr}"));
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["flowId"].as_str().expect("flowId").to_string(),
                r["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_link_survives_kill_dash_nine() {
    let mut rng = seed();
    println!("crash seed: {rng} (replay with FLOWLINK_CRASH_SEED={rng})");
    let kill_after = 1 + splitmix(&mut rng) % (FLOWS as u64 - 1);
    println!("the server is killed once {kill_after} flows call the module");

    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path());
    let (id, secret) = credentials(dir.path());
    let api = Api::login(&server.url, &id, &secret).await;
    let module = api
        .post(
            "/api/v2/flows/flowmodules",
            json!({"name": "Shared Auth", "actions": [
                {"type": "tagInteraction", "name": "Tag", "tags": ["auth"]}]}),
        )
        .await;
    let module = module["id"].as_str().expect("module id").to_string();
    let api_ref = &api;
    stream::iter(0..FLOWS)
        .for_each_concurrent(PARALLEL, |i| async move {
            api_ref
                .post(
                    "/api/v2/flows",
                    json!({"name": format!("IVR {i:04}"), "type": "inboundcall", "actions": [
                        {"type": "playPrompt", "name": "Hi", "prompt": {"text": format!("line {i}")}},
                        {"type": "disconnect", "name": "Bye"}]}),
                )
                .await;
        })
        .await;

    // The bulk link, killed mid-way: poll the dependency index until enough flows call the
    // module (or the CLI is done), then SIGKILL.
    let mut cli = link(&server.url, &id, &secret, &module);
    loop {
        if cli.try_wait().expect("poll cli").is_some() {
            break;
        }
        if api.consumer_count(&module).await >= kill_after as i64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill();
    let out = cli.wait_with_output().await.expect("cli output");
    let first = report(&out);
    let linked: BTreeSet<String> = first
        .iter()
        .filter(|(_, s)| s == "linked")
        .map(|(f, _)| f.clone())
        .collect();
    let failed = first.iter().filter(|(_, s)| s == "failed").count();
    println!(
        "first run: exit {:?}, {} linked, {failed} failed",
        out.status.code(),
        linked.len()
    );
    assert_eq!(first.len(), FLOWS, "the report covers every flow");

    // Restart on the same data dir and check what survived.
    let server = Server::start(dir.path());
    let api = Api::login(&server.url, &id, &secret).await;
    let seen = inspect(&api, &module).await;
    for s in &seen {
        assert!(s.current_calls <= 1, "flow {} calls the module twice", s.id);
        if linked.contains(&s.id) {
            assert_eq!(s.current_calls, 1, "acknowledged link of {} lost", s.id);
        }
    }
    assert_index_matches(&api, &module, &seen).await;
    let survived = seen.iter().filter(|s| s.current_calls == 1).count();
    println!("after restart: {survived} flows call the module");

    // Finish the job: every flow ends up calling the module exactly once.
    let out = link(&server.url, &id, &secret, &module)
        .wait_with_output()
        .await
        .expect("cli output");
    let second = report(&out);
    assert_eq!(out.status.code(), Some(0), "second run: {second:?}");
    for (flow, status) in &second {
        let expected = if linked.contains(flow) {
            "alreadyLinked"
        } else {
            status.as_str()
        };
        assert!(
            ["linked", "alreadyLinked"].contains(&status.as_str()) && status == expected,
            "flow {flow}: {status}"
        );
    }
    let seen = inspect(&api, &module).await;
    for s in &seen {
        assert_eq!(s.current_calls, 1, "flow {} after the re-run", s.id);
        assert_eq!(
            s.published_calls, 1,
            "flow {} published after the re-run",
            s.id
        );
    }
    assert_index_matches(&api, &module, &seen).await;
    assert_eq!(api.consumers(&module, None).await.len(), FLOWS);
    server.kill();
}
