//! Failed client-credential attempts are limited per source address and per client id, with
//! their own setting that stays on when the per-token budget is off; argon2 hashes of an
//! earlier release still log in, once, and are replaced by the fast form.

use flowlink_server::{create_client, ServerConfig};
use uuid::Uuid;

use crate::common::TestServer;
use crate::support::*;

/// The per-token budget off, as load tests run it: the login limits must hold regardless.
fn config(auth_failures_per_minute: u32) -> ServerConfig {
    ServerConfig {
        rate_limit_per_minute: 0,
        auth_failures_per_minute,
        ..ServerConfig::default()
    }
}

#[tokio::test]
async fn wrong_secrets_from_one_address_get_429_and_other_addresses_still_log_in() {
    let s = TestServer::start_with(config(5), None).await;
    let other = create_client(
        s.store.as_ref(),
        s.org_id,
        "other",
        &["architect".into()],
        None,
    )
    .await
    .unwrap();
    let (other_id, other_secret) = (other.client_id.to_string(), other.client_secret);
    let attacker = from(2);
    for i in 0..5 {
        let r = token(&attacker, &s.base, &s.client_id, &format!("wrong-{i}")).await;
        assert_eq!(r.status, 401, "attempt {i}: {}", r.body);
        assert_eq!(r.body["error"], "invalid_client");
    }
    assert_throttled(&token(&attacker, &s.base, &s.client_id, "wrong-5").await);
    // Blocked means blocked: the right secret from that address is not even checked.
    assert_throttled(&token(&attacker, &s.base, &other_id, &other_secret).await);

    // Another address with another client: untouched.
    let r = token(&from(3), &s.base, &other_id, &other_secret).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let bearer = r.body["access_token"].as_str().unwrap();
    s.get("/api/v2/flows", bearer).await.expect(200, None);
    // The attacked client went over its own limit too (six failures): blocked from anywhere
    // for now, while its tokens already issued keep working.
    assert_throttled(&token(&from(3), &s.base, &s.client_id, &s.client_secret).await);
}

#[tokio::test]
async fn a_clients_failures_count_from_every_address() {
    let s = TestServer::start_with(config(4), None).await;
    let admin = s.admin_token().await;
    let other = create_client(
        s.store.as_ref(),
        s.org_id,
        "other",
        &["architect".into()],
        None,
    )
    .await
    .unwrap();
    for last in 10..14 {
        let r = token(&from(last), &s.base, &s.client_id, "wrong").await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    assert_throttled(&token(&from(14), &s.base, &s.client_id, "wrong").await);
    assert_throttled(&token(&from(15), &s.base, &s.client_id, &s.client_secret).await);
    // Other clients from fresh addresses, and tokens already issued, are unaffected.
    let r = token(
        &from(15),
        &s.base,
        &other.client_id.to_string(),
        &other.client_secret,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.get("/api/v2/organizations/me", &admin)
        .await
        .expect(200, None);
}

#[tokio::test]
async fn unknown_and_malformed_client_ids_count_against_the_address() {
    let s = TestServer::start_with(config(3), None).await;
    let attacker = from(20);
    for id in [
        Uuid::new_v4().to_string(),
        "not-a-uuid".into(),
        Uuid::new_v4().to_string(),
    ] {
        let r = token(&attacker, &s.base, &id, "x").await;
        assert_eq!(r.status, 401, "{id}: {}", r.body);
    }
    assert_throttled(&token(&attacker, &s.base, &Uuid::new_v4().to_string(), "x").await);
    // None of those ids is a client: the real client is not blocked from elsewhere.
    let r = token(&from(21), &s.base, &s.client_id, &s.client_secret).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn right_secrets_never_count_against_the_limit() {
    let s = TestServer::start_with(config(2), None).await;
    let http = from(30);
    for _ in 0..20 {
        let r = token(&http, &s.base, &s.client_id, &s.client_secret).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

#[tokio::test]
async fn zero_turns_the_login_limits_off() {
    let s = TestServer::start_with(config(0), None).await;
    let http = from(40);
    for _ in 0..30 {
        let r = token(&http, &s.base, &s.client_id, "wrong").await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
}

#[tokio::test]
async fn an_argon2_hash_of_an_earlier_release_logs_in_and_is_upgraded() {
    let s = TestServer::start_with(config(60), None).await;
    let secret = "legacy-secret-0123456789abcdefghijklmnopqrstu";
    let phc = argon2_phc(secret);
    let client = stored_client(s.store.as_ref(), s.org_id, phc.clone()).await;
    let id = client.id.to_string();
    let http = from(50);

    // A wrong secret is refused and leaves the stored hash alone.
    let r = token(&http, &s.base, &id, "wrong").await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(
        s.store.get_client(client.id).await.unwrap().secret_hash,
        phc
    );

    let r = token(&http, &s.base, &id, secret).await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.get("/api/v2/flows", r.body["access_token"].as_str().unwrap())
        .await
        .expect(200, None);
    let upgraded = s.store.get_client(client.id).await.unwrap().secret_hash;
    assert!(upgraded.starts_with("sha256:"), "{upgraded}");
    assert!(!upgraded.contains(secret));

    // The fast form logs in from now on, and still refuses a wrong secret.
    let r = token(&http, &s.base, &id, secret).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(token(&http, &s.base, &id, "wrong").await.status, 401);
    assert_eq!(
        s.store.get_client(client.id).await.unwrap().secret_hash,
        upgraded
    );
}

#[tokio::test]
async fn new_clients_are_stored_with_the_fast_hash() {
    let s = TestServer::start_with(config(60), None).await;
    let c = create_client(
        s.store.as_ref(),
        s.org_id,
        "ci",
        &["architect".into()],
        None,
    )
    .await
    .unwrap();
    let stored = s.store.get_client(c.client_id).await.unwrap().secret_hash;
    assert!(stored.starts_with("sha256:"), "{stored}");
    assert!(!stored.contains(&c.client_secret));
}
