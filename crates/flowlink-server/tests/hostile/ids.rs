//! Garbage in ids: path traversal (plain, percent-encoded, overlong UTF-8), NUL, invalid
//! percent-encoding, 10 KB ids, non-UUIDs and nearly-UUIDs on every route with an id, plus bad
//! version ids. All are sent on a raw connection so nothing normalizes them on the way. Each is
//! a 404 `ErrorBody` and changes nothing.

use crate::support::{raw, World};

/// Ids as they appear in the request line (already percent-encoded where they need to be).
fn garbage(w: &World) -> Vec<String> {
    let caller = &w.caller;
    vec![
        "not-a-uuid".into(),
        "..".into(),
        "%2e%2e".into(),
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd".into(),
        "..%2f..%2fetc%2fpasswd".into(),
        "..%5c..%5cwindows".into(),
        "%C0%AE%C0%AE".into(),
        "%00".into(),
        "%FF".into(),
        "%ED%A0%80".into(),
        "'%20OR%201%3D1%20--".into(),
        "%22%3B%20DROP%20TABLE%20flows%3B%20--".into(),
        "%3Cscript%3E".into(),
        "x".repeat(10 * 1024),
        "6f1c0f3e-0000-4000-8000-000000000000".into(),
        "00000000-0000-0000-0000-000000000000".into(),
        format!("{caller}x"),
        format!("{caller}%00"),
        format!("{caller}%2F.."),
        caller[..35].to_string(),
        "%25".into(),
        "%".into(),
        "%%32%65".into(),
    ]
}

/// (method, path, body) of every route that names a flow or execution by `id`.
fn routes(id: &str) -> Vec<(&'static str, String, Option<String>)> {
    let put = Some("{\"description\": \"hijacked\"}".to_string());
    vec![
        ("GET", format!("/api/v2/flows/{id}"), None),
        ("PUT", format!("/api/v2/flows/{id}"), put.clone()),
        ("DELETE", format!("/api/v2/flows/{id}"), None),
        ("GET", format!("/api/v2/flows/flowmodules/{id}"), None),
        ("PUT", format!("/api/v2/flows/flowmodules/{id}"), put),
        ("DELETE", format!("/api/v2/flows/flowmodules/{id}"), None),
        ("GET", format!("/api/v2/flows/{id}/versions"), None),
        ("GET", format!("/api/v2/flows/{id}/versions/1.0"), None),
        (
            "GET",
            format!("/api/v2/flows/{id}/versions/1.0/configuration"),
            None,
        ),
        (
            "GET",
            format!("/api/v2/flows/{id}/latestconfiguration"),
            None,
        ),
        ("GET", format!("/api/v2/flows/{id}/executions"), None),
        ("GET", format!("/api/v2/flows/executions/{id}"), None),
        (
            "POST",
            format!("/api/v2/flows/actions/checkout?flow={id}"),
            None,
        ),
        (
            "POST",
            format!("/api/v2/flows/actions/publish?flow={id}"),
            None,
        ),
        (
            "POST",
            format!("/api/v2/flows/actions/deactivate?flow={id}"),
            None,
        ),
    ]
}

async fn send(
    w: &World,
    method: &str,
    path: &str,
    body: Option<String>,
) -> crate::support::RawReply {
    let body = body.unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}",
        w.token,
        body.len()
    );
    raw(&w.s, &head, body.into_bytes()).await
}

#[tokio::test]
async fn garbage_ids_are_404_on_every_route_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    for id in garbage(&w) {
        for (method, path, body) in routes(&id) {
            let r = send(&w, method, &path, body).await;
            let shown: String = path.chars().take(120).collect();
            r.assert_error(404, "not.found", &format!("{method} {shown}"));
        }
        // The same ids inside bodies that name a flow.
        let body = serde_json::json!({ "flowId": id }).to_string();
        let r = send(&w, "POST", "/api/v2/flows/executions", Some(body)).await;
        r.assert_error(
            404,
            "not.found",
            &format!("launch {}", &id[..id.len().min(40)]),
        );
    }
    w.unchanged(&before, "garbage ids").await;
}

#[tokio::test]
async fn traversal_segments_never_escape_the_route_table() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let caller = &w.caller;
    for path in [
        format!("/api/v2/flows/{caller}/../../../flows"),
        format!("/api/v2/flows/{caller}/versions/../../{caller}"),
        "/api/v2/flows/../../oauth/token".to_string(),
        "/api/v2/flows/%2e%2e/%2e%2e/organizations/me".to_string(),
        format!("/api/v2/flows//{caller}"),
        format!("/api/v2/flows/{caller}/"),
        format!("/api/v2/flows/{caller}/versions/1.0/configuration/.."),
        "/api/v2/../../etc/passwd".to_string(),
    ] {
        for method in ["GET", "PUT", "DELETE"] {
            let body = (method == "PUT").then(|| "{\"description\": \"x\"}".to_string());
            let r = send(&w, method, &path, body).await;
            assert_ne!(r.status, 500, "{method} {path}: {}", r.text);
            // Either no route (404) or a route whose method differs (405); never a success.
            assert!(
                [404, 405].contains(&r.status),
                "{method} {path}: {} {}",
                r.status,
                r.text
            );
            let code = if r.status == 404 {
                "not.found"
            } else {
                "method.not.allowed"
            };
            r.assert_error(r.status, code, &format!("{method} {path}"));
        }
    }
    w.unchanged(&before, "traversal").await;
}

#[tokio::test]
async fn bad_version_ids_are_404_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let caller = &w.caller;
    for v in [
        "0",
        "0.0",
        "-1",
        "-1.0",
        "abc",
        "1.0.0",
        "1.1",
        "99",
        "99999999999999999999",
        "4294967296.0",
        "..",
        "%2e%2e",
        "1.0%00",
        "%FF",
        "1e0",
    ] {
        for suffix in ["", "/configuration"] {
            let path = format!("/api/v2/flows/{caller}/versions/{v}{suffix}");
            let r = send(&w, "GET", &path, None).await;
            r.assert_error(404, "not.found", &path);
        }
    }
    w.unchanged(&before, "bad version ids").await;
}
