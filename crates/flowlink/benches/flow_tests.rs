//! Benchmark (prints, asserts nothing about speed) for `flowlink test` (issue 14): offline
//! cases per second on all cores for a 50-action inbound flow calling two modules (target
//! ≥ 20,000 cases/s on 2 cores) — with outcome/data expectations only (trace off), with
//! prompt and module expectations (trace on), and with coverage — then the wall time of 1,000
//! cases against a local server (rate limit off) through the executions API.
//!
//! `cargo bench -p flowlink --bench flow_tests` (offline cases from `FLOWLINK_BENCH_CASES`,
//! default 20,000; server cases from `FLOWLINK_BENCH_SERVER_CASES`, default 1,000).

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use serde_json::{json, Value};

use flowlink_client::api::{FlowType, FlowWrite};
use flowlink_client::LogicDoc;
use flowlink_flowtest::server::run_server;
use flowlink_flowtest::{parse_test_file, run_offline, FlowSet, Options, Status, TestFile};
use flowlink_server::testing::TestServer;
use flowlink_server::ServerConfig;

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A graph definition from nodes chained in order, plus extra edges.
fn chain(nodes: Vec<Value>, extra: Vec<(String, String, &str)>) -> Value {
    let ids: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let mut edges = vec![json!({"id": "e-start", "source": "start", "target": ids[0]})];
    let mut skip: Vec<&str> = extra.iter().map(|(from, _, _)| from.as_str()).collect();
    skip.sort();
    for w in ids.windows(2) {
        if skip.binary_search(&w[0].as_str()).is_err() {
            edges.push(json!({"id": format!("e-{}", w[0]), "source": w[0], "target": w[1]}));
        }
    }
    for (i, (from, to, ty)) in extra.iter().enumerate() {
        edges.push(json!({"id": format!("x{i}"), "source": from, "target": to, "type": ty}));
    }
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": ids[0]}})
}

fn node(id: &str, ty: &str, settings: Value) -> Value {
    json!({"id": id, "name": id, "type": ty, "settings": settings})
}

/// A module: `n` actions setting data, tagging and prompting.
fn module(tag: &str, n: usize) -> Value {
    let mut nodes = Vec::new();
    for i in 0..n {
        nodes.push(match i % 3 {
            0 => node(
                &format!("m{i}"),
                "setData",
                json!({"data": [{"key": format!("{tag}_{i}"), "value": "set"}]}),
            ),
            1 => node(
                &format!("m{i}"),
                "tagInteraction",
                json!({"tags": [format!("{tag}-{i}")]}),
            ),
            _ => node(
                &format!("m{i}"),
                "playPrompt",
                json!({"prompt": {"text": format!("{tag} step {i}"), "locale": "en-US"}}),
            ),
        });
    }
    chain(nodes, Vec::new())
}

/// The flow: 50 actions — setData/prompt/decision work, two module calls, a transfer.
fn main_flow(module_a: &str, module_b: &str) -> Value {
    let mut nodes = vec![node(
        "callA",
        "flowModule",
        json!({"flowModuleId": module_a}),
    )];
    for i in 0..46 {
        let id = format!("n{i}");
        nodes.push(match i % 4 {
            0 => node(
                &id,
                "setData",
                json!({"data": [{"key": format!("k{i}"), "value": {"expression": "Call.Ani"}}]}),
            ),
            1 => node(
                &id,
                "playPrompt",
                json!({"prompt": {"text": format!("Step {i}"), "locale": "en-US"}}),
            ),
            2 => node(
                &id,
                "decision",
                json!({"expression": "Contains(Call.Ani, \"+1555\")"}),
            ),
            _ => node(&id, "tagInteraction", json!({"tags": [format!("t{i}")]})),
        });
        if i == 23 {
            nodes.push(node(
                "callB",
                "flowModule",
                json!({"flowModuleId": module_b}),
            ));
        }
    }
    nodes.push(node("vipQueue", "transferToAcd", json!({"queue": "VIP"})));
    nodes.push(node("queue", "transferToAcd", json!({"queue": "General"})));
    // The last decision picks the queue; the others continue either way.
    let mut extra = Vec::new();
    for i in (2..46).step_by(4) {
        let next = if i + 1 < 46 {
            format!("n{}", i + 1)
        } else {
            "queue".into()
        };
        if i == 42 {
            extra.push((format!("n{i}"), "vipQueue".to_string(), "true"));
            extra.push((format!("n{i}"), next.clone(), "false"));
        } else {
            extra.push((format!("n{i}"), next.clone(), "true"));
            extra.push((format!("n{i}"), next, "false"));
        }
    }
    extra.push(("n45".into(), "queue".into(), "default"));
    chain(nodes, extra)
}

