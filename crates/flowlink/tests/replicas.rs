//! Several replicas on one PostgreSQL (issue 6 item 3): two real `flowlink serve` processes on
//! different loopback ports share one database (a fresh schema of `FLOWLINK_TEST_DATABASE_URL`)
//! and behave as one server:
//!
//! * the concurrent-link scenario (8 clients × 8 modules × 50 flows) with the clients spread
//!   over both replicas ends with every flow calling each module exactly once;
//! * a checkout taken through one replica is honoured by the other;
//! * SIGKILLing one replica mid-run loses no acknowledged write: its clients retry against the
//!   survivor, and everything either replica acknowledged before the kill is still there.
//!
//! Fails with instructions when no database is configured, unless `FLOWLINK_SKIP_POSTGRES=1`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use common::link_race::{self, Acknowledged};
use common::{action_flow, create_flow};
use flowlink_client::api::FlowType;
use flowlink_client::{Client, FlowStatus, LinkOptions};
use flowlink_store::testing::TestSchema;

/// One `flowlink serve` process.
struct Replica {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Replica {
    /// Starts `flowlink serve` on `database_url` (rate limit off, any free loopback port) and
    /// waits for the line saying where it listens.
    async fn start(database_url: &str) -> Replica {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowlink"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--rate-limit-per-minute",
                "0",
            ])
            .arg("--database-url")
            .arg(database_url)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("FLOWLINK_DATA_DIR")
            .env_remove("FLOWLINK_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start flowlink serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = Vec::new();
        let url = loop {
            let Some(line) = lines.next_line().await.unwrap() else {
                panic!(
                    "flowlink serve exited before listening:\n{}",
                    seen.join("\n")
                );
            };
            if let Some(rest) = line.split("flowlink listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
            seen.push(line);
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Replica { child, url, dir }
    }

    /// SIGKILL: no graceful shutdown, no flush, connections dropped mid-statement.
    async fn kill(&mut self) {
        self.child.kill().await.expect("kill -9");
    }
}

/// Two replicas on one fresh schema and the bootstrap client both accept.
struct Pair {
    replicas: [Replica; 2],
    client_id: String,
    client_secret: String,
    org_id: uuid::Uuid,
    // Last: dropped after both servers are killed (Replica's kill_on_drop).
    schema: TestSchema,
}

impl Pair {
    /// Starts the first replica (which bootstraps the organization and writes its credentials
    /// file), then the second on the same database. `None` when PostgreSQL tests are skipped.
    async fn start() -> Option<Pair> {
        let schema = TestSchema::create().await?;
        let first = Replica::start(schema.url()).await;
        let creds = read_credentials(first.dir.path());
        let second = Replica::start(schema.url()).await;
        assert!(
            !second.dir.path().join("credentials.json").exists(),
            "the second replica must not bootstrap a second organization"
        );
        assert_ne!(first.url, second.url);
        Some(Pair {
            replicas: [first, second],
            client_id: creds["clientId"].as_str().unwrap().to_string(),
            client_secret: creds["clientSecret"].as_str().unwrap().to_string(),
            org_id: creds["orgId"].as_str().unwrap().parse().unwrap(),
            schema,
        })
    }

    /// A new client of the bootstrap credentials talking to replica `r`.
    fn client(&self, r: usize) -> Client {
        Client::new(&self.replicas[r].url, &self.client_id, &self.client_secret).unwrap()
    }

    /// A second OAuth client of the organization (its own identity for the checkout lock),
    /// made in the shared database the way `flowlink clients create --database-url` does.
    async fn other_identity(&self, name: &str) -> (String, String) {
        let store = flowlink_store::open_store(self.schema.url()).await.unwrap();
        let c = flowlink_server::create_client(
            store.as_ref(),
            self.org_id,
            name,
            &["admin".to_string()],
            None,
        )
        .await
        .unwrap();
        store.close().await;
        (c.client_id.to_string(), c.client_secret)
    }
}

fn read_credentials(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("credentials.json")).expect("credentials file");
    serde_json::from_str(&text).expect("credentials json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_over_two_replicas_link_without_losing_a_write() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let fx = link_race::setup(&pair.client(0)).await;
    // Clients alternate between the replicas, so every flow is written through both.
    let clients = (0..link_race::MODULES)
        .map(|i| pair.client(i % 2))
        .collect();
    let acks = Acknowledged::default();
    let outcomes = link_race::race(clients, &fx, &acks, Arc::new(|| {})).await;
    let mut retries = 0;
    for outcome in outcomes {
        let (report, client_retries) = outcome.unwrap();
        retries += link_race::assert_all_linked(&report, client_retries);
    }
    assert!(retries > 0, "the 409 path was never exercised");
    eprintln!("409 re-applies across the 8 clients on 2 replicas: {retries}");
    // Both replicas read the same, complete result.
    link_race::assert_each_module_called_once(&pair.client(0), &fx).await;
    link_race::assert_each_module_called_once(&pair.client(1), &fx).await;
}

/// Sends an empty-bodied POST or a JSON PUT with a bearer token; returns status and body.
async fn send(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkout_on_one_replica_is_honoured_on_the_other() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let (r1, r2) = (&pair.replicas[0].url, &pair.replicas[1].url);
    let a = pair.client(0);
    let (b_id, b_secret) = pair.other_identity("b").await;
    let b = Client::new(r2, &b_id, &b_secret).unwrap();
    let (ta, tb) = (
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap(),
    );
    let flow = create_flow(&a, "Locked", FlowType::InboundCall, &action_flow("x")).await;
    let id = flow.id.unwrap();

    // A checks the flow out through replica 1.
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{r1}/api/v2/flows/actions/checkout?flow={id}"),
        &ta,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let version = body["version"].clone();

    // B's write and B's own checkout through replica 2 are refused: the lock is in the database.
    let put = |token: String, base: String, description: &'static str| {
        let id = id.clone();
        let version = version.clone();
        async move {
            send(
                reqwest::Method::PUT,
                format!("{base}/api/v2/flows/{id}"),
                &token,
                Some(json!({"version": version, "description": description})),
            )
            .await
        }
    };
    let (status, body) = put(tb.clone(), r2.clone(), "from b").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "architect.flow.locked", "{body}");
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{r2}/api/v2/flows/actions/checkout?flow={id}"),
        &tb,
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    // Replica 2 reports A as the holder.
    let seen = b.get_flow(&id).await.unwrap();
    let seen = serde_json::to_value(&seen).unwrap();
    assert_eq!(seen["lockedClient"]["id"], pair.client_id, "{seen}");

