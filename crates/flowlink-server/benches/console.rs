//! Console page answer times (issue 15): every page of the console asked over HTTP on
//! 127.0.0.1 with a signed-in session, first on the seeds' data set (the organization the
//! browser tests use: the seeds' modules and flows, a menu flow, a stale pin, a 50-action flow),
//! then on an organization of 1,000 flows (the same, plus flows of which half call a module,
//! every tenth of those pinned). Prints the median and the slowest of 20 answers per page
//! against the targets (50 ms and 300 ms). Run with
//! `cargo bench -p flowlink-server --bench console` (add `--profile dev` for the unoptimized
//! build, whose times are an upper bound).

// The shared test data (`tests/console/data.rs`) unwraps: a panic there is a failed run with
// a message, as in the tests.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use flowlink_server::testing::TestServer;
use flowlink_server::ServerConfig;
use serde_json::json;

#[allow(dead_code)]
#[path = "../tests/console/data.rs"]
mod data;

const RUNS: usize = 20;

/// A page to time: its name, URL and, for a POST, the form.
type PageSpec<'a> = (&'a str, String, Option<&'a [(&'a str, &'a str)]>);

/// A signed-in HTTP client: the session cookie from the sign-in form.
async fn session(server: &TestServer) -> (reqwest::Client, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let form = http
        .get(format!("{}/console/signin", server.url))
        .send()
        .await
        .expect("the sign-in form");
    let pre = form.headers()["set-cookie"]
        .to_str()
        .expect("a cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    let html = form.text().await.expect("the form");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the form's token")
        .to_string();
    let signed = http
        .post(format!("{}/console/signin", server.url))
        .header("cookie", pre)
        .form(&[
            ("client_id", server.client_id.as_str()),
            ("client_secret", server.client_secret.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    let cookie = signed.headers()["set-cookie"]
        .to_str()
        .expect("the session cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    let page = http
        .get(format!("{}/console/flows", server.url))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("a page")
        .text()
        .await
        .expect("its text");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the session's token")
        .to_string();
    (http, format!("{cookie}\n{csrf}"))
}

async fn measure(
    http: &reqwest::Client,
    url: &str,
    cookie: &str,
    post: Option<&[(&str, &str)]>,
) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(RUNS);
    for i in 0..RUNS + 2 {
        let started = Instant::now();
        let req = match post {
            Some(form) => http.post(url).form(form),
            None => http.get(url),
        };
        let res = req
            .header("cookie", cookie)
            .send()
            .await
            .expect("an answer");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let _ = res.bytes().await.expect("the page");
        // The first two warm the caches (parsed logic, prepared statements).
        if i >= 2 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

async fn pages(label: &str, server: &TestServer, seeded: &data::Seeded, target_ms: u128) {
    let (http, both) = session(server).await;
    let (cookie, csrf) = both.split_once('\n').expect("cookie and token");
    let base = &server.url;
    let sim = [
        ("csrf", csrf),
        ("flow", seeded.menu_line.as_str()),
        ("ani", "+14440000"),
        ("dnis", "+18005550199"),
        ("digits", "9, 1"),
        ("data_actions", ""),
    ];
    let list: Vec<PageSpec> = vec![
        ("flows list", format!("{base}/console/flows"), None),
        (
            "flows search",
            format!("{base}/console/flows?q=Line&type=inboundcall"),
            None,
        ),
        (
            "flow page (menu)",
            format!("{base}/console/flows/{}", seeded.menu_line),
            None,
        ),
        (
            "flow page (50 actions)",
            format!("{base}/console/flows/{}", seeded.long_flow),
            None,
        ),
        ("dependency graph", format!("{base}/console/modules"), None),
        (
            "module page",
            format!("{base}/console/modules/{}", seeded.greet_module),
            None,
        ),
        ("simulator form", format!("{base}/console/simulate"), None),
        (
            "simulated call",
            format!("{base}/console/simulate"),
            Some(&sim),
        ),
    ];
    println!("{label} (target: every page under {target_ms} ms)");
    let mut worst = Duration::ZERO;
    for (name, url, post) in list {
        let (median, max) = measure(&http, &url, cookie, post).await;
        worst = worst.max(max);
        println!(
            "  {name:<24} median {:>7.2} ms   slowest {:>7.2} ms",
            median.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0
        );
    }
    println!(
        "  => slowest answer {:.2} ms: {}",
        worst.as_secs_f64() * 1000.0,
        if worst.as_millis() < target_ms {
            "within target"
        } else {
            "OVER TARGET"
        }
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // No per-token rate limit: seeding writes a thousand flows with one token.
    let config = ServerConfig {
        rate_limit_per_minute: 0,
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config, None).await;
    let api = data::Api::new(&server).await;
    let seeded = data::seed(&api).await;
    pages("seeds' data set (13 flows)", &server, &seeded, 50).await;

    // Up to 1,000 flows: half call the tag-and-greet module (every tenth pinned to v1).
    let started = Instant::now();
    for i in 0..988 {
        let actions = if i % 2 == 0 {
            let version = if i % 20 == 0 { json!(1) } else { json!(null) };
            json!([
                {"type": "callFlow", "name": "Greet", "flow": {"id": seeded.greet_module, "version": version}},
                {"type": "transferToAcd", "name": "To queue", "queue": "Main"}
            ])
        } else {
            json!([{"type": "transferToAcd", "name": "To queue", "queue": "Main"}])
        };
        api.create(json!({"name": format!("Store {i:04} Line"), "type": "inboundcall", "actions": actions}))
            .await;
    }
    println!(
        "(seeded 988 more flows in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    pages("organization of 1,000 flows", &server, &seeded, 300).await;
}
