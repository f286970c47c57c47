//! Hostile bodies on every route that takes one: nesting past serde_json's limit, nesting up to
//! it (accepted and readable back everywhere), 10 MB bodies with and without a length, invalid
//! UTF-8 and lone surrogates, and every wrong content type.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::reply;
use crate::support::{assert_error, raw, World};

/// Every route that takes a JSON body, with a valid body for it (PUTs at the current version).
async fn body_routes(w: &World) -> Vec<(Method, String, Value)> {
    let caller =
        w.s.get(&format!("/api/v2/flows/{}", w.caller), &w.token)
            .await;
    let module =
        w.s.get(&format!("/api/v2/flows/{}", w.module), &w.token)
            .await;
    vec![
        (
            Method::POST,
            "/api/v2/flows".into(),
            json!({"name": "New", "type": "inboundcall"}),
        ),
        (
            Method::POST,
            "/api/v2/flows/flowmodules".into(),
            json!({"name": "New module"}),
        ),
        (
            Method::PUT,
            format!("/api/v2/flows/{}", w.caller),
            json!({"version": caller.body["version"], "description": "changed"}),
        ),
        (
            Method::PUT,
            format!("/api/v2/flows/flowmodules/{}", w.module),
            json!({"version": module.body["version"], "description": "changed"}),
        ),
        (
            Method::POST,
            "/api/v2/flows/executions".into(),
            json!({"flowId": w.caller, "flowVersion": "1.0"}),
        ),
    ]
}

/// Sends `body` as-is with `content_type` (none when `None`).
async fn send(
    w: &World,
    method: &Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> crate::common::Reply {
    let mut req =
        w.s.http
            .request(method.clone(), format!("{}{}", w.s.base, path))
            .bearer_auth(&w.token)
            .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    reply(req.send().await.unwrap()).await
}

/// `valid` with one more member `nest` whose `@@` is replaced by raw `bytes`.
fn with_bytes(valid: &Value, nest: &str, bytes: &[u8]) -> Vec<u8> {
    let text = with_member(valid, nest);
    let at = text.windows(2).position(|w| w == b"@@").unwrap();
    [&text[..at], bytes, &text[at + 2..]].concat()
}

/// `valid` with its first string member's value replaced by raw `bytes`.
fn with_field_bytes(valid: &Value, bytes: &[u8]) -> Vec<u8> {
    let mut doc = valid.clone();
    let field = doc
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v.is_string())
        .map(|(k, _)| k.clone())
        .unwrap();
    doc[field.as_str()] = json!("@@");
    let text = doc.to_string().into_bytes();
    let at = text.windows(2).position(|w| w == b"@@").unwrap();
    [&text[..at], bytes, &text[at + 2..]].concat()
}

/// `valid` with one more member holding `nest`, as text.
fn with_member(valid: &Value, nest: &str) -> Vec<u8> {
    let text = valid.to_string();
    let open = text.strip_suffix('}').unwrap();
    format!("{open},\"hostile\":{nest}}}").into_bytes()
}

#[tokio::test]
async fn json_nested_past_serdes_limit_is_400_and_changes_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let nests = [
        format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
        format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)),
        // Unterminated: the parser must give up at the limit, not at the end of the text.
        "[".repeat(100_000),
        format!("{}1{}", "[".repeat(129), "]".repeat(129)),
    ];
    for (method, path, valid) in body_routes(&w).await {
        for nest in &nests {
            let r = send(
                &w,
                &method,
                &path,
                Some("application/json"),
                with_member(&valid, nest),
            )
            .await;
            assert_error(&r, 400, "bad.request", &format!("{method} {path} nested"));
        }
        let bare = send(
            &w,
            &method,
            &path,
            Some("application/json"),
            "[".repeat(100_000).into_bytes(),
        )
        .await;
        assert_error(&bare, 400, "bad.request", &format!("{method} {path} bare"));
    }
    w.unchanged(&before, "nested JSON").await;
}

/// `[[...1...]]` with `depth` arrays.
fn nest(depth: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..depth {
        v = json!([v]);
    }
    v
}

/// The deepest `nest` accepted in a flow built by `wrap`, trying depths from past serde's limit
/// down; every refusal must be a 400.
async fn deepest_accepted(w: &World, name: &str, wrap: &dyn Fn(Value) -> Value) -> (String, usize) {
    for depth in (1..=130).rev() {
        let r = w.s.post("/api/v2/flows", &w.token, wrap(nest(depth))).await;
        assert_ne!(r.status, 500, "{name} depth {depth}: {}", r.body);
        if r.status == 200 {
            return (r.body["id"].as_str().unwrap().to_string(), depth);
        }
        assert_error(&r, 400, "bad.request", &format!("{name} depth {depth}"));
    }
    panic!("{name}: no depth accepted");
}