    // A checks in through replica 2; now B's write through replica 1 is accepted.
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{r2}/api/v2/flows/actions/checkin?flow={id}"),
        &ta,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let current = a.get_flow(&id).await.unwrap();
    let (status, body) = send(
        reqwest::Method::PUT,
        format!("{r1}/api/v2/flows/{id}"),
        &tb,
        Some(json!({"version": current.version, "description": "from b"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["description"], "from b");
}

/// R2's clients' acknowledged links after which replica 2 is killed.
const KILL_AFTER_LINKS: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_replica_mid_run_loses_no_acknowledged_write() {
    let Some(mut pair) = Pair::start().await else {
        return;
    };
    let fx = link_race::setup(&pair.client(0)).await;
    let clients = (0..link_race::MODULES)
        .map(|i| pair.client(i % 2))
        .collect();
    let acks = Acknowledged::default();
    // Every client counts toward the kill (the replicas' writes interleave); the signal fires
    // once, when enough links were acknowledged to be worth losing.
    let linked = Arc::new(AtomicUsize::new(0));
    let kill_now = Arc::new(tokio::sync::Notify::new());
    let on_link = {
        let (linked, kill_now) = (linked.clone(), kill_now.clone());
        Arc::new(move || {
            if linked.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER_LINKS {
                kill_now.notify_one();
            }
        })
    };
    let mut race = {
        let (acks, fx) = (acks.clone(), fx.clone());
        tokio::spawn(async move { link_race::race(clients, &fx, &acks, on_link).await })
    };
    tokio::select! {
        () = kill_now.notified() => {}
        _ = &mut race => panic!("the links finished with fewer than {KILL_AFTER_LINKS} acknowledged"),
    }
    pair.replicas[1].kill().await;
    let acked_at_kill = linked.load(Ordering::SeqCst);
    let outcomes = race.await.unwrap();

    // Replica 1's clients finished normally; replica 2's were cut off part-way.
    let mut interrupted = Vec::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        if i % 2 == 0 {
            let (report, retries) = outcome.unwrap();
            link_race::assert_all_linked(&report, retries);
            continue;
        }
        let finished = outcome.as_ref().is_ok_and(|(report, _)| {
            report.results.len() == link_race::FLOWS
                && report
                    .results
                    .iter()
                    .all(|r| r.status == FlowStatus::Linked)
        });
        if !finished {
            interrupted.push(i);
        }
    }
    assert!(
        !interrupted.is_empty(),
        "the kill after {acked_at_kill} acknowledged links came too late to interrupt anything"
    );

    // Nothing either replica acknowledged is lost, read through the survivor.
    let survivor = pair.client(0);
    let acknowledged = acks.all();
    link_race::assert_acknowledged_present(&survivor, &acknowledged).await;
    eprintln!(
        "replica 2 killed after {acked_at_kill} acknowledged links; {} acknowledged in all, \
         clients {interrupted:?} cut off",
        acknowledged.len()
    );

    // The cut-off clients retry against the survivor and complete their links.
    for i in interrupted {
        let report = survivor
            .link_module(
                &fx.module_ids[i],
                &link_race::targets(&fx, i),
                &LinkOptions::default(),
                &(),
            )
            .await
            .unwrap();
        assert!(
            report
                .results
                .iter()
                .all(|r| matches!(r.status, FlowStatus::Linked | FlowStatus::AlreadyLinked)),
            "{:?}",
            report.results
        );
    }
    link_race::assert_each_module_called_once(&survivor, &fx).await;
}

/// Issue 11: flow jobs live in the database. A job registered on replica 1 takes its upload on
/// replica 2 (the URL's signature checks there: one secret for all replicas), is polled on
/// either, refuses a replayed upload on replica 1, and an export registered on replica 2
/// downloads from replica 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_job_moves_between_replicas() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let (r1, r2) = (&pair.replicas[0].url, &pair.replicas[1].url);
    let token = pair.client(0).access_token().await.unwrap();
    let text = "commonModule:\n  name: Replicated\n  startUpRef: \"/commonModule/tasks/task[Start_10]\"\n  tasks:\n    - task:\n        name: Start\n        refId: Start_10\n        actions:\n          - endTask:\n              name: Done\n";
    let (status, job) = send(
        reqwest::Method::POST,
        format!("{r1}/api/v2/flows/jobs"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{job}");
    let url = job["presignedUrl"].as_str().unwrap();
    assert!(url.starts_with(r1.as_str()), "{url}");
    let on_second = url.replacen(r1.as_str(), r2, 1);
    let http = reqwest::Client::new();
    let up = http.put(&on_second).body(text).send().await.unwrap();
    assert_eq!(up.status(), 200);
    let replay = http.put(url).body(text).send().await.unwrap();
    assert_eq!(replay.status(), 403);
    let id = job["id"].as_str().unwrap();
    let mut flow_ids = Vec::new();
    for base in [r1, r2] {
        let (status, state) = send(
            reqwest::Method::GET,
            format!("{base}/api/v2/flows/jobs/{id}?expand=messages"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{state}");
        assert_eq!(state["status"], "Success", "{state}");
        flow_ids.push(state["flow"]["id"].clone());
    }
    assert_eq!(flow_ids[0], flow_ids[1]);

    let (status, export) = send(
        reqwest::Method::POST,
        format!("{r2}/api/v2/flows/export/jobs"),
        &token,
        Some(json!({"flows": [{"flow": {"id": flow_ids[0]}}]})),
    )
    .await;
    assert_eq!(status, 200, "{export}");
    let (_, state) = send(
        reqwest::Method::GET,
        format!(
            "{r1}/api/v2/flows/export/jobs/{}",
            export["id"].as_str().unwrap()
        ),
        &token,
        None,
    )
    .await;
    let download = state["downloadUrl"].as_str().unwrap();
    assert!(download.starts_with(r1.as_str()), "{download}");
    let got = http
        .get(download.replacen(r1.as_str(), r2, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), text);
}
