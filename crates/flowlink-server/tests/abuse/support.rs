//! What the abuse tests share: HTTP clients that connect *from* a chosen loopback address
//! (Linux routes all of 127.0.0.0/8 to lo, so each test address is a distinct source), token
//! requests with given credentials, and raw TCP connections for what reqwest will not do
//! (stall halfway through a header or a body).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use flowlink_store::{NewClient, OAuthClient, Store};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

/// A client whose connections come from `127.0.0.<last>`.
pub fn from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

/// A token request's answer: status, `Retry-After` (if any) and the JSON body.
pub struct TokenReply {
    pub status: StatusCode,
    pub retry_after: Option<u64>,
    pub body: Value,
}

/// `POST /oauth/token` with HTTP Basic credentials.
pub async fn token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> TokenReply {
    let r = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body = r.json().await.unwrap_or(Value::Null);
    TokenReply {
        status,
        retry_after,
        body,
    }
}

/// Asserts a Genesys 429 for too many failed logins, and returns its `Retry-After`.
pub fn assert_throttled(r: &TokenReply) -> u64 {
    assert_eq!(r.status, 429, "{}", r.body);
    let secs = r.retry_after.expect("Retry-After on a 429");
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    assert_eq!(r.body["code"], "too.many.requests.retry.after");
    assert_eq!(r.body["status"], 429);
    assert_eq!(
        r.body["message"],
        format!("Rate limit exceeded the maximum. Retry the request in [{secs}] seconds")
    );
    assert_eq!(r.body["limit"]["key"], "auth.failures.per.minute");
    secs
}

/// An argon2id PHC string of `secret`, exactly as the first release stored client secrets.
pub fn argon2_phc(secret: &str) -> String {
    let salt = SaltString::encode_b64(Uuid::new_v4().as_bytes()).unwrap();
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// A client written straight into the store with `secret_hash` (as an earlier release did).
pub async fn stored_client(store: &dyn Store, org: Uuid, secret_hash: String) -> OAuthClient {
    store
        .create_client(NewClient {
            org_id: org,
            name: format!("legacy {}", Uuid::new_v4()),
            secret_hash,
            scopes: vec!["admin".into()],
            token_lifetime_secs: 3600,
        })
        .await
        .unwrap()
}

/// `http://127.0.0.1:PORT` → `127.0.0.1:PORT`.
pub fn authority(base: &str) -> String {
    base.trim_start_matches("http://").to_string()
}

/// A connection that sent `bytes` and then stalls.
pub async fn stalled(base: &str, bytes: &[u8]) -> TcpStream {
    let mut c = TcpStream::connect(authority(base)).await.unwrap();
    c.write_all(bytes).await.unwrap();
    c
}

/// Reads until the server closes the connection (or `limit` passes: then `None`).
pub async fn read_until_closed(c: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match c.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read).await.ok().map(|()| got)
}
