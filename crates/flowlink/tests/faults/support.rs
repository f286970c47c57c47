//! What the fault tests share: the server process (killed if a test fails half-way), its
//! credentials file, tokens, flow writes over plain HTTP, and the wait for a process to exit.

use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use serde_json::{json, Value};

use crate::serve_process::spawn_serve;

/// A running `flowlink serve`; killed on drop unless it already exited.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Server {
    /// `flowlink serve --data-dir DIR EXTRA…` on a free loopback port.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        let (child, base) = spawn_serve(dir, extra);
        Server { child, base }
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit; `None` if it still runs after `limit`.
    pub async fn exited(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if tokio::time::Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, then the exit within 15 s, which must be a clean one.
    pub async fn stop(mut self) {
        self.sigterm();
        let status = self.exited(Duration::from_secs(15)).await;
        assert!(
            status.is_some_and(|s| s.success()),
            "the server did not stop cleanly: {status:?}"
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The first-start credentials `flowlink serve` wrote to the data dir, once it has.
pub fn credentials(dir: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(dir.join("credentials.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some((
        v["clientId"].as_str()?.to_string(),
        v["clientSecret"].as_str()?.to_string(),
    ))
}

/// An HTTP client whose every request is bounded: a hang is a test failure, not a stall.
pub fn http(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("http client")
}

/// `POST /oauth/token` with the data dir's credentials: the answer's status and body.
pub async fn token_reply(http: &reqwest::Client, base: &str, dir: &Path) -> (u16, Value) {
    let (id, secret) = credentials(dir).expect("credentials file");
    let r = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request answered");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A bearer token for the data dir's admin client.
pub async fn token(http: &reqwest::Client, base: &str, dir: &Path) -> String {
    let (status, body) = token_reply(http, base, dir).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// The body of a new flow of `flow_type` named `name` whose logic tags the call with `tag`.
pub fn flow_body(name: &str, flow_type: &str, tag: &str) -> Value {
    json!({"name": name, "type": flow_type,
           "actions": [{"type": "tagInteraction", "name": "Tag", "tags": [tag]}]})
}

/// `POST /api/v2/flows`: the answer's status and body (transport errors propagate).
pub async fn create(
    http: &reqwest::Client,
    base: &str,
    bearer: &str,
    body: &Value,
) -> Result<(u16, Value), reqwest::Error> {
    let r = http
        .post(format!("{base}/api/v2/flows"))
        .bearer_auth(bearer)
        .json(body)
        .send()
        .await?;
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

/// The id of a created flow (asserting the write was acknowledged).
pub async fn create_ok(http: &reqwest::Client, base: &str, bearer: &str, body: &Value) -> String {
    let (status, flow) = create(http, base, bearer, body).await.expect("answered");
    assert_eq!(status, 200, "{flow}");
    flow["id"].as_str().expect("id").to_string()
}

/// `GET /api/v2/flows/{id}`: status and body.
pub async fn get_flow(http: &reqwest::Client, base: &str, bearer: &str, id: &str) -> (u16, Value) {
    let r = http
        .get(format!("{base}/api/v2/flows/{id}"))
        .bearer_auth(bearer)
        .send()
        .await
        .expect("read answered");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Asserts `body` is a Genesys `ErrorBody` for `status` with `code`.
pub fn assert_error_body(body: &Value, status: u16, code: &str) {
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["contextId"].as_str().is_some(), "{body}");
}
