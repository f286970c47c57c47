//! The API targets' client side of the shared harness: the real server of
//! `flowlink_server::testing` (on 127.0.0.1:0, SQLite or with `FLOWLINK_TEST_BACKEND=postgres`
//! a fresh PostgreSQL schema) driven over HTTP with reqwest — tokens, JSON requests, replies
//! with their `ErrorBody` checks.

use std::ops::Deref;

use flowlink_server::testing::{self, Saved};
use flowlink_server::{create_client, create_org, ServerConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The shared real server (`flowlink_server::testing`) with an HTTP client and the request
/// helpers of these targets; `store`, `org_id` and the credentials come from the server.
pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    server: testing::TestServer,
}

impl Deref for TestServer {
    type Target = testing::TestServer;

    fn deref(&self) -> &testing::TestServer {
        &self.server
    }
}

/// A reply: status, the correlation header and the JSON body (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn correlation(&self) -> &str {
        self.headers
            .get("inin-correlation-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the status and, for errors, the ErrorBody code and contextId == header.
    pub fn expect(&self, status: u16, code: Option<&str>) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert!(
            !self.correlation().is_empty(),
            "missing ININ-Correlation-Id"
        );
        if let Some(code) = code {
            assert_eq!(self.body["code"], code, "body: {}", self.body);
            assert_eq!(self.body["status"], status);
            assert_eq!(self.body["contextId"], self.correlation());
        }
        self
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(ServerConfig::default(), None).await
    }

    /// Starts on `saved` data (fresh data on the backend `FLOWLINK_TEST_BACKEND` names if
    /// `None`), bootstrapping on first use.
    pub async fn start_with(config: ServerConfig, saved: Option<Saved>) -> Self {
        let server = testing::TestServer::start_with(config, saved).await;
        TestServer {
            base: server.url.clone(),
            http: reqwest::Client::new(),
            server,
        }
    }

    /// Stops the server and returns what it takes to start it again on the same data.
    pub async fn stop(self) -> Saved {
        self.server.stop().await
    }

    /// POSTs the token form with Basic credentials; returns the raw reply.
    pub async fn token_basic(&self, id: &str, secret: &str, scope: Option<&str>) -> Reply {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let r = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(id, Some(secret))
            .form(&form)
            .send()
            .await
            .unwrap();
        reply(r).await
    }

    /// A bearer token for the bootstrap (admin) client.
    pub async fn admin_token(&self) -> String {
        self.token_for(&self.client_id.clone(), &self.client_secret.clone())
            .await
    }

    pub async fn token_for(&self, id: &str, secret: &str) -> String {
        let r = self.token_basic(id, secret, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_string()
    }

    /// A token for a new client of the bootstrap org with exactly `scopes`.
    pub async fn token_with_scopes(&self, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let c = create_client(self.store.as_ref(), self.org_id, "scoped", &scopes, None)
            .await
            .unwrap();
        self.token_for(&c.client_id.to_string(), &c.client_secret)
            .await
    }

    /// An admin token of a brand-new organization.
    pub async fn other_org_token(&self) -> String {
        let org = create_org(self.store.as_ref(), "other").await.unwrap();
        let c = create_client(self.store.as_ref(), org.id, "o", &["admin".into()], None)
            .await
            .unwrap();
        self.token_for(&c.client_id.to_string(), &c.client_secret)
            .await
    }

    /// Sends a JSON request with a bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Creates a flow and returns its body (asserting 200).
    pub async fn create(&self, token: &str, body: Value) -> Value {
        let r = self.post("/api/v2/flows", token, body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// Creates a flow with just a type and name; returns its id.
    pub async fn create_named(&self, token: &str, flow_type: &str, name: &str) -> String {
        let b = self
            .create(token, json!({"name": name, "type": flow_type}))
            .await;
        b["id"].as_str().unwrap().to_string()
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Names of a listing's entities, in order.
pub fn names(listing: &Value) -> Vec<String> {
    listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}
