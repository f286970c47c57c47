//! PostgreSQL going away under load and a replica started before its database (issue 13
//! item 3), against a dedicated throw-away PostgreSQL ([`crate::pg`]).
//!
//! Eight linkers, each linking its own module into its own flows one flow per request, run
//! while PostgreSQL is restarted (`pg_ctl restart -m fast`, which terminates every session).
//! Every request must be answered within a bound, either acknowledged or refused with a Genesys
//! 503 (a refused flow is tried again, as a client would); afterwards every acknowledged link
//! is in the database.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::pg::Postgres;
use crate::support::*;

/// Linkers working at once.
const LINKERS: usize = 8;
/// Flows each linker links its module into.
const FLOWS_EACH: usize = 40;
/// The bound on one request: past it the request counts as hung and the test fails.
const REQUEST_BOUND: Duration = Duration::from_secs(20);

/// What the linkers saw.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    unavailable: AtomicU64,
    slowest_ms: AtomicU64,
    /// `(module, flow)` of every link the server acknowledged (`linked` or, for a retry of a
    /// request whose commit outcome was unknown, `alreadyLinked`).
    acknowledged: Mutex<Vec<(String, String)>>,
    already: AtomicU64,
}

/// One link request: `Ok(true)` acknowledged, `Ok(false)` refused with a Genesys 503.
async fn link_once(
    http: &reqwest::Client,
    base: &str,
    bearer: &str,
    module: &str,
    flow: &str,
    tally: &Tally,
) -> bool {
    let started = Instant::now();
    let r = http
        .post(format!(
            "{base}/api/v2/flows/flowmodules/{module}/actions/link"
        ))
        .bearer_auth(bearer)
        .json(&json!({"flowIds": [flow]}))
        .send()
        .await;
    let elapsed = started.elapsed();
    tally.requests.fetch_add(1, Ordering::Relaxed);
    tally
        .slowest_ms
        .fetch_max(elapsed.as_millis() as u64, Ordering::Relaxed);
    let r = r.unwrap_or_else(|e| panic!("a link request got no answer after {elapsed:?}: {e}"));
    let status = r.status().as_u16();
    let retry_after = r.headers().contains_key("retry-after");
    let body: Value = r.json().await.expect("a JSON answer");
    match status {
        200 => {
            let result = &body["results"][0];
            match result["status"].as_str() {
                Some(s @ ("linked" | "alreadyLinked")) => {
                    if s == "alreadyLinked" {
                        tally.already.fetch_add(1, Ordering::Relaxed);
                    }
                    tally
                        .acknowledged
                        .lock()
                        .unwrap()
                        .push((module.to_string(), flow.to_string()));
                    true
                }
                // The flow alone refused for the database: the same 503 a single PUT answers.
                Some("failed") if result["error"]["status"] == 503 => {
                    assert_eq!(result["error"]["code"], "service.unavailable", "{body}");
                    tally.unavailable.fetch_add(1, Ordering::Relaxed);
                    false
                }
                _ => panic!("unexpected link result {body}"),
            }
        }
        503 => {
            assert_error_body(&body, 503, "service.unavailable");
            assert!(retry_after, "a 503 carries Retry-After");
            tally.unavailable.fetch_add(1, Ordering::Relaxed);
            false
        }
        other => panic!("unexpected {other} while PostgreSQL restarts: {body}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_under_eight_linkers_loses_no_acknowledged_link() {
    if crate::pg::skipped("the PostgreSQL restart test") {
        return;
    }
    let run_started = Instant::now();
    let pg = Postgres::start_new();
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url();
    let server = Server::start(
        dir.path(),
        &["--database-url", &url, "--rate-limit-per-minute", "0"],
    );
    let base = server.base.clone();
    let http = http(REQUEST_BOUND);
    let bearer = token(&http, &base, dir.path()).await;

    let mut work = Vec::new();
    for i in 0..LINKERS {
        let module = create_ok(
            &http,
            &base,
            &bearer,
            &flow_body(&format!("Module {i}"), "commonmodule", &format!("m{i}")),
        )
        .await;
        let mut flows = Vec::new();
        for j in 0..FLOWS_EACH {
            let body = flow_body(&format!("Flow {i}-{j}"), "inboundcall", "f");
            flows.push(create_ok(&http, &base, &bearer, &body).await);
        }
        work.push((module, flows));
    }

    let tally = Arc::new(Tally::default());
    let linkers: Vec<_> = work
        .iter()
        .cloned()
        .map(|(module, flows)| {
            let (http, base, bearer, tally) = (
                http.clone(),
                base.clone(),
                bearer.clone(),
                Arc::clone(&tally),
            );
            tokio::spawn(async move {
                for flow in flows {
                    while !link_once(&http, &base, &bearer, &module, &flow, &tally).await {
                        // Back off a little, as a client honouring Retry-After would.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    // Paced, so the restart lands in the middle of the run.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();

    // Restart once a fifth of the links are in.
    let total = LINKERS * FLOWS_EACH;
    while tally.acknowledged.lock().unwrap().len() < total / 5 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_before = tally.acknowledged.lock().unwrap().len();
    let restart_started = Instant::now();
    let pg = tokio::task::spawn_blocking(move || {
        pg.restart_fast();
        pg
    })
    .await
    .unwrap();
    let restart = restart_started.elapsed();
    for l in linkers {
        l.await.expect("a linker failed");
    }
    let acknowledged = tally.acknowledged.lock().unwrap().clone();
    assert!(
        acked_before < total,
        "every link was in before the restart: nothing was tested"
    );

    // Every acknowledged link is in the database, read back through the server.
    for (module, flow) in &acknowledged {
        let (status, body) = get_flow(&http, &base, &bearer, flow).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.to_string().contains(module.as_str()),
            "acknowledged link of {module} into {flow} is missing: {body}"
        );
    }
    let pairs: BTreeSet<_> = acknowledged.iter().collect();
    assert_eq!(pairs.len(), total, "every flow was linked exactly once");

    println!(
        "postgres restart: {} links acknowledged by {LINKERS} linkers ({acked_before} before \
         the restart, {} answered alreadyLinked on retry), {} requests, {} × 503 \
         service.unavailable, 0 hung (slowest answer {} ms, bound {} s); restart took {:.1} s, \
         whole test {:.1} s",
        acknowledged.len(),
        tally.already.load(Ordering::Relaxed),
        tally.requests.load(Ordering::Relaxed),
        tally.unavailable.load(Ordering::Relaxed),
        tally.slowest_ms.load(Ordering::Relaxed),
        REQUEST_BOUND.as_secs(),
        restart.as_secs_f64(),
        run_started.elapsed().as_secs_f64(),
    );
    server.stop().await;
    drop(pg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_started_before_its_database_answers_503_then_serves() {
    if crate::pg::skipped("the replica-before-database test") {
        return;
    }
    let run_started = Instant::now();
    let pg = Postgres::init();
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url();
    let server = Server::start(
        dir.path(),
        &["--database-url", &url, "--rate-limit-per-minute", "0"],
    );
    let base = server.base.clone();
    let http = http(REQUEST_BOUND);

    // No database yet: every request is answered, 503 with a Genesys body and Retry-After.
    let mut unavailable = 0;
    for (method, path) in [("GET", "/api/v2/flows"), ("POST", "/oauth/token")] {
        let started = Instant::now();
        let r = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .send()
            .await
            .expect("answered while the database is down");
        assert!(started.elapsed() < Duration::from_secs(5), "answered fast");
        assert_eq!(r.status(), 503, "{method} {path}");
        assert!(r.headers().contains_key("retry-after"));
        assert!(r.headers().contains_key("inin-correlation-id"));
        let body: Value = r.json().await.unwrap();
        assert_error_body(&body, 503, "service.unavailable");
        unavailable += 1;
    }
    assert!(
        credentials(dir.path()).is_none(),
        "nothing bootstrapped yet"
    );

    let db_started = Instant::now();
    pg.start();
    // The replica connects, migrates, bootstraps and serves within a bound.
    let bearer = loop {
        assert!(
            db_started.elapsed() < Duration::from_secs(30),
            "the replica did not start serving within 30 s of its database"
        );
        if credentials(dir.path()).is_some() {
            let (status, body) = token_reply(&http, &base, dir.path()).await;
            if status == 200 {
                break body["access_token"].as_str().unwrap().to_string();
            }
            assert_eq!(status, 503, "{body}");
            unavailable += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let serving_after = db_started.elapsed();
    let id = create_ok(
        &http,
        &base,
        &bearer,
        &flow_body("After the database", "inboundcall", "t"),
    )
    .await;
    let (status, _) = get_flow(&http, &base, &bearer, &id).await;
    assert_eq!(status, 200);
    println!(
        "replica before its database: {unavailable} requests answered 503 \
         service.unavailable while it waited; serving {:.1} s after PostgreSQL started (whole \
         test {:.1} s)",
        serving_after.as_secs_f64(),
        run_started.elapsed().as_secs_f64()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_waiting_for_its_database_stops_on_sigterm() {
    // Nothing listens on this port: the database never comes.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://flowlink@127.0.0.1:{port}/postgres");
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--database-url", &url]);
    let r = http(REQUEST_BOUND)
        .get(format!("{}/api/v2/flows", server.base))
        .send()
        .await
        .expect("answered while waiting");
    assert_eq!(r.status(), 503);
    server.sigterm();
    let status = server.exited(Duration::from_secs(10)).await;
    assert!(status.is_some_and(|s| s.success()), "exit: {status:?}");
}
