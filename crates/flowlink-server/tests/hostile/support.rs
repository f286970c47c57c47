//! The hostile suite's fixture and checks: a server with a small seeded organization, a
//! snapshot of everything a caller can read (to prove a rejected request changed nothing), the
//! `ErrorBody` assertion, and a raw HTTP/1.1 client for requests reqwest refuses to send
//! (dot segments, invalid percent-encoding, invalid header bytes, unread 10 MB bodies).

use flowlink_server::ServerConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{Reply, TestServer};

/// A server with rate limiting off (the suite sends thousands of requests with one token) and
/// a seeded organization: a module, a flow that calls it, a graph-dialect flow, each with more
/// than one version, and one executed call.
pub struct World {
    pub s: TestServer,
    pub token: String,
    pub module: String,
    pub caller: String,
    pub graph: String,
    pub execution: String,
}

impl World {
    pub async fn new() -> World {
        let config = ServerConfig {
            rate_limit_per_minute: 0,
            ..ServerConfig::default()
        };
        let s = TestServer::start_with(config, None).await;
        let token = s.admin_token().await;
        let module = s
            .post(
                "/api/v2/flows/flowmodules",
                &token,
                json!({"name": "Shared Auth", "actions": [
                    {"type": "tagInteraction", "name": "Tag", "tags": ["auth"]}]}),
            )
            .await;
        assert_eq!(module.status, 200, "{}", module.body);
        let module = module.body["id"].as_str().unwrap().to_string();
        let caller = s
            .create(
                &token,
                json!({"name": "Main IVR", "type": "inboundcall", "description": "main line",
                       "actions": [{"type": "callFlow", "name": "Auth", "flow": {"id": module}},
                                   {"type": "disconnect", "name": "Bye"}]}),
            )
            .await;
        let caller_id = caller["id"].as_str().unwrap().to_string();
        let put = s
            .put(
                &format!("/api/v2/flows/{caller_id}"),
                &token,
                json!({"version": caller["version"], "description": "main line v2"}),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.body);
        let graph = s
            .create(
                &token,
                json!({"name": "Graph IVR", "type": "inboundcall", "definition": {
                    "nodes": [{"id": "n0", "name": "Bye", "type": "disconnect"}],
                    "edges": [], "entry": {"nodeId": "n0"}}}),
            )
            .await;
        let graph = graph["id"].as_str().unwrap().to_string();
        let run = s
            .post(
                "/api/v2/flows/executions",
                &token,
                json!({"flowId": caller_id, "flowVersion": "1.0"}),
            )
            .await;
        assert_eq!(run.status, 200, "{}", run.body);
        let execution = run.body["id"].as_str().unwrap().to_string();
        World {
            s,
            token,
            module,
            caller: caller_id,
            graph,
            execution,
        }
    }

    /// Everything the organization's admin can read about its flows, in a stable order.
    pub async fn snapshot(&self) -> Value {
        snapshot(&self.s, &self.token).await
    }

    /// Asserts nothing readable changed since `before`.
    pub async fn unchanged(&self, before: &Value, what: &str) {
        let after = self.snapshot().await;
        assert!(
            before == &after,
            "{what} changed the data:\nbefore: {before}\nafter:  {after}"
        );
    }
}

/// All flows (deleted too, every page), each flow's full document and version list, the module
/// listing and the executions of each flow.
pub async fn snapshot(s: &TestServer, token: &str) -> Value {
    let mut flows = Vec::new();
    let mut page = 1;
    loop {
        let r = s
            .get(
                &format!("/api/v2/flows?deleted=true&pageSize=100&pageNumber={page}&sortBy=id"),
                token,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let entities = r.body["entities"].as_array().unwrap().clone();
        let done = entities.len() < 100;
        flows.extend(entities);
        if done {
            break;
        }
        page += 1;
    }
    let mut details = serde_json::Map::new();
    for f in &flows {
        let id = f["id"].as_str().unwrap();
        let mut one = serde_json::Map::new();
        for (key, path) in [
            ("flow", format!("/api/v2/flows/{id}?deleted=true")),
            (
                "versions",
                format!("/api/v2/flows/{id}/versions?deleted=true&pageSize=500"),
            ),
            (
                "executions",
                format!("/api/v2/flows/{id}/executions?deleted=true"),
            ),
        ] {
            let r = s.get(&path, token).await;
            // Error bodies carry a fresh contextId per request; keep only what is stable.
            let body = if r.status == 200 {
                r.body
            } else {
                r.body["code"].clone()
            };
            one.insert(
                key.into(),
                json!({"status": r.status.as_u16(), "body": body}),
            );
        }
        details.insert(id.to_string(), Value::Object(one));
    }
    let modules = s.get("/api/v2/flows/flowmodules?pageSize=500", token).await;
    json!({"flows": flows, "details": details, "modules": modules.body})
}

/// Asserts a Genesys `ErrorBody` with `status` and `code`, the correlation id in header and
/// body, and never a 500.
pub fn assert_error(r: &Reply, status: u16, code: &str, what: &str) {
    assert_ne!(r.status.as_u16(), 500, "{what}: 500: {}", r.body);
    assert_eq!(r.status.as_u16(), status, "{what}: {}", r.body);
    let header = r.correlation();
    assert!(!header.is_empty(), "{what}: no ININ-Correlation-Id");
    assert_eq!(r.body["code"], code, "{what}: {}", r.body);
    assert_eq!(r.body["status"], status, "{what}: {}", r.body);
    assert_eq!(r.body["contextId"], header, "{what}: {}", r.body);
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: no message: {}",
        r.body
    );
    assert!(r.body["details"].is_array(), "{what}: {}", r.body);
}

/// A response read off a raw connection.
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub text: String,
}

impl RawReply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    /// The same checks as [`assert_error`].
    pub fn assert_error(&self, status: u16, code: &str, what: &str) {
        assert_ne!(self.status, 500, "{what}: 500: {}", self.text);
        assert_eq!(self.status, status, "{what}: {}", self.text);
        let header = self.header("inin-correlation-id");
        assert!(!header.is_empty(), "{what}: no ININ-Correlation-Id");
        assert_eq!(self.body["code"], code, "{what}: {}", self.text);
        assert_eq!(self.body["status"], status, "{what}: {}", self.text);
        assert_eq!(self.body["contextId"], header, "{what}: {}", self.text);
    }
}

/// Sends `head` (request line and headers, without the blank line) and `body` on a fresh
/// connection and reads the answer. The body is written from a separate task and write errors
/// are ignored: the server may answer (413) and close before reading all of it.
pub async fn raw(s: &TestServer, head: &str, body: Vec<u8>) -> RawReply {
    let addr = s.base.trim_start_matches("http://").to_string();
    let conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = conn.into_split();
    let mut request = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes();
    let writer = tokio::spawn(async move {
        request.extend_from_slice(&body);
        let _ = wr.write_all(&request).await;
        let _ = wr.flush().await;
        // Keep the write half open until the answer is read, as a browser would.
        wr
    });
    let mut answer = Vec::new();
    let _ = rd.read_to_end(&mut answer).await;
    drop(writer.await);
    parse_raw(&answer)
}

fn parse_raw(answer: &[u8]) -> RawReply {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(answer)));
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = answer[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    RawReply {
        status,
        headers,
        body,
        text,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..eol])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        data = &data[(end + 2).min(data.len())..];
    }
    out
}
