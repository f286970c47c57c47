//! Slow and greedy connections: 2,000 half-open connections do not stop normal
//! requests; a stalled header, an idle keep-alive connection and a trickling body are cut
//! off by their timeouts; the connection cap holds.

use std::time::Duration;

use flowlink_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestServer;
use crate::support::*;

/// How many half-open connections the slowloris holds (issue 13: 2,000).
const SLOWLORIS: usize = 2000;

/// The soft limit on open files of this process (`None` where /proc does not say).
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Half of a request head: the request line and one header, no blank line.
const HALF_HEAD: &[u8] = b"POST /oauth/token HTTP/1.1\r\nHost: flowlink\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_of_two_thousand_connections_does_not_stop_normal_requests() {
    // Both ends of every connection live in this process.
    let needed = 2 * SLOWLORIS + 500;
    let limit = open_files_limit();
    assert!(
        !matches!(limit, Some(l) if l < needed),
        "this test holds {SLOWLORIS} connections (both ends here): raise `ulimit -n` to at \
         least {needed} (now {limit:?}); scripts/test.sh raises it to the hard limit"
    );
    let started = std::time::Instant::now();
    let s = TestServer::start_with(
        ServerConfig {
            rate_limit_per_minute: 0,
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..SLOWLORIS {
        held.push(stalled(&s.base, HALF_HEAD).await);
    }
    // A normal client logs in and reads, on fresh connections ...
    let normal = std::time::Instant::now();
    let bearer = s.admin_token().await;
    let mut served = 0;
    for _ in 0..20 {
        s.get("/api/v2/flows", &bearer).await.expect(200, None);
        served += 1;
    }
    let r = token(&from(70), &s.base, &s.client_id, &s.client_secret).await;
    assert_eq!(r.status, 200, "{}", r.body);
    println!(
        "slowloris: {SLOWLORIS} half-open connections held (opened in {:?}); {} normal requests \
         served meanwhile in {:?}",
        normal - started,
        served + 2,
        normal.elapsed()
    );
    // ... while the slowloris still holds every one of its connections (none answered, none
    // closed yet): the normal requests did not wait for them to time out.
    let mut probe = [0u8; 1];
    for c in &mut held {
        let r = tokio::time::timeout(Duration::from_millis(1), c.read(&mut probe)).await;
        assert!(
            r.is_err(),
            "a stalled connection was answered or closed early"
        );
    }
    drop(held);
}

#[tokio::test]
async fn a_stalled_header_and_an_idle_keep_alive_connection_are_closed() {
    let s = TestServer::start_with(
        ServerConfig {
            header_read_timeout: Duration::from_millis(500),
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    let mut stalled_head = stalled(&s.base, HALF_HEAD).await;
    // The server closes it (the guard only keeps a broken server from hanging the test).
    let got = read_until_closed(&mut stalled_head, Duration::from_secs(30)).await;
    let got = got.expect("the stalled connection was not closed");
    // Whatever hyper says on the way out, it is never a served request.
    assert!(!String::from_utf8_lossy(&got).contains("200 OK"));

    // One complete keep-alive request, then silence: answered, then closed.
    let mut idle = TcpStream::connect(authority(&s.base)).await.unwrap();
    idle.write_all(b"GET /api/v2/flows HTTP/1.1\r\nHost: flowlink\r\n\r\n")
        .await
        .unwrap();
    let got = read_until_closed(&mut idle, Duration::from_secs(30)).await;
    let got =
        String::from_utf8_lossy(&got.expect("the idle connection was not closed")).into_owned();
    assert!(got.starts_with("HTTP/1.1 401"), "{got}");
}

#[tokio::test]
async fn a_trickling_body_is_answered_408() {
    let s = TestServer::start_with(
        ServerConfig {
            request_body_timeout: Duration::from_millis(500),
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    let mut c = stalled(
        &s.base,
        b"POST /oauth/token HTTP/1.1\r\nHost: flowlink\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n\
          grant_type=client",
    )
    .await;
    let got = read_until_closed(&mut c, Duration::from_secs(30)).await;
    let got = String::from_utf8_lossy(&got.expect("no answer to a trickling body")).into_owned();
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("\"code\":\"client.timeout\""), "{got}");
    assert!(
        got.to_ascii_lowercase().contains("inin-correlation-id"),
        "{got}"
    );
    // A whole body in time is served as before.
    let r = token(&from(71), &s.base, &s.client_id, &s.client_secret).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn the_connection_cap_holds() {
    let s = TestServer::start_with(
        ServerConfig {
            max_connections: 4,
            header_read_timeout: Duration::from_secs(60),
            ..ServerConfig::default()
        },
        None,
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(stalled(&s.base, b"").await);
    }
    // The fifth connection is not served while four are open ...
    let mut fifth = stalled(
        &s.base,
        b"GET /api/v2/flows HTTP/1.1\r\nHost: flowlink\r\nConnection: close\r\n\r\n",
    )
    .await;
    let mut first = [0u8; 12];
    let early = tokio::time::timeout(Duration::from_millis(500), fifth.read(&mut first)).await;
    assert!(
        early.is_err(),
        "a fifth connection was served over a cap of four"
    );
    // ... and is as soon as one of them closes.
    drop(held.pop());
    let got = read_until_closed(&mut fifth, Duration::from_secs(30)).await;
    let got =
        String::from_utf8_lossy(&got.expect("the fifth connection was never served")).into_owned();
    assert!(got.starts_with("HTTP/1.1 401"), "{got}");
}
