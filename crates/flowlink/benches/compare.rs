//! The comparison (issue 12): one run, one machine, every figure as a ratio. Prints, asserts
//! nothing about speed (it asserts that every link and call really happened):
//!
//! - the seeds' sequential loop — one kept-alive connection, one flow after another: GET the
//!   flow, append a `flowModule` node reached from `start` (seed 000, step 3; as the server's
//!   400 for the seed's literal form asks, the node also becomes `entry` with a `default` edge to
//!   the old entry), PUT it back with its `version` — over N graph-dialect inbound flows;
//! - `flowlink link -m M --flow ID …` (bulk link, the CLI process included) and its ratio;
//! - `flowlink link --per-flow --concurrency 16` and its ratio;
//! - authenticated `GET /api/v2/flows/{id}` req/s against a hello-world axum handler answering a
//!   small JSON body, both served in this process on the same runtime, driven by the same load
//!   generator with the same number of kept-alive connections, and the ratio;
//! - `POST /api/v2/flows/executions` calls/s with 32 connections;
//! - `POST /oauth/token` req/s with 32 connections;
//! - bulk link on PostgreSQL (a fresh schema of `FLOWLINK_TEST_DATABASE_URL`, when set) and its
//!   ratio to SQLite.
//!
//! Servers run with the rate limit off, as README's load-test setup says. SQLite is the
//! default store (WAL, `synchronous=FULL`: every acknowledged write durable).
//!
//! `scripts/bench.sh` builds release and runs it; or `cargo bench -p flowlink --bench compare`.
//! `FLOWLINK_BENCH_FLOWS` (default 1000) and `FLOWLINK_BENCH_SECONDS` (per rate, default 3).
//! `FLOWLINK_BENCH_ONLY=get,exec` runs only the sections named (`link`, `get`, `exec`, `token`,
//! `pg`; for profiling one path); the setup always runs.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use flowlink_store::testing::TestSchema;
use flowlink_store::SqliteStore;

/// Connections the rate measurements hold open.
const CONNECTIONS: usize = 32;