fn cases(flow: &str, n: usize, traced: bool) -> TestFile {
    let mut text = format!("flow: {flow}\ncases:\n");
    for i in 0..n {
        let vip = i % 2 == 0;
        let (ani, queue) = if vip {
            ("+15550001", "VIP")
        } else {
            ("+14165550123", "General")
        };
        text.push_str(&format!(
            "  - name: case {i}\n    call: {{ani: \"{ani}\"}}\n    expect:\n      outcome: {{transferred: {queue}}}\n      participantData: {{a_0: set, k0: \"{ani}\"}}\n"
        ));
        if traced {
            text.push_str("      prompts: [\"Step 1\", \"/^b step/\", \"Step 41\"]\n      modules: [\"Bench Module A\", \"Bench Module B\"]\n");
        }
    }
    parse_test_file("bench.test.yaml", &text).unwrap()
}

fn offline(set: &FlowSet, file: &TestFile, label: &str, coverage: bool) {
    let opts = Options {
        coverage,
        ..Options::default()
    };
    // One warm-up pass, then the timed one.
    run_offline(set, std::slice::from_ref(file), "bench", &opts).unwrap();
    let start = Instant::now();
    let (results, report) = run_offline(set, std::slice::from_ref(file), "bench", &opts).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let n = results[0].cases.len();
    let failed = results[0]
        .cases
        .iter()
        .filter(|c| c.status != Status::Passed)
        .count();
    assert_eq!(
        failed,
        0,
        "{:?}",
        results[0].cases.iter().find(|c| !c.passed())
    );
    let cov = report
        .map(|r| format!(", coverage {:.1}%", r.percent))
        .unwrap_or_default();
    println!(
        "offline {label}: {n} cases in {secs:.3}s = {:.0} cases/s{cov}",
        n as f64 / secs
    );
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = env_usize("FLOWLINK_BENCH_CASES", 20_000);
    let sources = vec![
        ("a.json".to_string(), json!({"id": "mod-a", "name": "Bench Module A", "type": "commonmodule", "definition": module("a", 10)}).to_string()),
        ("b.json".to_string(), json!({"id": "mod-b", "name": "Bench Module B", "type": "commonmodule", "definition": module("b", 10)}).to_string()),
        ("main.json".to_string(), json!({"name": "Bench Main", "type": "inboundcall", "definition": main_flow("mod-a", "mod-b")}).to_string()),
    ];
    let set = FlowSet::from_sources(&sources).unwrap();
    let main = &set.flows[set.find("Bench Main").unwrap()];
    let counted = main.logic.graph.nodes.len();
    println!("flow: {counted} actions calling 2 modules of 10 actions; {cores} core(s)");
    // The engine alone, one thread, trace off: what the harness has to keep up with.
    let sims: Vec<_> = cases("Bench Main", 1_000, false)
        .cases
        .into_iter()
        .map(|mut c| {
            c.simulation.now = Some("2026-12-01T12:00:00Z".into());
            c.simulation
        })
        .collect();
    let to_run = main.to_run();
    let limits = flowlink_engine::Limits::default();
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed().as_secs_f64() < 1.0 {
        for sim in &sims {
            let r = flowlink_engine::run_with(
                &to_run,
                sim,
                set.modules(),
                &limits,
                flowlink_engine::TraceLevel::Off,
            );
            calls += u32::from(r.action_count > 0);
        }
    }
    println!(
        "engine alone, 1 thread, trace off: {:.0} calls/s",
        f64::from(calls) / start.elapsed().as_secs_f64()
    );
    offline(
        &set,
        &cases("Bench Main", n, false),
        "outcome + data (trace off)",
        false,
    );
    offline(
        &set,
        &cases("Bench Main", n, true),
        "+ prompts and modules (trace on)",
        false,
    );
    offline(
        &set,
        &cases("Bench Main", n, false),
        "outcome + data, --coverage",
        true,
    );

    let server_cases = env_usize("FLOWLINK_BENCH_SERVER_CASES", 1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = ServerConfig {
            rate_limit_per_minute: 0,
            ..ServerConfig::default()
        };
        let server = TestServer::start_with(config, None).await;
        let client = flowlink_client::Client::new(&server.url, &server.client_id, &server.client_secret).unwrap();
        let a = client.create_module("Bench Module A", None, Some(&LogicDoc::Graph(module("a", 10)))).await.unwrap();
        let b = client.create_module("Bench Module B", None, Some(&LogicDoc::Graph(module("b", 10)))).await.unwrap();
        let mut body = FlowWrite {
            name: Some("Bench Main".into()),
            flow_type: Some(FlowType::InboundCall),
            ..Default::default()
        };
        LogicDoc::Graph(main_flow(&a.id.unwrap(), &b.id.unwrap())).apply_to(&mut body);
        client.create_flow(&body).await.unwrap();
        let file = cases("Bench Main", server_cases, true);
        for in_flight in [8, 32] {
            let start = Instant::now();
            let (results, _) = run_server(&client, std::slice::from_ref(&file), &Options::default(), in_flight)
                .await
                .unwrap();
            let secs = start.elapsed().as_secs_f64();
            let failed = results[0].cases.iter().filter(|c| !c.passed()).count();
            assert_eq!(failed, 0, "{:?}", results[0].cases.iter().find(|c| !c.passed()));
            println!(
                "server: {server_cases} cases in {secs:.2}s ({:.0} cases/s, {in_flight} in flight, SQLite)",
                server_cases as f64 / secs
            );
        }
    });
}