/// Everything a client can do with flow `id` answers without a 500, including running it and
/// reading the execution back (its trace holds the flow's values a few levels deeper).
async fn use_everywhere(w: &World, name: &str, id: &str, input: Value) {
    for path in [
        format!("/api/v2/flows/{id}"),
        format!("/api/v2/flows/{id}/versions"),
        format!("/api/v2/flows/{id}/versions/1.0"),
        format!("/api/v2/flows/{id}/versions/1.0/configuration"),
        format!("/api/v2/flows/{id}/latestconfiguration"),
        "/api/v2/flows?pageSize=500".to_string(),
    ] {
        let r = w.s.get(&path, &w.token).await;
        assert_eq!(r.status, 200, "{name} {path}: {}", r.body);
    }
    let flow = w.s.get(&format!("/api/v2/flows/{id}"), &w.token).await;
    let put =
        w.s.put(
            &format!("/api/v2/flows/{id}"),
            &w.token,
            json!({"version": flow.body["version"], "description": "still fine"}),
        )
        .await;
    assert_eq!(put.status, 200, "{name} put: {}", put.body);
    let run =
        w.s.post(
            "/api/v2/flows/executions",
            &w.token,
            json!({"flowId": id, "flowVersion": "1.0", "inputData": input}),
        )
        .await;
    assert_ne!(run.status, 500, "{name} run: {}", run.body);
    if run.status != 200 {
        assert_error(&run, 400, "bad.request", &format!("{name} run"));
        return;
    }
    let exec = run.body["id"].as_str().unwrap();
    for path in [
        format!("/api/v2/flows/executions/{exec}"),
        format!("/api/v2/flows/{id}/executions"),
    ] {
        let r = w.s.get(&path, &w.token).await;
        assert_eq!(r.status, 200, "{name} {path}: {}", r.body);
    }
}

#[tokio::test]
async fn json_nested_up_to_the_limit_is_stored_and_read_back_everywhere() {
    let w = World::new().await;
    // Deep values where the model keeps them as written (an unknown member of an action or
    // node): accepted up to serde's limit, and then usable everywhere.
    let actions = |nest: Value| {
        json!({"name": "Deep actions", "type": "inboundcall", "actions": [
            {"type": "disconnect", "name": "Bye", "note": nest}]})
    };
    let graph = |nest: Value| {
        json!({"name": "Deep graph", "type": "inboundcall", "definition": {
            "nodes": [{"id": "n0", "type": "disconnect", "settings": {"note": nest}}],
            "entry": {"nodeId": "n0"}}})
    };
    for (name, wrap) in [
        ("actions", &actions as &dyn Fn(Value) -> Value),
        ("graph", &graph),
    ] {
        let (id, depth) = deepest_accepted(&w, name, wrap).await;
        assert!(depth > 100, "{name}: only {depth} levels accepted");
        use_everywhere(&w, name, &id, json!({})).await;
    }
    // Values the flow runs with (set as data, traced, output) are capped lower, so the trace
    // that wraps them stays readable.
    let literal = |nest: Value| {
        json!({"name": "Deep literal", "type": "inboundcall", "variables": [
                   {"name": "deep", "type": "String", "input": true, "output": true}],
               "actions": [{"type": "setData", "name": "S", "data": [
                   {"key": "Flow.copy", "value": nest.clone()},
                   {"key": "deep_data", "value": nest}]}]})
    };
    let (id, depth) = deepest_accepted(&w, "literal", &literal).await;
    assert_eq!(depth, flowlink_model::MAX_VALUE_DEPTH, "literal depth cap");
    // Launch inputs as deep as a request body allows: refused or run, never unreadable.
    for depth in [120, 123, 124, 125, 126, 127] {
        use_everywhere(
            &w,
            &format!("input {depth}"),
            &id,
            json!({"deep": nest(depth)}),
        )
        .await;
    }
    use_everywhere(&w, "literal input", &id, json!({"deep": nest(20)})).await;
}

#[tokio::test]
async fn ten_megabyte_bodies_are_413_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let ten_mb = 10 * 1024 * 1024;
    for (method, path, valid) in body_routes(&w).await {
        let body = with_member(&valid, &format!("\"{}\"", "x".repeat(ten_mb)));
        // With a declared length: refused before reading.
        let r = raw(
            &w.s,
            &format!(
                "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}",
                w.token,
                body.len()
            ),
            body.clone(),
        )
        .await;
        r.assert_error(413, "request.entity.too.large", &format!("{method} {path}"));
        // Chunked: refused while reading.
        let mut chunked = Vec::new();
        for chunk in body.chunks(64 * 1024) {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let r = raw(
            &w.s,
            &format!(
                "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nTransfer-Encoding: chunked",
                w.token
            ),
            chunked,
        )
        .await;
        r.assert_error(
            413,
            "request.entity.too.large",
            &format!("{method} {path} chunked"),
        );
    }
    w.unchanged(&before, "10 MB bodies").await;
}

