//! Authenticated reads under abuse (issue 13's figures), in one run on one machine: requests/s
//! of `GET /api/v2/flows/{id}` (8 concurrent callers, rate limit off) alone, during a flood of
//! wrong client secrets (64 concurrent callers from another loopback address, default login
//! limits) and during a slowloris of 2,000 connections holding half a request head. Server
//! and load share this process and the machine's cores, so the flood's own client work
//! counts against the reads too. Prints figures and ratios; asserts only that every read
//! succeeds. Run with `cargo bench -p flowlink-server --bench abuse`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flowlink_server::{bootstrap, AppState, ServerConfig};
use flowlink_store::SqliteStore;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// Reads/s of one flow from `callers` loops for `budget`.
async fn reads(
    http: &reqwest::Client,
    url: &str,
    bearer: &str,
    callers: usize,
    budget: Duration,
) -> f64 {
    let start = Instant::now();
    let loops: Vec<_> = (0..callers)
        .map(|_| {
            let (http, url, bearer) = (http.clone(), url.to_string(), bearer.to_string());
            tokio::spawn(async move {
                let mut n = 0u64;
                while start.elapsed() < budget {
                    let r = http
                        .get(&url)
                        .bearer_auth(&bearer)
                        .send()
                        .await
                        .expect("get");
                    assert_eq!(r.status(), 200, "a read failed");
                    let _ = r.bytes().await.expect("body");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut n = 0;
    for l in loops {
        n += l.await.expect("read loop");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn bench() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SqliteStore::open_dir(dir.path()).await.expect("store"));
    let creds = bootstrap(store.as_ref())
        .await
        .expect("bootstrap")
        .expect("fresh store has no client yet");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    let state = AppState::new(store, config);
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
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let bearer = token["access_token"].as_str().expect("token").to_string();
    let flow: Value = http
        .post(format!("{base}/api/v2/flows"))
        .bearer_auth(&bearer)
        .json(&json!({"name": "Bench", "type": "inboundcall",
                      "actions": [{"type": "disconnect", "name": "Bye"}]}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("flow JSON");
    let url = format!("{base}/api/v2/flows/{}", flow["id"].as_str().expect("id"));
    let budget = Duration::from_secs(3);

    reads(&http, &url, &bearer, 2, Duration::from_millis(500)).await; // warm-up
    let alone = reads(&http, &url, &bearer, 8, budget).await;

    // A flood of wrong secrets from 127.0.0.2.
    let attacker = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .expect("client");
    let flooding = Arc::new(AtomicBool::new(true));
    let (sent, throttled) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let flood: Vec<_> = (0..64)
        .map(|_| {
            let (http, base, id) = (attacker.clone(), base.clone(), creds.client_id.to_string());
            let (on, sent, throttled) = (flooding.clone(), sent.clone(), throttled.clone());
            tokio::spawn(async move {
                while on.load(Ordering::Relaxed) {
                    let r = http
                        .post(format!("{base}/oauth/token"))
                        .basic_auth(&id, Some("wrong"))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .await
                        .expect("flood request");
                    sent.fetch_add(1, Ordering::Relaxed);
                    if r.status() == 429 {
                        throttled.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flood_start = (sent.load(Ordering::Relaxed), Instant::now());
    let during_flood = reads(&http, &url, &bearer, 8, budget).await;
    let flood_rate = (sent.load(Ordering::Relaxed) - flood_start.0) as f64
        / flood_start.1.elapsed().as_secs_f64();
    flooding.store(false, Ordering::Relaxed);
    for f in flood {
        f.await.expect("flood loop");
    }

    // A slowloris: 2,000 connections, each with half a request head.
    let mut held = Vec::new();
    for _ in 0..2000 {
        let mut c = tokio::net::TcpStream::connect(addr).await.expect("connect");
        c.write_all(b"GET /api/v2/flows HTTP/1.1\r\nHost: flowlink\r\n")
            .await
            .expect("half a head");
        held.push(c);
    }
    let during_slowloris = reads(&http, &url, &bearer, 8, budget).await;
    drop(held);

    println!("GET /api/v2/flows/{{id}}, 8 callers, alone            : {alone:>8.0} req/s");
    println!(
        "  during a wrong-secret flood (64 callers)         : {during_flood:>8.0} req/s  ({:.0}% of alone; flood {flood_rate:.0} req/s, {} of {} answered 429)",
        100.0 * during_flood / alone,
        throttled.load(Ordering::Relaxed),
        sent.load(Ordering::Relaxed)
    );
    println!(
        "  during a 2,000-connection slowloris              : {during_slowloris:>8.0} req/s  ({:.0}% of alone)",
        100.0 * during_slowloris / alone
    );

    let _ = stop.send(());
    let _ = server.await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench());
}
