//! The operator's view: `/healthz`, `/readyz`, `/metrics` (parsed back from the Prometheus text
//! format and checked against the requests made). The access log line is checked on the real
//! binary's stderr (`crates/flowlink/tests/operations.rs`).

use std::collections::BTreeMap;

use flowlink_server::ServerConfig;
use serde_json::json;

use crate::common::{reply, TestServer};

/// `GET path` without any credentials.
async fn anonymous(s: &TestServer, path: &str) -> crate::common::Reply {
    reply(
        s.http
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The samples of a Prometheus text page: `name{labels}` → value. Asserts every line is a
/// comment or a well-formed sample.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "metric name of {line}"
        );
        assert!(
            out.insert(series.to_owned(), value).is_none(),
            "duplicate {line}"
        );
    }
    out
}

async fn scrape(s: &TestServer) -> BTreeMap<String, f64> {
    let r = anonymous(s, "/metrics").await;
    assert_eq!(r.status, 200);
    let ct = r.headers["content-type"].to_str().unwrap();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    samples(r.body.as_str().expect("a text page"))
}

fn get(m: &BTreeMap<String, f64>, series: &str) -> f64 {
    m.get(series).copied().unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_without_a_token_and_readyz_follows_the_database() {
    let s = TestServer::start().await;
    let r = anonymous(&s, "/healthz").await;
    r.expect(200, None);
    assert_eq!(r.body, json!({"status": "ok"}));
    let r = anonymous(&s, "/readyz").await;
    r.expect(200, None);
    assert_eq!(r.body, json!({"status": "ready"}));

    // The database gone (its pool closed): not ready, a Genesys 503; still alive.
    s.store.close().await;
    let r = anonymous(&s, "/readyz").await;
    r.expect(503, Some("service.unavailable"));
    assert!(r.headers.contains_key("retry-after"));
    anonymous(&s, "/healthz").await.expect(200, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_template_status_and_limit() {
    let s = TestServer::start_with(
        ServerConfig {
            rate_limit_per_minute: 6,
            auth_failures_per_minute: 2,
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    let admin = s.admin_token().await;
    let flow = s.create_named(&admin, "inboundcall", "Metered").await;
    for _ in 0..3 {
        s.get(&format!("/api/v2/flows/{flow}"), &admin)
            .await
            .expect(200, None);
    }
    let missing = "/api/v2/flows/0b2f4ad5-55a9-4b40-9d4e-2a4c4b4f0c01";
    s.get(missing, &admin).await.expect(404, Some("not.found"));
    anonymous(&s, "/api/v2/flows").await.expect(401, None);
    anonymous(&s, "/no/such/route").await.expect(404, None);
    // The token's budget of 6 is spent (1 create, 3 GETs, 1 missing): one more, then 429s.
    s.get("/api/v2/flows", &admin).await.expect(200, None);
    s.get("/api/v2/flows", &admin).await.expect(429, None);
    s.get("/api/v2/flows", &admin).await.expect(429, None);
    // Failed logins: 2 allowed a minute, then 429.
    let mut throttled = 0;
    for _ in 0..4 {
        let r = s.token_basic(&s.client_id, "wrong secret", None).await;
        if r.status == 429 {
            throttled += 1;
        }
    }
    assert!(throttled >= 1, "no failed-login 429");

    let m = scrape(&s).await;
    let req = |route: &str, method: &str, status: u16| {
        get(
            &m,
            &format!(
                "flowlink_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
            ),
        )
    };
    // Templates, never raw ids: both GETs of one template are one series.
    assert_eq!(req("/api/v2/flows/{id}", "GET", 200), 3.0);
    assert_eq!(req("/api/v2/flows/{id}", "GET", 404), 1.0);
    assert_eq!(req("/api/v2/flows", "POST", 200), 1.0);
    assert_eq!(req("/api/v2/flows", "GET", 401), 1.0);
    assert_eq!(req("/api/v2/flows", "GET", 200), 1.0);
    assert_eq!(req("/api/v2/flows", "GET", 429), 2.0);
    assert_eq!(req("unmatched", "GET", 404), 1.0);
    assert_eq!(req("/oauth/token", "POST", 429), f64::from(throttled));
    assert!(
        !m.keys().any(|k| k.contains(&flow)),
        "a raw id became a label"
    );
    let hist = "flowlink_http_request_duration_seconds";
    let labels = "route=\"/api/v2/flows/{id}\",method=\"GET\"";
    assert_eq!(get(&m, &format!("{hist}_count{{{labels}}}")), 4.0);
    assert_eq!(
        get(&m, &format!("{hist}_bucket{{{labels},le=\"+Inf\"}}")),
        4.0
    );
    assert!(get(&m, &format!("{hist}_sum{{{labels}}}")) > 0.0);
    // Buckets are cumulative: non-decreasing in their bound, the last one the count.
    let prefix = format!("{hist}_bucket{{{labels},le=\"");
    let mut buckets: Vec<(f64, f64)> = m
        .iter()
        .filter_map(|(k, v)| {
            let le = k.strip_prefix(&prefix)?.strip_suffix("\"}")?;
            Some((
                if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                },
                *v,
            ))
        })
        .collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(buckets.len() > 2, "{buckets:?}");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{buckets:?}");
    assert_eq!(
        get(&m, "flowlink_rate_limited_total{limit=\"token_budget\"}"),
        2.0
    );
    assert_eq!(
        get(&m, "flowlink_rate_limited_total{limit=\"failed_logins\"}"),
        f64::from(throttled)
    );
    // Process-wide, and other tests run beside this one: at least this test's one NotFound.
    assert!(get(&m, "flowlink_store_errors_total{kind=\"not_found\"}") >= 1.0);
    // The scrape's own connection is open.
    assert!(get(&m, "flowlink_open_connections") >= 1.0);
}
