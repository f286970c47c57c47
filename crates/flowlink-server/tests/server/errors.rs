//! Every error of SPEC §7 / issue 2 item 7 over HTTP, each a Genesys ErrorBody with the
//! correlation id in header and body.

use flowlink_server::ServerConfig;
use reqwest::Method;
use serde_json::json;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{reply, TestServer};

#[tokio::test]
async fn malformed_json_is_400_and_changes_nothing() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let r = reply(
        s.http
            .post(format!("{}/api/v2/flows", s.base))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(400, Some("bad.request"));
    let l = s.get("/api/v2/flows", &t).await;
    assert_eq!(l.body["total"], 0);
    // Missing name, blank name, unknown type, missing body.
    for body in [
        json!({"type": "inboundcall"}),
        json!({"type": "inboundcall", "name": "  "}),
        json!({"type": "nope", "name": "x"}),
        json!({"type": "inboundcall", "name": "x", "errorHandling": "explode"}),
    ] {
        s.post("/api/v2/flows", &t, body)
            .await
            .expect(400, Some("bad.request"));
    }
    s.call(Method::POST, "/api/v2/flows", &t, None)
        .await
        .expect(400, Some("bad.request"));
}

#[tokio::test]
async fn non_json_body_is_415_but_null_json_is_accepted_as_no_body() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let r = reply(
        s.http
            .post(format!("{}/api/v2/flows", s.base))
            .bearer_auth(&t)
            .header("content-type", "text/plain")
            .body("name=x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(415, Some("unsupported.media.type"));
    // `null` with application/json is "no body": a required body is then a 400, not a 415.
    let r = reply(
        s.http
            .post(format!("{}/api/v2/flows", s.base))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body("null")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(400, Some("bad.request"));
}

#[tokio::test]
async fn oversized_body_is_413() {
    let config = ServerConfig {
        max_body_bytes: 4096,
        ..Default::default()
    };
    let s = TestServer::start_with(config, None).await;
    let t = s.admin_token().await;
    let big = "x".repeat(10_000);
    s.post(
        "/api/v2/flows",
        &t,
        json!({"name": "big", "type": "inboundcall", "description": big}),
    )
    .await
    .expect(413, Some("request.entity.too.large"));
    // Chunked (no Content-Length): caught while reading. reqwest always sends a length, so
    // this request is written by hand.
    let body = format!("{{\"name\":\"big\",\"type\":\"inboundcall\",\"description\":\"{big}\"}}");
    let raw = format!(
        "POST /api/v2/flows HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {t}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    );
    let addr = s.base.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("request.entity.too.large"), "{answer}");
}

#[tokio::test]
async fn unknown_routes_ids_and_methods() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let r = s.get("/api/v2/nothing/here", &t).await;
    r.expect(404, Some("not.found"));
    let r = reply(
        s.http
            .get(format!("{}/favicon.ico", s.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(404, Some("not.found"));
    s.get("/api/v2/flows/6f1c0f3e-0000-4000-8000-000000000000", &t)
        .await
        .expect(404, Some("not.found"));
    s.get("/api/v2/flows/not-a-uuid", &t)
        .await
        .expect(404, Some("not.found"));
    s.call(Method::PATCH, "/api/v2/flows", &t, None)
        .await
        .expect(405, Some("method.not.allowed"));
    // Success responses carry the correlation header too.
    let ok = s.get("/api/v2/flows", &t).await;
    ok.expect(200, None);
}

#[tokio::test]
async fn stale_version_is_409_and_nothing_changes() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let f = s
        .create(&t, json!({"name": "Main", "type": "inboundcall"}))
        .await;
    let id = f["id"].as_str().unwrap();
    assert_eq!(f["version"], 1);
    let ok = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"version": 1, "description": "first"}),
        )
        .await;
    ok.expect(200, None);
    assert_eq!(ok.body["version"], 2);
    let r = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"version": 1, "description": "stale"}),
        )
        .await;
    r.expect(409, None);
    assert_eq!(r.body["message"], "Version does not match current version.");
    let now = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    assert_eq!(now.body["description"], "first");
    assert_eq!(now.body["version"], 2);
    // Without `version` (what the SDKs send) the write applies unconditionally.
    let r = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"description": "sdk"}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["version"], 3);
}

#[tokio::test]
async fn duplicate_names_are_409_per_type_ignoring_case() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    s.create_named(&t, "inboundcall", "Main IVR").await;
    s.post(
        "/api/v2/flows",
        &t,
        json!({"name": "MAIN ivr", "type": "INBOUNDCALL"}),
    )
    .await
    .expect(409, None);
    // Same name, other type: fine.
    let m = s.create_named(&t, "commonmodule", "Main IVR").await;
    // Renaming onto a taken name is a conflict too.
    let other = s.create_named(&t, "inboundcall", "Other").await;
    s.put(
        &format!("/api/v2/flows/{other}"),
        &t,
        json!({"name": "main IVR"}),
    )
    .await
    .expect(409, None);
    s.post("/api/v2/flows/flowmodules", &t, json!({"name": "main ivr"}))
        .await
        .expect(409, None);
    assert!(!m.is_empty());
}

#[tokio::test]
async fn deleted_flows_are_410_and_listed_only_with_deleted_true() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let id = s.create_named(&t, "inboundcall", "Doomed").await;
    let r = s.delete(&format!("/api/v2/flows/{id}"), &t).await;
    r.expect(204, None);
    s.get(&format!("/api/v2/flows/{id}"), &t)
        .await
        .expect(410, Some("architect.flow.deleted"));
    s.put(
        &format!("/api/v2/flows/{id}"),
        &t,
        json!({"description": "x"}),
    )
    .await
    .expect(410, Some("architect.flow.deleted"));
    s.delete(&format!("/api/v2/flows/{id}"), &t)
        .await
        .expect(410, Some("architect.flow.deleted"));
    s.get(&format!("/api/v2/flows/{id}/versions"), &t)
        .await
        .expect(410, Some("architect.flow.deleted"));
    let with = s.get(&format!("/api/v2/flows/{id}?deleted=true"), &t).await;
    with.expect(200, None);
    assert_eq!(with.body["deleted"], true);
    assert_eq!(s.get("/api/v2/flows", &t).await.body["total"], 0);
    let listed = s.get("/api/v2/flows?deleted=true", &t).await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["entities"][0]["deleted"], true);
    // The name is free again.
    s.create_named(&t, "inboundcall", "Doomed").await;
}
