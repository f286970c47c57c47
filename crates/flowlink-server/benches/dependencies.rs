//! `consumingresources` latency (issue 5): a module called by 10,000 flows in an organization
//! of 20,000 flows, on the embedded store. The organization is seeded through the `Store`
//! trait (one transaction per flow, each writing its version and dependency rows exactly as an
//! API write does), then `GET /api/v2/architect/dependencytracking/consumingresources` is
//! asked 1,000 times over HTTP on 127.0.0.1, paging through the 10,000 consumers (25 per page,
//! 400 pages, each page 2.5 times), and the median and p99 latency are printed — once per
//! `flowFilter` (none, `published`), for the callers of one type and for those pinned to the
//! old module version; a baseline request that only authenticates is printed first.
//! Run with `cargo bench -p flowlink-server --bench dependencies`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flowlink_api::FlowType;
use flowlink_server::{bootstrap, AppState, ServerConfig};
use flowlink_store::{
    Dialect, LogicWrite, ModuleRef, NewFlow, NoLinkGuard, SqliteStore, Store, VersionKind,
};
use serde_json::{json, Value};

const FLOWS: usize = 20_000;
const CALLERS: usize = 10_000;
const REQUESTS: usize = 1_000;
const PAGE_SIZE: usize = 25;

fn logic(module: Option<(&str, Option<u32>)>) -> LogicWrite {
    let transfer = json!({"type": "transferToAcd", "name": "To Main", "queue": "Main"});
    match module {
        Some((id, pin)) => LogicWrite {
            document: json!({"actions": [
                {"type": "callFlow", "name": "Shared Auth", "flow": {"id": id, "version": pin}},
                transfer
            ]})
            .into(),
            dialect: Some(Dialect::Actions),
            calls: vec![ModuleRef {
                node_id: "Shared Auth".into(),
                module_id: id.to_string(),
                version: pin,
            }],
            kind: VersionKind::Publish,
        },
        None => LogicWrite {
            document: json!({"actions": [transfer]}).into(),
            dialect: Some(Dialect::Actions),
            calls: Vec::new(),
            kind: VersionKind::Publish,
        },
    }
}

/// Seeds the organization: the module, then 20,000 flows of which every other one calls it
/// (every tenth caller pinned to version 1, the rest floating; a third are inbound chats).
async fn seed(store: &SqliteStore, org: uuid::Uuid) -> String {
    let module = store
        .create_flow(
            NewFlow {
                org_id: org,
                flow_type: FlowType::CommonModule,
                name: "Shared Auth".into(),
                description: None,
                error_handling: None,
                logic: logic(None),
                client_id: None,
            },
            &NoLinkGuard,
        )
        .await
        .expect("module");
    let module_id = module.id.to_string();
    let start = Instant::now();
    for i in 0..FLOWS {
        let calls = i % 2 == 0;
        let pin = (i % 20 == 0).then_some(1);
        let flow_type = if i % 3 == 0 {
            FlowType::InboundChat
        } else {
            FlowType::InboundCall
        };
        store
            .create_flow(
                NewFlow {
                    org_id: org,
                    flow_type,
                    name: format!("Flow {i:05}"),
                    description: None,
                    error_handling: None,
                    logic: logic(calls.then_some((module_id.as_str(), pin))),
                    client_id: None,
                },
                &NoLinkGuard,
            )
            .await
            .expect("flow");
    }
    // Version 2 of the module is published: floating callers consume it, pinned ones stay on 1.
    store
        .update_flow(
            org,
            module.id,
            flowlink_store::FlowUpdate {
                logic: Some(logic(None)),
                ..Default::default()
            },
            &NoLinkGuard,
        )
        .await
        .expect("module version 2");
    println!(
        "seeded {FLOWS} flows ({CALLERS} calling the module) in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    module_id
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Median and p99 of `REQUESTS` requests of a path that reads nothing but the token (the
/// floor under every figure below).
async fn baseline(http: &reqwest::Client, base: &str, token: &str) {
    let mut times = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let start = Instant::now();
        let resp = http
            .get(format!("{base}/api/v2/architect/dependencytracking/build"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.bytes().await.expect("body");
        times.push(start.elapsed());
    }
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:<34} {REQUESTS} requests: median {:.2} ms, p99 {:.2} ms",
        "baseline (GET build, auth only)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
    );
}

/// The same paging through the store directly (no HTTP, no JSON): the index's share.
async fn store_only(store: &SqliteStore, org: uuid::Uuid, module: &str) {
    let module = uuid::Uuid::parse_str(module).expect("module id");
    let mut times = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let query = flowlink_store::ConsumerQuery::all(
            flowlink_store::ConsumerFilter::Current,
            flowlink_store::PageRequest {
                number: (i % (CALLERS / PAGE_SIZE) + 1) as u32,
                size: PAGE_SIZE as u32,
            },
        );
        let start = Instant::now();
        let page = store
            .consumers_page(org, module, &query)
            .await
            .expect("page");
        times.push(start.elapsed());
        assert_eq!(page.items.len(), PAGE_SIZE);
    }
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{:<34} {REQUESTS} pages: median {:.2} ms, p99 {:.2} ms",
        "Store::consumers_page (no HTTP)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
    );
}

/// Asks `REQUESTS` pages of `query`, cycling through its pages; prints median and p99.
async fn measure(http: &reqwest::Client, base: &str, token: &str, label: &str, query: &str) {
    let url = |page: usize| {
        format!(
            "{base}/api/v2/architect/dependencytracking/consumingresources?{query}\
             &pageSize={PAGE_SIZE}&pageNumber={page}"
        )
    };
    let first: Value = http
        .get(url(1))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("listing");
    let total = first["total"].as_u64().expect("total") as usize;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let mut times = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let page = i % pages + 1;
        let start = Instant::now();
        let resp = http
            .get(url(page))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert!(resp.status().is_success(), "{}", resp.status());
        let body = resp.bytes().await.expect("body");
        times.push(start.elapsed());
        assert!(body.len() > 100, "page {page} is empty");
    }
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<34} total {total:>5}  {REQUESTS} requests over {pages} pages: median {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(times[times.len() - 1]),
    );
}

async fn bench() {
    // tmpfs when there is one: seeding is 20,000 durable commits, and only reads are measured.
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("temp dir")
    } else {
        tempfile::tempdir().expect("temp dir")
    };
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("fresh store has no client yet");
    let module = seed(&store, creds.org_id).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    let state = AppState::new(store.clone(), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(flowlink_server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(creds.client_id.to_string(), Some(&creds.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    let token = token["access_token"].as_str().expect("token");

    let q = format!("id={module}&objectType=COMMONMODULEFLOW");
    // Warm-up: connections, statement cache, pages in memory.
    for _ in 0..50 {
        http.get(format!(
            "{base}/api/v2/architect/dependencytracking/consumingresources?{q}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("warm-up");
    }
    baseline(&http, &base, token).await;
    store_only(&store, creds.org_id, &module).await;
    measure(&http, &base, token, "consumingresources", &q).await;
    measure(
        &http,
        &base,
        token,
        "consumingresources published",
        &format!("{q}&flowFilter=published"),
    )
    .await;
    measure(
        &http,
        &base,
        token,
        "consumingresources INBOUNDCHATFLOW",
        &format!("{q}&resourceType=INBOUNDCHATFLOW"),
    )
    .await;
    measure(
        &http,
        &base,
        token,
        "consumingresources version=1.0 (pinned)",
        &format!("{q}&version=1.0"),
    )
    .await;

    let _ = stop.send(());
    let _ = server.await;
    store.close().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
