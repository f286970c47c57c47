//! Benchmark (prints, asserts nothing about speed): wall time to link one module into N inbound
//! flows with `flowlink link` against a local server (rate limit off) on SQLite, next to the
//! seeds' way — `tests/bench/seed_link.py`, plain `requests`, one flow after another, GET then
//! PUT — against the same server, and the ratio; then the same `flowlink link` on PostgreSQL
//! (a fresh schema of `FLOWLINK_TEST_DATABASE_URL`, or of the server `scripts/postgres.sh`
//! starts) and its ratio to SQLite (target: within 2x). Each backend's link time is the best
//! of [`REPEATS`] runs, each linking a fresh module.
//!
//! Then, on each backend, the issue-11 comparison: `flowlink link` (bulk) into N imported Archy
//! inbound flows (a corpus file with a startup task, renamed per flow) against N graph-dialect
//! inbound flows with as many nodes as the Archy file has actions, each on a fresh server, and
//! the ratio Archy/graph (target <= 2x).
//!
//! `flowlink link` uses the server's bulk link (flowlink extension) by default;
//! `FLOWLINK_BENCH_PER_FLOW=1` times its `--per-flow` path instead (GET + PUT per flow, as
//! against Genesys).
//!
//! `cargo bench -p flowlink --bench link` (N from `FLOWLINK_BENCH_FLOWS`, default 1000;
//! `FLOWLINK_SKIP_POSTGRES=1` leaves PostgreSQL out).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};

use flowlink_client::api::{FlowType, FlowWrite};
use flowlink_client::Client;
use flowlink_store::testing::TestSchema;
use flowlink_store::{SqliteStore, Store};

/// Link runs per backend; the best is reported (the first pays for cold caches).
const REPEATS: usize = 3;

fn seconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn tag(t: &str) -> flowlink_client::LogicDoc {
    flowlink_client::LogicDoc::Actions {
        actions: vec![json!({"type": "tagInteraction", "name": "Tag", "tags": [t]})],
        variables: None,
    }
}

/// The flows a run links into.
#[derive(Clone, Copy)]
enum Shape<'a> {
    /// Two actions (actions dialect), as the seeds' flows.
    Small,
    /// A graph-dialect chain of this many nodes.
    Graph(usize),
    /// This Archy file, renamed per flow.
    Archy(&'a str),
}

/// The Archy inbound file the comparison imports: a corpus flow whose startup is a task.
const ARCHY_FILE: &str = "GenesysCloudBlueprints__design-architect-flow-data-actions-for-resiliency__blueprint__src__CacheExampleFlow.yaml";

