//! Tests of the HTTP behaviour (login, paging, 429, 5xx, 401, 409) against a small in-process
//! mock of the server, so they pin the client's side of the contract without the real server.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use flowlink_api::{EntityListing, Flow, FlowWrite};

use crate::{
    Client, ClientError, FlowQuery, FlowStatus, LinkOptions, RetryPolicy, Targets, UpdateOutcome,
};

#[derive(Default)]
struct Mock {
    logins: AtomicU32,
    busy_left: AtomicU32,
    flaky_left: AtomicU32,
    post_calls: AtomicU32,
    unauthorized_left: AtomicU32,
    /// PUTs on `contended` that a "concurrent writer" beats.
    steal_left: AtomicU32,
    flows: Mutex<HashMap<String, (i64, Value)>>,
    total: usize,
    /// Requests to paths this mock (like real Genesys) does not know.
    unknown_calls: AtomicU32,
}

type S = State<Arc<Mock>>;

fn err(status: StatusCode, code: &str) -> Response {
    let body =
        json!({"message": code, "code": code, "status": status.as_u16(), "contextId": "ctx"});
    (status, Json(body)).into_response()
}

async fn token(State(m): S, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // base64("id:secret")
    if auth != "Basic aWQ6c2VjcmV0" || body != "grant_type=client_credentials" {
        let b = json!({"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(b)).into_response();
    }
    let n = m.logins.fetch_add(1, Ordering::SeqCst) + 1;
    Json(json!({"access_token": format!("tok{n}"), "token_type": "bearer", "expires_in": 3600}))
        .into_response()
}

async fn list(State(m): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let size: usize = q.get("pageSize").and_then(|s| s.parse().ok()).unwrap_or(25);
    let page: usize = q
        .get("pageNumber")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    assert_eq!(
        q.get("type").map(String::as_str),
        Some("inboundcall"),
        "filters kept on every page"
    );
    let all: Vec<Flow> = (0..m.total)
        .map(|i| Flow {
            id: Some(format!("f{i}")),
            ..Default::default()
        })
        .collect();
    let entities = all
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let l = EntityListing::new(
        entities,
        "/api/v2/flows",
        page as i64,
        size as i64,
        m.total as i64,
    );
    Json(l).into_response()
}

async fn get_flow(State(m): S, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if id == "busy" && m.busy_left.load(Ordering::SeqCst) > 0 {
        m.busy_left.fetch_sub(1, Ordering::SeqCst);
        let mut r = err(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests.retry.after",
        );
        r.headers_mut()
            .insert("retry-after", "0.01".parse().unwrap());
        return r;
    }
    if id == "flaky" && m.flaky_left.load(Ordering::SeqCst) > 0 {
        m.flaky_left.fetch_sub(1, Ordering::SeqCst);
        return err(StatusCode::SERVICE_UNAVAILABLE, "service.unavailable");
    }
    if id == "revoked" && m.unauthorized_left.load(Ordering::SeqCst) > 0 {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth == "Bearer tok1" {
            m.unauthorized_left.fetch_sub(1, Ordering::SeqCst);
            return err(StatusCode::UNAUTHORIZED, "credentials.expired");
        }
    }
    let flows = m.flows.lock().unwrap();
    match flows.get(&id) {
        Some((v, tags)) => {
            Json(json!({"id": id, "name": id, "version": v, "actions": tags})).into_response()
        }
        None if id == "busy" || id == "flaky" || id == "revoked" => {
            Json(json!({"id": id})).into_response()
        }
        None => err(StatusCode::NOT_FOUND, "not.found"),
    }
}

async fn put_flow(State(m): S, Path(id): Path<String>, Json(w): Json<FlowWrite>) -> Response {
    let mut flows = m.flows.lock().unwrap();
    let Some(entry) = flows.get_mut(&id) else {
        return err(StatusCode::NOT_FOUND, "not.found");
    };
    if id == "contended" && m.steal_left.load(Ordering::SeqCst) > 0 {
        m.steal_left.fetch_sub(1, Ordering::SeqCst);
        // Another writer got in first: its change lands, ours is stale.
        entry.0 += 1;
        entry.1.as_array_mut().unwrap().push(json!("theirs"));
    }
    if id == "locked" || w.version != Some(entry.0) {
        return err(StatusCode::CONFLICT, "conflict");
    }
    entry.0 += 1;
    entry.1 = w.actions.unwrap_or(Value::Null);
    Json(json!({"id": id, "name": id, "version": entry.0, "actions": entry.1})).into_response()
}

async fn post_flow(State(m): S) -> Response {
    m.post_calls.fetch_add(1, Ordering::SeqCst);
    err(StatusCode::SERVICE_UNAVAILABLE, "service.unavailable")
}

async fn get_module(Path(id): Path<String>) -> Response {
    Json(json!({"id": id, "name": "Shared", "type": "COMMONMODULE", "version": 1, "actions": []}))
        .into_response()
}

async fn unknown(State(m): S) -> Response {
    m.unknown_calls.fetch_add(1, Ordering::SeqCst);
    err(StatusCode::NOT_FOUND, "not.found")
}

async fn start(mock: Mock) -> (Client, Arc<Mock>) {
    let mock = Arc::new(mock);
    let app = Router::new()
        .route("/oauth/token", post(token))
        .route("/api/v2/flows", get(list).post(post_flow))
        .route("/api/v2/flows/{id}", get(get_flow).put(put_flow))
        .route("/api/v2/flows/flowmodules/{id}", get(get_module))
        .fallback(unknown)
        .with_state(mock.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let policy = RetryPolicy {
        base_backoff: std::time::Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let client = Client::with_policy(&format!("http://{addr}"), "id", "secret", policy).unwrap();
    (client, mock)
}

#[tokio::test]
async fn one_login_for_many_concurrent_requests_and_listing_pages_to_the_end() {
    let (client, mock) = start(Mock {
        total: 7,
        ..Default::default()
    })
    .await;
    let q = FlowQuery {
        types: vec![flowlink_api::FlowType::InboundCall],
        page_size: Some(2),
        ..Default::default()
    };
    let lists = futures::future::join_all((0..8).map(|_| client.list_flows(&q))).await;
    for l in lists {
        let ids: Vec<_> = l.unwrap().into_iter().map(|f| f.id.unwrap()).collect();
        assert_eq!(ids, ["f0", "f1", "f2", "f3", "f4", "f5", "f6"]);
    }
    assert_eq!(mock.logins.load(Ordering::SeqCst), 1);
    assert_eq!(client.stats().requests, 8 * 4);
}

#[tokio::test]
async fn bad_credentials_are_a_typed_auth_error() {
    let (client, _) = start(Mock::default()).await;
    let bad = Client::new(client.base_url().as_str(), "id", "wrong").unwrap();
    let e = bad.get_flow("x").await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Auth { status: 401, error, .. } if error == "invalid_client")
    );
}

#[tokio::test]
async fn a_429_is_waited_out_and_a_404_decoded() {
    let (client, mock) = start(Mock::default()).await;
    mock.busy_left.store(2, Ordering::SeqCst);
    client.get_flow("busy").await.unwrap();
    assert_eq!(client.stats().rate_limited, 2);
    let e = client.get_flow("nope").await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(
        e.to_string(),
        "server answered 404 not.found: not.found (contextId ctx)"
    );
}

#[tokio::test]
async fn idempotent_requests_retry_5xx_and_posts_do_not() {
    let (client, mock) = start(Mock::default()).await;
    mock.flaky_left.store(2, Ordering::SeqCst);
    client.get_flow("flaky").await.unwrap();
    assert_eq!(client.stats().server_retries, 2);
    mock.flaky_left.store(10, Ordering::SeqCst);
    let e = client.get_flow("flaky").await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(
        client.stats().server_retries,
        2 + 3,
        "bounded by max_server_retries"
    );
    let e = client.create_flow(&FlowWrite::default()).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(mock.post_calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_401_on_a_cached_token_logs_in_again_once() {
    let (client, mock) = start(Mock::default()).await;
    mock.unauthorized_left.store(1, Ordering::SeqCst);
    client.access_token().await.unwrap();
    client.get_flow("revoked").await.unwrap();
    assert_eq!(mock.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn update_reapplies_the_change_to_the_newest_version_on_409() {
    let (client, mock) = start(Mock::default()).await;
    mock.flows
        .lock()
        .unwrap()
        .insert("contended".into(), (1, json!(["base"])));
    mock.steal_left.store(2, Ordering::SeqCst);
    let mut applied = 0;
    let upd = client
        .update_flow_with("contended", |flow| {
            applied += 1;
            let mut actions = flow.actions.clone().unwrap();
            let list = actions.as_array_mut().unwrap();
            if list.contains(&json!("mine")) {
                return None;
            }
            list.push(json!("mine"));
            Some(FlowWrite {
                actions: Some(actions),
                ..Default::default()
            })
        })
        .await
        .unwrap();
    assert_eq!(upd.conflict_retries, 2);
    assert_eq!(applied, 3);
    let UpdateOutcome::Updated(f) = upd.outcome else {
        panic!("not updated")
    };
    assert_eq!(
        f.actions,
        Some(json!(["base", "theirs", "theirs", "mine"])),
        "no write lost"
    );
    assert_eq!(client.stats().conflict_retries, 2);

    let again = client
        .update_flow_with("contended", |flow| {
            let has = flow
                .actions
                .as_ref()
                .unwrap()
                .as_array()
                .unwrap()
                .contains(&json!("mine"));
            (!has).then(FlowWrite::default)
        })
        .await
        .unwrap();
    assert!(matches!(again.outcome, UpdateOutcome::Unchanged(_)));
}

#[tokio::test]
async fn a_409_that_is_not_a_stale_version_is_not_retried() {
    let (client, mock) = start(Mock::default()).await;
    mock.flows
        .lock()
        .unwrap()
        .insert("locked".into(), (4, json!([])));
    let e = client
        .update_flow_with("locked", |_| Some(FlowWrite::default()))
        .await
        .unwrap_err();
    assert!(e.is_conflict());
    assert_eq!(client.stats().conflict_retries, 1);
}

#[tokio::test]
async fn without_the_bulk_extension_links_fall_back_to_per_flow_puts_and_ask_once() {
    let (client, mock) = start(Mock::default()).await;
    for id in ["a", "b"] {
        mock.flows.lock().unwrap().insert(
            id.into(),
            (1, json!([{"type": "disconnect", "name": "Bye"}])),
        );
    }
    let targets = Targets::Ids(vec!["a".into(), "b".into()]);
    let report = client
        .link_module("m", &targets, &LinkOptions::default(), &())
        .await
        .unwrap();
    assert!(
        report
            .results
            .iter()
            .all(|r| r.status == FlowStatus::Linked),
        "{report:?}"
    );
    for id in ["a", "b"] {
        let flows = mock.flows.lock().unwrap();
        let (version, actions) = &flows[id];
        assert_eq!(*version, 2);
        assert_eq!(actions[0]["type"], "callFlow");
        assert_eq!(actions[0]["flow"]["id"], "m");
    }
    assert_eq!(mock.unknown_calls.load(Ordering::SeqCst), 1, "one probe");
    // The answer is remembered: the next bulk operation goes per flow straight away.
    let report = client
        .unlink_module("m", &targets, &LinkOptions::default(), &())
        .await
        .unwrap();
    assert!(report
        .results
        .iter()
        .all(|r| r.status == FlowStatus::Unlinked));
    assert_eq!(
        mock.unknown_calls.load(Ordering::SeqCst),
        1,
        "still one probe"
    );
}
