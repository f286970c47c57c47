//! The seeds' scenario end to end: seed 000's module (graph dialect, `auth_status =
//! "pending"`) and seed 001's module (action list, type `common`: a tag and a TTS prompt) are
//! linked into two inbound flows; calls show the modules' effects; each module is changed
//! once; the next call into *each* flow shows the new behaviour, while a flow pinned to the old
//! versions still runs them.

use flowlink_model::link::{link_module, LinkOutcome, WireLogic};
use serde_json::{json, Value};

use crate::common::TestServer;
use crate::support::{self, call, modules_entered, prompts};

const SEED_SCOPES: &[&str] = &[
    "flow:flow:write",
    "flow:flow:read",
    "flow:flowmodule:write",
    "flow:flowmodule:read",
];
const SHARED_PROMPT: &str = "This is a message from the shared common module.";
const CHANGED_PROMPT: &str = "The shared module now greets you differently.";

/// Links `module` (pinned to `version`, or floating) at the entry of flow `flow`, as the
/// client does: read the flow, `link_module` its logic, PUT the result.
async fn link(s: &TestServer, token: &str, flow: &str, module: &str, version: Option<u32>) {
    let current = s.get(&format!("/api/v2/flows/{flow}"), token).await.body;
    let logic = match current.get("actions") {
        Some(Value::Array(actions)) if !actions.is_empty() => WireLogic::Actions(actions.clone()),
        _ => WireLogic::Graph(current["definition"].clone()),
    };
    let body = match link_module(&logic, module, version, "Call shared module").expect("links") {
        LinkOutcome::Changed(logic) => serde_json::to_value(logic.into_write()).expect("a body"),
        LinkOutcome::Unchanged => panic!("flow {flow} already called {module}"),
    };
    support::put_flow(s, token, flow, body).await;
}

fn auth_definition(status: &str) -> Value {
    json!({
        "nodes": [{"id": "init-auth", "name": "Init Auth Status", "type": "setData",
                   "settings": {"data": [{"key": "auth_status", "value": status}]}}],
        "edges": [{"id": "e-start", "source": "start", "target": "init-auth", "type": "default"}]
    })
}

fn common_actions(tag: &str, prompt: &str) -> Value {
    json!([
        {"type": "tagInteraction", "name": "TagInteraction", "tags": [tag, "shared-flow-test"]},
        {"type": "playPrompt", "name": "PlaySharedMessage", "prompt": {"text": prompt, "locale": "en-US"}}
    ])
}

/// What one call shows: participant `auth_status`, tags, prompts, modules entered.
struct Seen {
    auth_status: Value,
    tags: Vec<String>,
    prompts: Vec<String>,
    modules: Vec<(String, u64)>,
    outcome: Value,
}

fn seen(exec: &Value) -> Seen {
    Seen {
        auth_status: exec["trace"]["participantData"]["auth_status"].clone(),
        tags: serde_json::from_value(exec["trace"]["tags"].clone()).expect("tags"),
        prompts: prompts(exec),
        modules: modules_entered(exec),
        outcome: exec["trace"]["outcome"].clone(),
    }
}

