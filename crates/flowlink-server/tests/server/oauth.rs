//! `POST /oauth/token` and bearer authentication / scope checks.

use flowlink_server::{create_client, ServerConfig};
use serde_json::json;

use crate::common::{reply, TestServer};

#[tokio::test]
async fn token_by_basic_auth_and_by_form() {
    let s = TestServer::start().await;
    let r = s.token_basic(&s.client_id, &s.client_secret, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_type"], "bearer");
    assert!(r.body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(r.headers["cache-control"], "no-store");
    let token = r.body["access_token"].as_str().unwrap();
    s.get("/api/v2/organizations/me", token)
        .await
        .expect(200, None);

    // Seed 000's way: credentials and scopes as form fields.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", s.client_id.as_str()),
        ("client_secret", s.client_secret.as_str()),
        (
            "scope",
            "flow:flow:write flow:flow:read flow:flowmodule:write flow:flowmodule:read",
        ),
    ];
    let r = reply(
        s.http
            .post(format!("{}/oauth/token", s.base))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.body["access_token"].as_str().unwrap();
    s.get("/api/v2/flows", token).await.expect(200, None);
    // That token asked for flow scopes only: organization:read was not requested.
    s.get("/api/v2/organizations/me", token)
        .await
        .expect(403, Some("missing.any.permissions"));
}

#[tokio::test]
async fn bad_credentials_are_invalid_client() {
    let s = TestServer::start().await;
    let expected = json!({"error":"invalid_client","description":"authentication failed",
                          "error_description":"authentication failed"});
    for (id, secret) in [
        (s.client_id.as_str(), "wrong"),
        (
            "00000000-0000-0000-0000-000000000000",
            s.client_secret.as_str(),
        ),
        ("not-a-uuid", "x"),
    ] {
        let r = s.token_basic(id, secret, None).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.body, expected);
    }
    // No credentials at all.
    let r = reply(
        s.http
            .post(format!("{}/oauth/token", s.base))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status.as_u16(), &r.body), (401, &expected));
    // Other grants.
    let r = reply(
        s.http
            .post(format!("{}/oauth/token", s.base))
            .basic_auth(&s.client_id, Some(&s.client_secret))
            .form(&[("grant_type", "password")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn scope_must_be_granted() {
    let s = TestServer::start().await;
    let r = s
        .token_basic(&s.client_id, &s.client_secret, Some("no:such:scope"))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_scope");
    let ro = create_client(
        s.store.as_ref(),
        s.org_id,
        "ro",
        &["architect:readonly".into()],
        None,
    )
    .await
    .unwrap();
    let id = ro.client_id.to_string();
    let r = s
        .token_basic(&id, &ro.client_secret, Some("flow:flow:write"))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_scope");
    // A narrower scope implied by the grant is fine.
    let r = s
        .token_basic(&id, &ro.client_secret, Some("flow:flow:read"))
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn bearer_errors_are_401_with_codes() {
    let s = TestServer::start().await;
    let r = reply(
        s.http
            .get(format!("{}/api/v2/flows", s.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(401, Some("authentication.required"));
    s.get("/api/v2/flows", "nonsense")
        .await
        .expect(401, Some("bad.credentials"));
    let c = create_client(
        s.store.as_ref(),
        s.org_id,
        "short",
        &["admin".into()],
        Some(0),
    )
    .await
    .unwrap();
    let token = s
        .token_for(&c.client_id.to_string(), &c.client_secret)
        .await;
    s.get("/api/v2/flows", &token)
        .await
        .expect(401, Some("credentials.expired"));
}

#[tokio::test]
async fn scopes_gate_operations_with_403_naming_alternatives() {
    let s = TestServer::start().await;
    let admin = s.admin_token().await;
    let ro = s.token_with_scopes(&["architect:readonly"]).await;
    let r = s
        .post(
            "/api/v2/flows",
            &ro,
            json!({"name": "x", "type": "inboundcall"}),
        )
        .await;
    r.expect(403, Some("missing.any.permissions"));
    let msg = r.body["message"].as_str().unwrap();
    assert!(
        msg.contains("flow:flow:write") && msg.contains("architect"),
        "{msg}"
    );
    assert_eq!(
        r.body["messageParams"]["permissions"],
        "[admin, architect, flow:flow:write]"
    );
    s.get("/api/v2/flows", &ro).await.expect(200, None);

    // Module scopes: modules on either path, but not other flows.
    let m = s
        .token_with_scopes(&["flow:flowmodule:write", "flow:flowmodule:read"])
        .await;
    let created = s
        .post("/api/v2/flows/flowmodules", &m, json!({"name": "Mod"}))
        .await;
    created.expect(200, None);
    assert_eq!(created.body["type"], "COMMONMODULE");
    s.post(
        "/api/v2/flows",
        &m,
        json!({"name": "Mod2", "type": "commonmodule"}),
    )
    .await
    .expect(200, None);
    s.post(
        "/api/v2/flows",
        &m,
        json!({"name": "In", "type": "inboundcall"}),
    )
    .await
    .expect(403, Some("missing.any.permissions"));
    let inbound = s.create_named(&admin, "inboundcall", "In").await;
    s.get(&format!("/api/v2/flows/{inbound}"), &m)
        .await
        .expect(403, Some("missing.any.permissions"));
    s.get("/api/v2/flows?type=commonmodule", &m)
        .await
        .expect(200, None);
    s.get("/api/v2/flows", &m)
        .await
        .expect(403, Some("missing.any.permissions"));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let config = ServerConfig {
        rate_limit_per_minute: 2,
        ..Default::default()
    };
    let s = TestServer::start_with(config, None).await;
    let token = s.admin_token().await;
    s.get("/api/v2/flows", &token).await.expect(200, None);
    s.get("/api/v2/flows", &token).await.expect(200, None);
    let r = s.get("/api/v2/flows", &token).await;
    r.expect(429, Some("too.many.requests.retry.after"));
    let secs: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    assert_eq!(
        r.body["message"],
        format!("Rate limit exceeded the maximum. Retry the request in [{secs}] seconds")
    );
    // The budget is per token: a fresh token is not limited.
    let other = s.admin_token().await;
    s.get("/api/v2/flows", &other).await.expect(200, None);
}

#[tokio::test]
async fn configured_token_lifetime_overrides_the_clients() {
    let config = ServerConfig {
        token_lifetime_secs: Some(120),
        ..Default::default()
    };
    let s = TestServer::start_with(config, None).await;
    let r = s.token_basic(&s.client_id, &s.client_secret, None).await;
    assert_eq!(r.body["expires_in"], 120);
}
