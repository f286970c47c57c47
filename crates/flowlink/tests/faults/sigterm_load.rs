//! SIGTERM during load (issue 13 item 4): eight writers create flows, each request on a fresh
//! connection, while the server is told to stop. No in-flight request is dropped: the flows
//! in the database after the stop are exactly the acknowledged ones (a request the server
//! took in and wrote but never answered would show up as an extra), every request was either
//! answered or never reached a handler, and the process exits 0 within its bound.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

const WRITERS: usize = 8;

#[derive(Default)]
struct Tally {
    acknowledged: Mutex<Vec<String>>,
    refused: AtomicU64,
    unanswered: AtomicU64,
    other: AtomicU64,
}

/// Every flow name in the organization whose name starts with `prefix`, paging the listing.
async fn names(http: &reqwest::Client, base: &str, bearer: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for page in 1.. {
        let r = http
            .get(format!(
                "{base}/api/v2/flows?pageSize=100&pageNumber={page}"
            ))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let entities = v["entities"].as_array().cloned().unwrap_or_default();
        out.extend(
            entities
                .iter()
                .filter_map(|f| f["name"].as_str())
                .filter(|n| n.starts_with(prefix))
                .map(String::from),
        );
        if page >= v["pageCount"].as_u64().unwrap_or(0) {
            break;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_load_drops_no_in_flight_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        &[
            "--rate-limit-per-minute",
            "0",
            "--shutdown-timeout-secs",
            "10",
        ],
    );
    let base = server.base.clone();
    let bearer = token(&http(Duration::from_secs(20)), &base, dir.path()).await;
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (base, bearer) = (base.clone(), bearer.clone());
            let (tally, stop) = (Arc::clone(&tally), Arc::clone(&stop));
            tokio::spawn(async move {
                // A fresh connection per request: no idle keep-alive connection for the
                // shutdown to close under a request being sent.
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(20))
                    .pool_max_idle_per_host(0)
                    .build()
                    .unwrap();
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let name = format!("Load {w}-{n}");
                    match create(&http, &base, &bearer, &flow_body(&name, "inboundcall", "t")).await
                    {
                        Ok((200, _)) => tally.acknowledged.lock().unwrap().push(name),
                        Ok(_) => {
                            tally.other.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) if e.is_connect() => {
                            // The listener is closed: the stop has begun.
                            tally.refused.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        Err(e) => {
                            assert!(!e.is_timeout(), "a request hung: {e}");
                            tally.unanswered.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    while tally.acknowledged.lock().unwrap().len() < 100 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_at_signal = tally.acknowledged.lock().unwrap().len();
    let signalled = Instant::now();
    server.sigterm();
    let status = server.exited(Duration::from_secs(15)).await;
    let exit_took = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(status.is_some_and(|s| s.success()), "exit: {status:?}");
    assert_eq!(tally.other.load(Ordering::Relaxed), 0, "only 200s");

    // The database holds exactly the acknowledged flows.
    let server = Server::start(dir.path(), &["--rate-limit-per-minute", "0"]);
    let http = http(Duration::from_secs(20));
    let bearer = token(&http, &server.base, dir.path()).await;
    let stored: BTreeSet<String> = names(&http, &server.base, &bearer, "Load ")
        .await
        .into_iter()
        .collect();
    let acknowledged: BTreeSet<String> =
        tally.acknowledged.lock().unwrap().iter().cloned().collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    let unanswered_writes: Vec<_> = stored.difference(&acknowledged).collect();
    println!(
        "sigterm during load: {} writes acknowledged by {WRITERS} writers ({acked_at_signal} \
         at the signal), {} connections refused after it, {} requests without an answer that \
         a handler had not taken in; exit 0 after {:.2} s; lost {}, written but unanswered {}",
        acknowledged.len(),
        tally.refused.load(Ordering::Relaxed),
        tally.unanswered.load(Ordering::Relaxed),
        exit_took.as_secs_f64(),
        lost.len(),
        unanswered_writes.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(
        unanswered_writes.is_empty(),
        "written but never answered (dropped in flight): {unanswered_writes:?}"
    );
    server.stop().await;
}