#[tokio::test]
async fn invalid_utf8_and_lone_surrogates_are_400_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    for (method, path, valid) in body_routes(&w).await {
        let cases = [
            // Invalid bytes inside a string: not UTF-8, overlong, truncated sequence.
            with_bytes(&valid, "\"@@\"", &[0xff, 0xfe]),
            with_bytes(&valid, "\"@@\"", &[0xc0, 0xaf]),
            with_bytes(&valid, "\"@@\"", &[0xe2, 0x82]),
            // An invalid byte where a value should be.
            with_bytes(&valid, "@@", &[0xff]),
            // The same in a field the route reads.
            with_field_bytes(&valid, &[0xff, 0xfe]),
            with_field_bytes(&valid, &[0xed, 0xa0, 0x80]),
            // Escaped lone surrogates.
            with_member(&valid, "\"\\ud800\""),
            with_member(&valid, "\"x\\udc00\""),
        ];
        for (i, body) in cases.into_iter().enumerate() {
            let r = send(&w, &method, &path, Some("application/json"), body).await;
            assert_error(&r, 400, "bad.request", &format!("{method} {path} case {i}"));
        }
    }
    w.unchanged(&before, "invalid UTF-8").await;
}

#[tokio::test]
async fn control_characters_in_names_and_nul_in_descriptions_are_400_on_every_backend() {
    let w = World::new().await;
    let before = w.snapshot().await;
    let caller =
        w.s.get(&format!("/api/v2/flows/{}", w.caller), &w.token)
            .await;
    let version = caller.body["version"].clone();
    let put = format!("/api/v2/flows/{}", w.caller);
    for bad in [
        "a\0b",
        "\0",
        "tab\there",
        "line\nbreak",
        "bell\u{7}",
        "del\u{7f}",
        "c1\u{85}x",
    ] {
        let what = format!("name {bad:?}");
        let r =
            w.s.post(
                "/api/v2/flows",
                &w.token,
                json!({"name": bad, "type": "inboundcall"}),
            )
            .await;
        assert_error(&r, 400, "bad.request", &what);
        let r =
            w.s.post("/api/v2/flows/flowmodules", &w.token, json!({"name": bad}))
                .await;
        assert_error(&r, 400, "bad.request", &what);
        let r =
            w.s.put(&put, &w.token, json!({"version": version, "name": bad}))
                .await;
        assert_error(&r, 400, "bad.request", &what);
    }
    let r =
        w.s.post(
            "/api/v2/flows",
            &w.token,
            json!({"name": "Nul", "type": "inboundcall", "description": "x\0y"}),
        )
        .await;
    assert_error(&r, 400, "bad.request", "description with NUL");
    let r =
        w.s.put(
            &put,
            &w.token,
            json!({"version": version, "description": "\0"}),
        )
        .await;
    assert_error(&r, 400, "bad.request", "description with NUL");
    w.unchanged(&before, "control characters").await;
    // Line breaks stay welcome in descriptions.
    let r =
        w.s.put(
            &put,
            &w.token,
            json!({"version": version, "description": "two\nlines"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["description"], "two\nlines");
}

#[tokio::test]
async fn wrong_content_types_are_415_and_change_nothing() {
    let w = World::new().await;
    let before = w.snapshot().await;
    for (method, path, valid) in body_routes(&w).await {
        let json_text = valid.to_string().into_bytes();
        let form: Vec<(String, String)> = valid
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        let form = serde_urlencoded::to_string(form).unwrap().into_bytes();
        let boundary = "XyZzY";
        let multipart = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\
             Content-Type: application/json\r\n\r\n{valid}\r\n--{boundary}--\r\n"
        )
        .into_bytes();
        let cases: Vec<(Option<String>, Vec<u8>)> = vec![
            (Some("text/plain".into()), json_text.clone()),
            (Some("text/plain; charset=utf-8".into()), json_text.clone()),
            (Some("application/x-www-form-urlencoded".into()), form),
            (
                Some(format!("multipart/form-data; boundary={boundary}")),
                multipart,
            ),
            (None, json_text.clone()),
            (Some("application/jsonx".into()), json_text.clone()),
            (Some("application/xml".into()), b"<flow/>".to_vec()),
            (Some("".into()), json_text.clone()),
            (Some("json".into()), json_text),
        ];
        for (ct, body) in cases {
            let r = send(&w, &method, &path, ct.as_deref(), body).await;
            assert_error(
                &r,
                415,
                "unsupported.media.type",
                &format!("{method} {path} as {ct:?}"),
            );
        }
    }
    w.unchanged(&before, "wrong content types").await;
}