fn archy_corpus_file() -> String {
    let dir = match std::env::var_os("FLOWLINK_ARCHY_CORPUS") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => Path::new(
            &std::env::var_os("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("../../../shared/archy-corpus"),
    };
    std::fs::read_to_string(dir.join(ARCHY_FILE)).expect("the Archy corpus file")
}

fn flow_body(shape: Shape<'_>, i: usize) -> FlowWrite {
    let name = format!("Inbound {i:04}");
    match shape {
        Shape::Small => FlowWrite {
            name: Some(name),
            flow_type: Some(FlowType::InboundCall),
            actions: Some(json!([
                {"type": "playPrompt", "name": "Greeting", "prompt": {"text": "Hello"}},
                {"type": "transferToAcd", "name": "Queue", "queue": "Support"}
            ])),
            ..Default::default()
        },
        Shape::Graph(nodes) => FlowWrite {
            name: Some(name),
            flow_type: Some(FlowType::InboundCall),
            definition: Some(common::graph_definition(nodes)),
            ..Default::default()
        },
        Shape::Archy(text) => FlowWrite {
            name: Some(name.clone()),
            flow_type: Some(FlowType::InboundCall),
            archy: Some(text.replacen("  name: Cache Example", &format!("  name: {name}"), 1)),
            ..Default::default()
        },
    }
}

/// Creates `n` inbound flows and one module per name in `modules`; returns the module ids.
async fn seed(client: &Client, n: usize, modules: &[String]) -> Vec<String> {
    seed_shaped(client, n, modules, Shape::Small).await
}

/// [`seed`] with flows of `shape`.
async fn seed_shaped(
    client: &Client,
    n: usize,
    modules: &[String],
    shape: Shape<'_>,
) -> Vec<String> {
    use futures::StreamExt;
    let setup = Instant::now();
    let created: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            async move { client.create_flow(&flow_body(shape, i)).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    if let Some(Err(e)) = created.iter().find(|r| r.is_err()) {
        panic!("creating flows failed: {e}");
    }
    let mut ids = Vec::new();
    for name in modules {
        let m = client
            .create_module(name, None, Some(&tag(name)))
            .await
            .expect("module");
        ids.push(m.id.expect("id"));
    }
    println!(
        "setup: {n} inbound flows ({}) created in {:.2} s",
        match shape {
            Shape::Small => "2 actions".to_string(),
            Shape::Graph(k) => format!("graph dialect, {k} nodes"),
            Shape::Archy(_) => "Archy".to_string(),
        },
        seconds(setup)
    );
    ids
}

/// Runs the `flowlink link` binary as a user does (process start, login, listing included);
/// returns `(seconds, flows linked)`.
fn flowlink_link(url: &str, id: &str, secret: &str, module: &str) -> (f64, usize) {
    let per_flow = std::env::var("FLOWLINK_BENCH_PER_FLOW").is_ok_and(|v| v == "1");
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_flowlink"))
        .args([
            "link",
            "--module",
            module,
            "--type",
            "inboundcall",
            "--quiet",
            "-o",
            "json",
        ])
        .args(per_flow.then_some("--per-flow"))
        .env("GENESYS_ENV_URL", url)
        .env("GENESYS_CLIENT_ID", id)
        .env("GENESYS_CLIENT_SECRET", secret)
        .output()
        .expect("run flowlink");
    let took = seconds(start);
    assert!(
        out.status.success(),
        "flowlink link failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let linked = report["results"]
        .as_array()
        .map_or(0, |r| r.iter().filter(|x| x["status"] == "linked").count());
    (took, linked)
}

/// The best of [`REPEATS`] `flowlink link` runs, one per module in `modules`; prints each.
fn best_link(backend: &str, url: &str, id: &str, secret: &str, modules: &[String]) -> f64 {
    let mut best = f64::INFINITY;
    for module in modules {
        let (took, linked) = flowlink_link(url, id, secret, module);
        println!(
            "flowlink link ({backend}{}): {linked} flows linked in {took:.3} s ({:.0} flows/s)",
            if std::env::var("FLOWLINK_BENCH_PER_FLOW").is_ok_and(|v| v == "1") {
                ", --per-flow"
            } else {
                ""
            },
            linked as f64 / took
        );
        best = best.min(took);
    }
    best
}

/// Asserts the first 20 flows call `expected` modules each (every job really happened).
async fn check_calls(client: &Client, expected: usize) {
    let flows = client
        .list_flows(&flowlink_client::FlowQuery::of_type(FlowType::InboundCall))
        .await
        .expect("list");
    let full = futures::future::join_all(
        flows
            .iter()
            .take(20)
            .map(|f| client.get_flow(f.id.as_deref().unwrap_or_default())),
    )
    .await;
    for f in full {
        let f = f.expect("get");
        let calls = f
            .actions
            .as_ref()
            .and_then(Value::as_array)
            .map_or(0, |a| a.iter().filter(|x| x["type"] == "callFlow").count());
        assert_eq!(
            calls, expected,
            "flow {:?} calls every linked module",
            f.name
        );
    }
}

/// Asserts the first 20 Archy flows' texts call each of `modules` once.
async fn check_archy_calls(client: &Client, modules: &[String]) {
    let flows = client
        .list_flows(&flowlink_client::FlowQuery::of_type(FlowType::InboundCall))
        .await
        .expect("list");
    for f in flows.iter().take(20) {
        let f = client
            .get_flow(f.id.as_deref().unwrap_or_default())
            .await
            .expect("get");
        let text = f.archy.as_deref().expect("an Archy flow keeps its text");
        for m in modules {
            assert_eq!(
                text.matches(&format!("{m}:")).count(),
                1,
                "flow {:?} calls {m} once",
                f.name
            );
        }
    }
}

/// Issue 11's comparison on one backend: the best `flowlink link` into `n` graph-dialect flows
/// and into `n` Archy flows, each set on a fresh server from `open`; prints both and the ratio.
fn compare_archy(
    rt: &tokio::runtime::Runtime,
    backend: &str,
    n: usize,
    open: &dyn Fn() -> Arc<dyn Store>,
) {
    let archy = archy_corpus_file();
    let nodes = flowlink_model::archy::parse_archy(&archy)
        .expect("the corpus file parses")
        .logic
        .graph
        .nodes
        .len();
    let modules: Vec<String> = (0..REPEATS).map(|i| format!("Bench shared {i}")).collect();
    let mut best = Vec::new();
    for (label, shape) in [
        ("graph", Shape::Graph(nodes)),
        ("archy", Shape::Archy(&archy)),
    ] {
        let store = open();
        let (url, id, secret) = rt.block_on(common::start_server(store));
        let client = Client::new(&url, &id, &secret).expect("client");
        let ids = rt.block_on(seed_shaped(&client, n, &modules, shape));
        let took = best_link(&format!("{backend}, {label}"), &url, &id, &secret, &ids);
        match shape {
            Shape::Archy(_) => rt.block_on(check_archy_calls(&client, &modules)),
            _ => rt.block_on(check_graph_calls(&client, REPEATS)),
        }
        best.push(took);
    }
    println!(
        "{backend}: link into {n} flows ({nodes} actions each), best of {REPEATS}: graph {:.3} s, \
         archy {:.3} s; archy/graph = {:.2}x (target <= 2x)",
        best[0],
        best[1],
        best[1] / best[0]
    );
}

/// Asserts the first 20 graph flows hold `expected` flowModule nodes each.
async fn check_graph_calls(client: &Client, expected: usize) {
    let flows = client
        .list_flows(&flowlink_client::FlowQuery::of_type(FlowType::InboundCall))
        .await
        .expect("list");
    for f in flows.iter().take(20) {
        let f = client
            .get_flow(f.id.as_deref().unwrap_or_default())
            .await
            .expect("get");
        let calls = f
            .definition
            .as_ref()
            .and_then(|d| d["nodes"].as_array())
            .map_or(0, |a| {
                a.iter().filter(|x| x["type"] == "flowModule").count()
            });
        assert_eq!(
            calls, expected,
            "flow {:?} calls every linked module",
            f.name
        );
    }
}

/// The PostgreSQL test database URL: `FLOWLINK_TEST_DATABASE_URL`, or the server
/// `scripts/postgres.sh` starts or reuses; `None` with `FLOWLINK_SKIP_POSTGRES=1`.
fn postgres_url() -> Option<String> {
    if flowlink_store::testing::skip_postgres() {
        return None;
    }
    if let Ok(url) = std::env::var("FLOWLINK_TEST_DATABASE_URL") {
        if !url.trim().is_empty() {
            return Some(url);
        }
    }
    let script = Path::new(
        &std::env::var_os("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../scripts/postgres.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("run scripts/postgres.sh");
    assert!(
        out.status.success(),
        "scripts/postgres.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout)
        .expect("utf-8 url")
        .trim()
        .to_string();
    // The schema helper reads the URL from the environment, like the tests do.
    std::env::set_var("FLOWLINK_TEST_DATABASE_URL", &url);
    Some(url)
}

fn main() {
    let n: usize = std::env::var("FLOWLINK_BENCH_FLOWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let pg_url = postgres_url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let modules: Vec<String> = (0..REPEATS)
        .map(|i| format!("Bench flowlink {i}"))
        .collect();

    // SQLite, and the seeds' python way on the same server.
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, id, secret) = rt.block_on(async {
        let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
        common::start_server(store).await
    });
    let client = Client::new(&url, &id, &secret).expect("client");
    let mut names = modules.clone();
    names.push("Bench python".into());
    let ids = rt.block_on(seed(&client, n, &names));
    let (flowlink_modules, python_module) = ids.split_at(REPEATS);
    let flowlink_s = best_link("sqlite", &url, &id, &secret, flowlink_modules);
    // The seeds' way.
    let script = Path::new(
        &std::env::var_os("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("../../tests/bench/seed_link.py");
    let start = Instant::now();
    let py = Command::new("python3")
        .arg(&script)
        .args([&url, &id, &secret, &python_module[0]])
        .output();
    let python_s = seconds(start);
    let python_ok = matches!(&py, Ok(o) if o.status.success());
    match py {
        Ok(o) if o.status.success() => {
            let r: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
            println!(
                "seeds' python way: {} flows linked in {python_s:.3} s ({:.3} s inside the script)",
                r["flows"],
                r["seconds"].as_f64().unwrap_or(f64::NAN)
            );
            println!("ratio:              flowlink is {:.1}x faster (target >= 10x, and < 2 s for 1000 flows)", python_s / flowlink_s);
        }
        Ok(o) => println!(
            "seeds' python way: failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("seeds' python way: skipped (python3 not runnable: {e})"),
    }

    rt.block_on(check_calls(&client, REPEATS + usize::from(python_ok)));

    // Issue 11: Archy flows against graph-dialect flows, each on a fresh SQLite store.
    let dirs = std::sync::Mutex::new(Vec::new());
    compare_archy(&rt, "sqlite", n, &|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = rt
            .block_on(SqliteStore::open_dir(dir.path()))
            .expect("store");
        dirs.lock().unwrap().push(dir);
        Arc::new(store)
    });

    // PostgreSQL: the same flows and link runs on a fresh schema.
    let Some(_) = pg_url else {
        println!("postgres: skipped (FLOWLINK_SKIP_POSTGRES=1)");
        return;
    };
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
    let client = Client::new(&url, &id, &secret).expect("client");
    let ids = rt.block_on(seed(&client, n, &modules));
    let postgres_s = best_link("postgres", &url, &id, &secret, &ids);
    rt.block_on(check_calls(&client, REPEATS));
    println!(
        "bulk link of {n} flows, best of {REPEATS}: sqlite {flowlink_s:.3} s, postgres \
         {postgres_s:.3} s; postgres/sqlite = {:.2}x (target <= 2x)",
        postgres_s / flowlink_s
    );
    let schemas = std::sync::Mutex::new(Vec::new());
    compare_archy(&rt, "postgres", n, &|| {
        let (schema, store) = rt.block_on(async {
            let schema = TestSchema::create()
                .await
                .expect("a PostgreSQL test database");
            let store = flowlink_store::open_store(schema.url())
                .await
                .expect("postgres store");
            (schema, store)
        });
        schemas.lock().unwrap().push(schema);
        store
    });
    // The server's connections are dropped with the runtime, before the schemas.
    drop(rt);
    drop(schema);
    drop(schemas);
}