/// A hello-world axum handler answering a small JSON body, on a free loopback port.
async fn start_hello() -> String {
    let app = axum::Router::new().route(
        "/hello",
        axum::routing::get(|| async { axum::Json(json!({"hello": "world", "n": 1})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hello", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A bearer-authenticated JSON API on one base URL.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn login(http: reqwest::Client, base: &str, id: &str, secret: &str) -> Api {
        let token = token(&http, base, id, secret).await;
        Api {
            http,
            base: base.to_string(),
            token,
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let r = req.send().await.expect("request sent");
        let status = r.status();
        let body: Value = r.json().await.expect("JSON answer");
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }
}

async fn token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> String {
    let r: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    r["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Creates `n` graph-dialect inbound flows (16 at a time) and the modules named; returns
/// `(flow ids, module ids)`.
async fn seed(api: &Api, n: usize, modules: &[&str]) -> (Vec<String>, Vec<String>) {
    use futures::StreamExt;
    let start = Instant::now();
    let definition = common::graph_definition(6);
    let flows: Vec<String> = futures::stream::iter(0..n)
        .map(|i| {
            let body = json!({"name": format!("Inbound {i:04}"), "type": "inboundcall",
                              "definition": definition});
            async move {
                api.send(reqwest::Method::POST, "/api/v2/flows", Some(&body))
                    .await
            }
        })
        .buffer_unordered(16)
        .map(|f| f["id"].as_str().expect("flow id").to_string())
        .collect()
        .await;
    let mut ids = Vec::new();
    for name in modules {
        let body = json!({"name": name, "definition": {
            "nodes": [{"id": "m1", "name": "Tag", "type": "tagInteraction", "settings": {"tags": ["shared"]}}],
            "edges": [{"id": "e0", "source": "start", "target": "m1", "type": "default"}],
            "entry": {"nodeId": "m1"}}});
        let m = api
            .send(
                reqwest::Method::POST,
                "/api/v2/flows/flowmodules",
                Some(&body),
            )
            .await;
        ids.push(m["id"].as_str().expect("module id").to_string());
    }
    println!(
        "setup: {n} graph-dialect inbound flows (6 nodes) created in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    (flows, ids)
}

/// The seeds' loop (seed 000, step 3): log in, then per flow, one after another on one kept-alive
/// connection, GET it, put a flowModule node first (from `start`, entry, then the old entry),
/// PUT it with its version.
async fn seeds_loop(url: &str, id: &str, secret: &str, flows: &[String], module: &str) -> f64 {
    let start = Instant::now();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("http client");
    let api = Api::login(http, url, id, secret).await;
    for flow_id in flows {
        let path = format!("/api/v2/flows/{flow_id}");
        let flow = api.send(reqwest::Method::GET, &path, None).await;
        let mut definition = flow["definition"].clone();
        let node_id = uuid::Uuid::new_v4().to_string();
        let old_entry = definition["entry"]["nodeId"].clone();
        definition["nodes"]
            .as_array_mut()
            .expect("nodes")
            .push(json!({
            "id": node_id, "name": "Execute Shared Auth", "type": "flowModule",
            "settings": {"flowModuleId": module}}));
        let edges = definition["edges"].as_array_mut().expect("edges");
        for e in edges.iter_mut().filter(|e| e["source"] == "start") {
            e["target"] = json!(node_id);
        }
        edges.push(json!({
            "id": uuid::Uuid::new_v4().to_string(), "source": node_id, "target": old_entry,
            "type": "default"}));
        definition["entry"]["nodeId"] = json!(node_id);
        let body = json!({"id": flow_id, "name": flow["name"], "type": flow["type"],
                          "version": flow["version"], "definition": definition});
        api.send(reqwest::Method::PUT, &path, Some(&body)).await;
    }
    start.elapsed().as_secs_f64()
}

/// Runs the `flowlink link` binary as a user does (process start and login included) on the
/// given flow ids; returns seconds. Asserts every flow was linked.
fn cli_link(
    url: &str,
    id: &str,
    secret: &str,
    module: &str,
    flows: &[String],
    per_flow: bool,
) -> f64 {
    let (server_cpu, cli_cpu) = (process_cpu_seconds(), children_cpu_seconds());
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowlink"));
    cmd.args(["link", "-m", module, "--quiet", "-o", "json"]);
    for f in flows {
        cmd.args(["--flow", f]);
    }
    if per_flow {
        cmd.args(["--per-flow", "--concurrency", "16"]);
    }
    let out = cmd
        .env("GENESYS_ENV_URL", url)
        .env("GENESYS_CLIENT_ID", id)
        .env("GENESYS_CLIENT_SECRET", secret)
        .output()
        .expect("run flowlink");
    let took = start.elapsed().as_secs_f64();
    // Where the two cores went: the CLI process, and this process (the server; the load
    // generator only waits meanwhile).
    println!(
        "  CPU: CLI {:.3} s, server {:.3} s",
        children_cpu_seconds() - cli_cpu,
        process_cpu_seconds() - server_cpu
    );
    assert!(
        out.status.success(),
        "flowlink link failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let linked = report["results"]
        .as_array()
        .map_or(0, |r| r.iter().filter(|x| x["status"] == "linked").count());
    assert_eq!(linked, flows.len(), "every flow linked: {report}");
    took
}

/// CPU seconds this process (server and load generator alike) has used so far, from
/// `/proc/self/stat` (user + system, in USER_HZ = 100 ticks a second on Linux).
fn process_cpu_seconds() -> f64 {
    stat_seconds(11, 12)
}

/// CPU seconds of this process's waited-for children (cutime + cstime).
fn children_cpu_seconds() -> f64 {
    stat_seconds(13, 14)
}

/// The sum of two tick fields of `/proc/self/stat` (indexes after the command name), in seconds.
fn stat_seconds(user: usize, system: usize) -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime, stime, cutime and cstime are fields 14 to 17 of the line: 11 to 14 after the name.
    (ticks(user) + ticks(system)) / 100.0
}

/// One rate measurement: requests/s, and CPU per request of the whole process (server and load
/// generator), which other work on the machine disturbs far less than the rate.
struct Rate {
    per_second: f64,
    cpu_us: f64,
    /// Requests answered (2xx) during the measurement.
    answered: f64,
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0}/s, {:.0} µs CPU each",
            self.per_second, self.cpu_us
        )
    }
}

/// Requests/s of the request `make()` builds, over `CONNECTIONS` kept-alive connections for
/// `budget`: driven by wrk (one thread, as issue 12 measured) when it is on PATH — a C load
/// generator in its own process leaves the server nearly all of both cores — else by
/// `CONNECTIONS` loops in this process. Panics on any non-2xx answer.
fn rate<F>(rt: &tokio::runtime::Runtime, budget: Duration, make: F) -> Rate
where
    F: Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    if wrk_available() {
        let request = make().build().expect("a well-formed request");
        wrk_rate(budget, &request)
    } else {
        rt.block_on(in_process_rate(budget, make))
    }
}

/// Whether `wrk` runs here (`scripts/bench.sh` installs it) and was not declined with
/// `FLOWLINK_BENCH_LOAD=in-process`.
fn wrk_available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        std::env::var("FLOWLINK_BENCH_LOAD").map_or(true, |l| l != "in-process")
            && Command::new("wrk")
                .arg("--version")
                .output()
                .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
    })
}

/// The name of the load generator the rates are measured with.
fn load_generator() -> &'static str {
    if wrk_available() {
        "wrk -t1 -c32"
    } else {
        "32 in-process reqwest loops (wrk not found or declined)"
    }
}