#[tokio::test]
async fn changing_a_module_once_changes_every_floating_flow_but_not_a_pinned_one() {
    let s = support::server().await;
    let token = s.token_with_scopes(SEED_SCOPES).await;

    // Seed 000: an empty module shell, then its logic by PUT {id, version, definition}.
    let created = s
        .post(
            "/api/v2/flows/flowmodules",
            &token,
            json!({"name": "Shared_Auth_Library_v1",
                   "description": "Sets auth_status for every inbound flow.",
                   "definition": {"nodes": [], "edges": []}}),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let auth = support::id_of(&created.body);
    let put = s
        .put(
            &format!("/api/v2/flows/flowmodules/{auth}"),
            &token,
            json!({"id": auth, "version": created.body["version"], "definition": auth_definition("pending")}),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["publishedVersion"]["id"], "2.0");

    // Seed 001: a `common` flow with an action list.
    let greet = support::create_flow(
        &s,
        &token,
        json!({"name": "Shared Common Module - Tag and Greet", "type": "common", "active": true,
               "actions": common_actions("common-module-executed", SHARED_PROMPT)}),
    )
    .await;

    // Two inbound flows, one per dialect, and a third that pins today's module versions.
    let support_line = support::create_flow(
        &s,
        &token,
        json!({"name": "Support Line", "type": "inboundcall", "definition": {
            "nodes": [
                {"id": "welcome", "name": "Welcome", "type": "playPrompt",
                 "settings": {"prompt": {"text": "Welcome to support.", "locale": "en-US"}}},
                {"id": "to-support", "name": "To Support", "type": "transferToAcd", "settings": {"queue": "Support"}}],
            "edges": [{"id": "e0", "source": "start", "target": "welcome"},
                      {"id": "e1", "source": "welcome", "target": "to-support"}],
            "entry": {"nodeId": "welcome"}}}),
    )
    .await;
    let sales_line = support::create_flow(
        &s,
        &token,
        json!({"name": "Sales Line", "type": "inbound", "actions": [
            {"type": "playPrompt", "name": "Welcome", "prompt": {"text": "Welcome to sales.", "locale": "en-US"}},
            {"type": "transferToAcd", "name": "To Sales", "queue": "Sales"}]}),
    )
    .await;
    let legacy_line = support::create_flow(
        &s,
        &token,
        json!({"name": "Legacy Line", "type": "inboundcall", "actions": [
            {"type": "disconnect", "name": "Bye"}]}),
    )
    .await;
    for flow in [&support_line, &sales_line] {
        link(&s, &token, flow, &auth, None).await;
        link(&s, &token, flow, &greet, None).await;
    }
    link(&s, &token, &legacy_line, &auth, Some(2)).await;
    link(&s, &token, &legacy_line, &greet, Some(1)).await;

    // Before the change: every flow runs auth v2 and greet v1.
    let before = [(greet.clone(), 1), (auth.clone(), 2)];
    for (flow, queue) in [
        (&support_line, "Support"),
        (&sales_line, "Sales"),
        (&legacy_line, ""),
    ] {
        let seen = seen(&call(&s, &token, flow, json!({"ani": "+14440000"})).await);
        assert_eq!(seen.auth_status, "pending", "flow {flow}");
        assert!(
            seen.tags.contains(&"common-module-executed".to_string()),
            "{:?}",
            seen.tags
        );
        assert_eq!(
            seen.prompts.first().map(String::as_str),
            Some(SHARED_PROMPT)
        );
        assert_eq!(seen.modules, before, "flow {flow}");
        let expected = if queue.is_empty() {
            json!({"type": "disconnected"})
        } else {
            json!({"type": "transferred", "queue": queue})
        };
        assert_eq!(seen.outcome, expected);
    }

    // Change each module once: seed 000 by PUT on the module path, seed 001 by PUT on /flows.
    let current = s
        .get(&format!("/api/v2/flows/flowmodules/{auth}"), &token)
        .await
        .body;
    let put = s
        .put(
            &format!("/api/v2/flows/flowmodules/{auth}"),
            &token,
            json!({"id": auth, "version": current["version"], "definition": auth_definition("verified")}),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    support::put_flow(
        &s,
        &token,
        &greet,
        json!({"actions": common_actions("common-module-v2", CHANGED_PROMPT)}),
    )
    .await;

    // The next call into each floating flow runs the new logic...
    for flow in [&support_line, &sales_line] {
        let seen = seen(&call(&s, &token, flow, json!({"ani": "+14440000"})).await);
        assert_eq!(seen.auth_status, "verified", "flow {flow}");
        assert!(
            seen.tags.contains(&"common-module-v2".to_string()),
            "{:?}",
            seen.tags
        );
        assert!(!seen.tags.contains(&"common-module-executed".to_string()));
        assert_eq!(
            seen.prompts.first().map(String::as_str),
            Some(CHANGED_PROMPT)
        );
        assert_eq!(seen.modules, [(greet.clone(), 2), (auth.clone(), 3)]);
    }
    // ...while the pinned flow keeps the old versions.
    let pinned = seen(&call(&s, &token, &legacy_line, json!({})).await);
    assert_eq!(pinned.auth_status, "pending");
    assert!(pinned.tags.contains(&"common-module-executed".to_string()));
    assert_eq!(
        pinned.prompts.first().map(String::as_str),
        Some(SHARED_PROMPT)
    );
    assert_eq!(pinned.modules, before);
}
