//! Forged, malformed, expired and foreign credentials: every route answers the right 401, or a
//! 404 for another organization's ids (indistinguishable from absent), and nothing changes.

use flowlink_server::auth::secrets::token_hash;
use flowlink_store::AccessToken;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::{reply, Reply};
use crate::support::{assert_error, raw, World};

/// (method, path, body) of a read, a create, an update, a delete and a launch.
fn probes(w: &World) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/v2/flows".into(), None),
        (Method::GET, "/api/v2/organizations/me".into(), None),
        (Method::GET, format!("/api/v2/flows/{}", w.caller), None),
        (
            Method::POST,
            "/api/v2/flows".into(),
            Some(json!({"name": "Intruder", "type": "inboundcall"})),
        ),
        (
            Method::PUT,
            format!("/api/v2/flows/{}", w.caller),
            Some(json!({"description": "hijacked"})),
        ),
        (Method::DELETE, format!("/api/v2/flows/{}", w.graph), None),
        (
            Method::DELETE,
            format!("/api/v2/flows/flowmodules/{}", w.module),
            None,
        ),
        (
            Method::POST,
            "/api/v2/flows/executions".into(),
            Some(json!({"flowId": w.caller, "flowVersion": "1.0"})),
        ),
    ]
}

/// Sends a probe with `authorization` as the raw header value (none when `None`).
async fn send(
    w: &World,
    (method, path, body): &(Method, String, Option<Value>),
    authorization: Option<&[u8]>,
) -> Reply {
    let mut req =
        w.s.http
            .request(method.clone(), format!("{}{path}", w.s.base));
    if let Some(a) = authorization {
        req = req.header(AUTHORIZATION, HeaderValue::from_bytes(a).unwrap());
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    reply(req.send().await.unwrap()).await
}

#[tokio::test]
async fn forged_and_malformed_tokens_are_401_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let real = w.token.clone();
    let mut flipped = real.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let same_length: String = "Q".repeat(real.len());
    let missing: Vec<Option<Vec<u8>>> = vec![
        None,
        Some(b"Bearer".to_vec()),
        Some(b"Bearer ".to_vec()),
        Some(b"Bearer     ".to_vec()),
        Some(b"Basic dXNlcjpwYXNz".to_vec()),
        Some(format!("Token {real}").into_bytes()),
        Some(real.clone().into_bytes()),
        Some(b"".to_vec()),
        Some(b"Bearer \xff\xfe".to_vec()),
    ];
    let unknown: Vec<String> = vec![
        same_length,
        flipped,
        real[..real.len() - 1].to_string(),
        format!("{real}x"),
        "x".into(),
        "x".repeat(10 * 1024),
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInNjb3BlIjoiYWRtaW4ifQ.".into(),
        "eyJhbGciOiJIUzI1NiJ9.eyJvcmciOiIqIn0.c2lnbmF0dXJl".into(),
        format!("{real} {real}"),
        "' OR '1'='1".into(),
        "%00".into(),
    ];
    for probe in probes(&w) {
        let what = format!("{} {}", probe.0, probe.1);
        for a in &missing {
            let r = send(&w, &probe, a.as_deref()).await;
            let shown = a.as_ref().map(|a| String::from_utf8_lossy(a).into_owned());
            assert_error(
                &r,
                401,
                "authentication.required",
                &format!("{what} {shown:?}"),
            );
        }
        for token in &unknown {
            let r = send(&w, &probe, Some(format!("Bearer {token}").as_bytes())).await;
            let shown: String = token.chars().take(40).collect();
            assert_error(&r, 401, "bad.credentials", &format!("{what} {shown}"));
        }
    }
    // A header hyper itself must parse: a control character in the value.
    let r = raw(
        &w.s,
        &format!("GET /api/v2/flows HTTP/1.1\r\nAuthorization: Bearer \x01{real}"),
        Vec::new(),
    )
    .await;
    assert_ne!(r.status, 500, "{}", r.text);
    assert_ne!(r.status, 200, "{}", r.text);
    w.unchanged(&before, "forged tokens").await;
}