/// One wrk run of `request` (method, headers and body written into a Lua script); CPU per
/// request is this process's (the server's: the load generator is wrk's own process).
fn wrk_rate(budget: Duration, request: &reqwest::Request) -> Rate {
    // Lua long brackets need no escaping; nothing sent here contains `]==]`.
    let mut script = format!("wrk.method = [==[{}]==]\n", request.method());
    for (name, value) in request.headers() {
        let value = value.to_str().expect("an ASCII header");
        script.push_str(&format!(
            "wrk.headers[ [==[{name}]==] ] = [==[{value}]==]\n"
        ));
    }
    if let Some(body) = request.body().and_then(|b| b.as_bytes()) {
        let body = std::str::from_utf8(body).expect("a UTF-8 body");
        script.push_str(&format!("wrk.body = [==[{body}]==]\n"));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("request.lua");
    std::fs::write(&path, script).expect("write the wrk script");
    let cpu_before = process_cpu_seconds();
    let out = Command::new("wrk")
        .args(["-t1", &format!("-c{CONNECTIONS}")])
        .arg(format!("-d{}s", budget.as_secs().max(1)))
        .arg("-s")
        .arg(&path)
        .arg(request.url().as_str())
        .output()
        .expect("run wrk");
    let cpu = process_cpu_seconds() - cpu_before;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "wrk failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "Non-2xx or 3xx responses: N" appears only when there were some; socket errors too.
    assert!(!text.contains("Non-2xx"), "every answer 2xx: {text}");
    assert!(!text.contains("Socket errors"), "no socket errors: {text}");
    let figure = |prefix: &str| -> f64 {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("wrk printed no '{prefix}': {text}"))
    };
    let per_second = figure("Requests/sec:");
    // "12345 requests in 3.00s, 4.56MB read"
    let requests: f64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no request count: {text}"));
    assert!(requests > 0.0, "wrk sent requests: {text}");
    Rate {
        per_second,
        cpu_us: 1e6 * cpu / requests,
        answered: requests,
    }
}

