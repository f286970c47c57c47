//! Graceful stop of the real `flowlink serve` binary (issue 13 item 4): SIGTERM closes the
//! listener at once (new connections are refused), the request in flight is answered and
//! durable, and the process exits 0; a request that never completes cannot hold the exit
//! past `--shutdown-timeout-secs`.

#[path = "common/serve_process.rs"]
mod serve_process;

use serve_process::spawn_serve;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Server {
    child: Child,
    addr: String,
}

fn start(dir: &Path, extra: &[&str]) -> Server {
    let (child, url) = spawn_serve(dir, extra);
    Server {
        child,
        addr: url.trim_start_matches("http://").to_string(),
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM failed");
}

/// Waits for the process to exit; `None` if it is still running after `limit` (a guard
/// against a hung server, not a measurement).
async fn exited(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until connecting to `addr` is refused (the listener closed).
async fn refused(addr: &str, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return true,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    false
}

fn credentials(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("credentials.json")).expect("credentials file");
    let v: Value = serde_json::from_str(&text).expect("credentials json");
    (
        v["clientId"].as_str().expect("clientId").to_string(),
        v["clientSecret"]
            .as_str()
            .expect("clientSecret")
            .to_string(),
    )
}

async fn token(addr: &str, dir: &Path) -> String {
    let (id, secret) = credentials(dir);
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("token json");
    body["access_token"].as_str().expect("token").to_string()
}

/// Sends a request head and the first `sent` bytes of `body`, leaving the rest for later.
async fn start_slow_post(
    addr: &str,
    path: &str,
    bearer: &str,
    body: &[u8],
    sent: usize,
) -> TcpStream {
    let mut c = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {bearer}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(head.as_bytes()).await.expect("write head");
    c.write_all(&body[..sent]).await.expect("write first part");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = start(dir.path(), &["--shutdown-timeout-secs", "30"]);
    let bearer = token(&server.addr, dir.path()).await;
    let body = serde_json::to_vec(&json!({
        "name": "Created during shutdown", "type": "inboundcall",
        "actions": [{"type": "disconnect", "name": "Bye"}]
    }))
    .expect("body");
    let mut slow = start_slow_post(&server.addr, "/api/v2/flows", &bearer, &body, 10).await;
    // The server is reading that body when it is told to stop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    sigterm(&server.child);
    assert!(
        refused(&server.addr, Duration::from_secs(10)).await,
        "still accepting connections after SIGTERM"
    );
    assert!(
        server.child.try_wait().expect("try_wait").is_none(),
        "exited with a request in flight"
    );
    slow.write_all(&body[10..]).await.expect("write the rest");
    let mut answer = Vec::new();
    slow.read_to_end(&mut answer)
        .await
        .expect("read the answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let flow_id = answer
        .split("\"id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("flow id in the answer")
        .to_string();
    let status = exited(&mut server.child, Duration::from_secs(30))
        .await
        .expect("the server did not exit after its last request");
    assert!(status.success(), "exit status {status}");

    // What it acknowledged on the way out is there after a restart.
    let mut again = start(dir.path(), &[]);
    let bearer = token(&again.addr, dir.path()).await;
    let resp = reqwest::Client::new()
        .get(format!("http://{}/api/v2/flows/{flow_id}", again.addr))
        .bearer_auth(&bearer)
        .send()
        .await
        .expect("get");
    assert_eq!(
        resp.status(),
        200,
        "the flow created during shutdown is lost"
    );
    again.child.kill().expect("kill");
    again.child.wait().expect("reap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_completes_cannot_hold_the_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = start(
        dir.path(),
        &[
            "--shutdown-timeout-secs",
            "1",
            "--request-body-timeout-secs",
            "600",
        ],
    );
    let bearer = token(&server.addr, dir.path()).await;
    let body = br#"{"name": "never finished", "type": "inboundcall"}"#;
    let mut stuck = start_slow_post(&server.addr, "/api/v2/flows", &bearer, body, 5).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    sigterm(&server.child);
    let status = exited(&mut server.child, Duration::from_secs(30))
        .await
        .expect("a stuck request held the server past its shutdown timeout");
    assert!(status.success(), "exit status {status}");
    // The stuck request was dropped, not answered with a success.
    let mut answer = Vec::new();
    let _ = stuck.read_to_end(&mut answer).await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
}