#[tokio::test]
async fn expired_tokens_are_401_credentials_expired_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let raw_token = "expired-token-0123456789abcdef0123456789abcdef";
    let now = chrono::Utc::now().timestamp_millis();
    for (i, expires_ms) in [now - 1, now - 86_400_000, 0, i64::MIN]
        .into_iter()
        .enumerate()
    {
        let token = format!("{raw_token}-{i}");
        w.s.store
            .insert_token(&AccessToken {
                token_hash: token_hash(&token).to_vec(),
                client_id: Uuid::parse_str(&w.s.client_id).unwrap(),
                org_id: w.s.org_id,
                scopes: vec!["admin".into()],
                expires_ms,
            })
            .await
            .unwrap();
        for probe in probes(&w) {
            let r = send(&w, &probe, Some(format!("Bearer {token}").as_bytes())).await;
            assert_error(
                &r,
                401,
                "credentials.expired",
                &format!("{} {} expired at {expires_ms}", probe.0, probe.1),
            );
        }
    }
    w.unchanged(&before, "expired tokens").await;
}

#[tokio::test]
async fn another_organizations_token_sees_404_everywhere_and_changes_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let theirs = w.s.other_org_token().await;
    let theirs_before = crate::support::snapshot(&w.s, &theirs).await;
    let put = json!({"description": "hijacked", "version": 1});
    for id in [&w.caller, &w.module, &w.graph, &w.execution] {
        let routes: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, format!("/api/v2/flows/{id}"), None),
            (
                Method::GET,
                format!("/api/v2/flows/{id}?deleted=true"),
                None,
            ),
            (
                Method::PUT,
                format!("/api/v2/flows/{id}"),
                Some(put.clone()),
            ),
            (Method::DELETE, format!("/api/v2/flows/{id}"), None),
            (Method::GET, format!("/api/v2/flows/flowmodules/{id}"), None),
            (
                Method::PUT,
                format!("/api/v2/flows/flowmodules/{id}"),
                Some(put.clone()),
            ),
            (
                Method::DELETE,
                format!("/api/v2/flows/flowmodules/{id}"),
                None,
            ),
            (Method::GET, format!("/api/v2/flows/{id}/versions"), None),
            (
                Method::GET,
                format!("/api/v2/flows/{id}/versions/1.0"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v2/flows/{id}/versions/1.0/configuration"),
                None,
            ),
            (
                Method::GET,
                format!("/api/v2/flows/{id}/latestconfiguration"),
                None,
            ),
            (Method::GET, format!("/api/v2/flows/{id}/executions"), None),
            (Method::GET, format!("/api/v2/flows/executions/{id}"), None),
            (
                Method::POST,
                "/api/v2/flows/executions".into(),
                Some(json!({"flowId": id, "flowVersion": "1.0"})),
            ),
            (
                Method::POST,
                format!("/api/v2/flows/actions/checkout?flow={id}"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v2/flows/actions/checkin?flow={id}"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v2/flows/actions/publish?flow={id}"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v2/flows/actions/revert?flow={id}"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v2/flows/actions/unlock?flow={id}"),
                None,
            ),
            (
                Method::POST,
                format!("/api/v2/flows/actions/deactivate?flow={id}"),
                None,
            ),
        ];
        for probe in routes {
            let r = send(&w, &probe, Some(format!("Bearer {theirs}").as_bytes())).await;
            assert_error(&r, 404, "not.found", &format!("{} {}", probe.0, probe.1));
        }
        // Filters by id see nothing either.
        let r =
            w.s.get(&format!("/api/v2/flows?id={id}&deleted=true"), &theirs)
                .await;
        assert_eq!(r.body["total"], 0, "{}", r.body);
    }
    // Their flows cannot call my module, even by exact id.
    let r =
        w.s.post(
            "/api/v2/flows",
            &theirs,
            json!({"name": "Thief", "type": "inboundcall", "actions": [
                {"type": "callFlow", "name": "c", "flow": {"id": w.module}}]}),
        )
        .await;
    assert_error(&r, 400, "bad.request", "cross-org module call");
    w.unchanged(&before, "another organization's token").await;
    let theirs_after = crate::support::snapshot(&w.s, &theirs).await;
    assert_eq!(theirs_before, theirs_after, "their organization changed");
}