/// Requests/s from `CONNECTIONS` concurrent loops in this process, each sending `make()` and
/// awaiting the whole answer, for `budget`. Panics on any non-2xx answer.
async fn in_process_rate<F>(budget: Duration, make: F) -> Rate
where
    F: Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let loops: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let make = Arc::clone(&make);
            tokio::spawn(async move {
                let mut n = 0u64;
                while start.elapsed() < budget {
                    let r = make().send().await.expect("request sent");
                    let status = r.status();
                    let body = r.bytes().await.expect("answer body");
                    assert!(
                        status.is_success(),
                        "{status}: {}",
                        String::from_utf8_lossy(&body)
                    );
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut n = 0;
    for l in loops {
        n += l.await.expect("load loop");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    Rate {
        per_second: n as f64 / elapsed,
        cpu_us: 1e6 * cpu / (n.max(1) as f64),
        answered: n as f64,
    }
}

/// A load-generator client: `CONNECTIONS` kept-alive connections at most.
fn load_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("http client")
}

/// Whether `FLOWLINK_BENCH_ONLY` (comma-separated section names; unset = all) names `section`.
fn wanted(section: &str) -> bool {
    std::env::var("FLOWLINK_BENCH_ONLY")
        .map_or(true, |only| only.split(',').any(|s| s.trim() == section))
}

fn main() {
    let n: usize = std::env::var("FLOWLINK_BENCH_FLOWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let budget = Duration::from_secs_f64(
        std::env::var("FLOWLINK_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3.0),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("load generator for the rates: {}", load_generator());

    // SQLite.
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, id, secret) = rt.block_on(async {
        let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
        common::start_server(store).await
    });
    let api = rt.block_on(Api::login(reqwest::Client::new(), &url, &id, &secret));
    let (flows, modules) = rt.block_on(seed(
        &api,
        n,
        &["Shared seeds", "Shared bulk", "Shared per-flow"],
    ));

    let bulk_s = wanted("link").then(|| {
        let seeds_s = rt.block_on(seeds_loop(&url, &id, &secret, &flows, &modules[0]));
        println!("seeds' loop (GET + PUT per flow, one connection): {n} flows in {seeds_s:.3} s");
        let bulk_s = cli_link(&url, &id, &secret, &modules[1], &flows, false);
        println!(
            "flowlink link (bulk, CLI process): {n} flows in {bulk_s:.3} s; {:.2}x the seeds' loop \
             (target >= 10x and <= 0.3 s)",
            seeds_s / bulk_s
        );
        let per_flow_s = cli_link(&url, &id, &secret, &modules[2], &flows, true);
        println!(
            "flowlink link --per-flow (concurrency 16): {n} flows in {per_flow_s:.3} s; {:.2}x the \
             seeds' loop (target >= 3x)",
            seeds_s / per_flow_s
        );
        // Every flow now calls all three modules.
        let one: Value = rt.block_on(api.send(
            reqwest::Method::GET,
            &format!("/api/v2/flows/{}", flows[n / 2]),
            None,
        ));
        let calls = one["definition"]["nodes"].as_array().map_or(0, |a| {
            a.iter().filter(|x| x["type"] == "flowModule").count()
        });
        assert_eq!(calls, 3, "the flow calls every linked module: {one}");
        bulk_s
    });

    // Reads: authenticated GET of one flow against hello-world.
    if wanted("get") {
        let hello = rt.block_on(start_hello());
        let get_rate = {
            let (http, target, token) = (
                load_client(),
                format!("{url}/api/v2/flows/{}", flows[0]),
                api.token.clone(),
            );
            rate(&rt, budget, move || http.get(&target).bearer_auth(&token))
        };
        let hello_rate = {
            let http = load_client();
            rate(&rt, budget, move || http.get(&hello))
        };
        println!(
            "GET /api/v2/flows/{{id}} ({CONNECTIONS} connections): {get_rate}; hello-world axum: \
             {hello_rate}; {:.0}% (target >= 40%; by CPU per request {:.0}%)",
            100.0 * get_rate.per_second / hello_rate.per_second,
            100.0 * hello_rate.cpu_us / get_rate.cpu_us
        );
    }

    // Executions.
    if wanted("exec") {
        let launch = json!({"flowId": flows[1], "name": "bench",
                            "simulation": {"ani": "+14440000", "dnis": "+18005550199"}});
        let exec_rate = {
            let (http, target, token) = (
                load_client(),
                format!("{url}/api/v2/flows/executions"),
                api.token.clone(),
            );
            rate(&rt, budget, move || {
                http.post(&target).bearer_auth(&token).json(&launch)
            })
        };
        // Every answered call was stored (the flow's executions are only these).
        let listing = rt.block_on(api.send(
            reqwest::Method::GET,
            &format!("/api/v2/flows/{}/executions?pageSize=1", flows[1]),
            None,
        ));
        let stored = listing["total"].as_f64().unwrap_or(0.0);
        assert!(
            stored >= exec_rate.answered,
            "{stored} executions stored, {} answered",
            exec_rate.answered
        );
        println!(
            "POST /api/v2/flows/executions ({CONNECTIONS} connections): {exec_rate} \
             (target >= 10,000 calls/s)"
        );
    }

    // Tokens.
    if wanted("token") {
        let token_rate = {
            let (http, target, id, secret) = (
                load_client(),
                format!("{url}/oauth/token"),
                id.clone(),
                secret.clone(),
            );
            rate(&rt, budget, move || {
                http.post(&target)
                    .basic_auth(&id, Some(&secret))
                    .form(&[("grant_type", "client_credentials")])
            })
        };
        println!(
            "POST /oauth/token ({CONNECTIONS} connections): {token_rate} (target >= 5,000 req/s)"
        );
    }

    // PostgreSQL: bulk link of the same flows on a fresh schema.
    let pg = std::env::var("FLOWLINK_TEST_DATABASE_URL").is_ok_and(|u| !u.trim().is_empty());
    if !wanted("pg") {
        return;
    }
    if !pg {
        println!("postgres: skipped (FLOWLINK_TEST_DATABASE_URL not set)");
        return;
    }
    let (schema, url, id, secret) = rt.block_on(async {
        let schema = TestSchema::create()
            .await
            .expect("a PostgreSQL test database");
        let store = flowlink_store::open_store(schema.url())
            .await
            .expect("postgres store");
        let (url, id, secret) = common::start_server(store).await;
        (schema, url, id, secret)
    });
    let api = rt.block_on(Api::login(reqwest::Client::new(), &url, &id, &secret));
    let (flows, modules) = rt.block_on(seed(&api, n, &["Shared bulk"]));
    // As PostgreSQL's docs say to after populating a database, and as autovacuum does within a
    // minute: without statistics, the foreign-key checks planned while the tables were empty
    // (during the seeding) stay sequential scans, a per-row cost that grows with the table.
    rt.block_on(schema.run_sql("ANALYZE"));
    println!("postgres: ANALYZE after seeding (as after any bulk load)");
    let pg_s = cli_link(&url, &id, &secret, &modules[0], &flows, false);
    match bulk_s {
        Some(bulk_s) => println!(
            "flowlink link (bulk, postgres): {n} flows in {pg_s:.3} s; postgres/sqlite = {:.2}x \
             (target <= 2x)",
            pg_s / bulk_s
        ),
        None => println!("flowlink link (bulk, postgres): {n} flows in {pg_s:.3} s"),
    }
    // The server's connections go with the runtime, before the schema.
    drop(rt);
    drop(schema);
}
