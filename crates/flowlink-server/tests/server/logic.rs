//! Both dialects round-trip; PUT keeps what it does not mention; versions; module references,
//! cycles and in-use deletes.

use serde_json::{json, Value};

use crate::common::TestServer;

fn set_data_definition(node: &str) -> Value {
    json!({
        "nodes": [{"id": node, "name": "Init Auth Status", "type": "setData",
                   "settings": {"data": [{"key": "auth_status", "value": "pending"}]}}],
        "edges": [{"id": "e1", "source": "start", "target": node, "type": "default"}],
        "entry": {"nodeId": node}
    })
}

fn call_definition(module: &str) -> Value {
    json!({
        "nodes": [{"id": "call", "name": "Execute Shared Auth", "type": "flowModule",
                   "settings": {"flowModuleId": module}}],
        "edges": [],
        "entry": {"nodeId": "call"}
    })
}

fn seed_001_actions() -> Value {
    json!([
        {"type": "tagInteraction", "name": "TagInteraction", "tags": ["common-module-executed"]},
        {"type": "playPrompt", "name": "PlaySharedMessage",
         "prompt": {"text": "This is a message from the shared common module.", "locale": "en-US"}}
    ])
}

#[tokio::test]
async fn graph_dialect_round_trips() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    // Seed 000: create the module empty, then PUT {id, version, definition}.
    let created = s
        .post(
            "/api/v2/flows/flowmodules",
            &t,
            json!({"name": "Shared_Auth_Library_v1", "description": "Centralized auth",
                   "definition": {"nodes": [], "edges": []}}),
        )
        .await;
    created.expect(200, None);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.body["definition"],
        json!({"nodes": [], "edges": []})
    );
    assert_eq!(created.body["actions"], json!([]));
    assert_eq!(created.body["publishedVersion"]["id"], "1.0");
    let def = set_data_definition("n1");
    let put = s
        .put(
            &format!("/api/v2/flows/flowmodules/{id}"),
            &t,
            json!({"id": id, "version": created.body["version"], "definition": def}),
        )
        .await;
    put.expect(200, None);
    assert_eq!(put.body["definition"], def);
    assert!(put.body.get("actions").is_none());
    assert_eq!(put.body["name"], "Shared_Auth_Library_v1");
    assert_eq!(put.body["description"], "Centralized auth");
    assert_eq!(put.body["publishedVersion"]["id"], "2.0");
    let got = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    assert_eq!(got.body["definition"], def);
    assert_eq!(got.body["definition"]["nodes"][0]["type"], "setData");
}

#[tokio::test]
async fn action_dialect_round_trips_with_aliases() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let created = s
        .create(
            &t,
            json!({"name": "Shared Common Module - Tag and Greet", "type": "common",
                   "active": true, "actions": seed_001_actions()}),
        )
        .await;
    assert_eq!(created["type"], "COMMONMODULE");
    assert_eq!(created["actions"], seed_001_actions());
    assert!(created.get("definition").is_none());
    let module = created["id"].as_str().unwrap().to_string();

    // Seed 001: an inbound flow (alias `inbound`) calls the module with callFlow, floating.
    let inbound = s
        .create(
            &t,
            json!({"name": "Main", "type": "inbound",
                   "actions": [{"type": "disconnect", "name": "Bye"}]}),
        )
        .await;
    let id = inbound["id"].as_str().unwrap();
    let mut actions = inbound["actions"].as_array().unwrap().clone();
    actions.insert(
        0,
        json!({"type": "callFlow", "name": "CallSharedCommonModule",
               "flow": {"id": module, "version": null}}),
    );
    let mut body = inbound.clone();
    body["actions"] = Value::Array(actions.clone());
    let put = s.put(&format!("/api/v2/flows/{id}"), &t, body).await;
    put.expect(200, None);
    assert_eq!(put.body["actions"], Value::Array(actions));
    assert_eq!(put.body["type"], "INBOUNDCALL");
    assert_eq!(put.body["actions"][0]["type"], "callFlow");
}

#[tokio::test]
async fn put_keeps_unmentioned_fields_and_ignores_unchanged_logic() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let f = s
        .create(
            &t,
            json!({"name": "Keep", "type": "inboundcall", "description": "d0",
                   "definition": set_data_definition("a")}),
        )
        .await;
    let id = f["id"].as_str().unwrap();
    // Description only: logic untouched, no new logic version, `version` still bumps.
    let r = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"description": "d1"}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["name"], "Keep");
    assert_eq!(r.body["definition"], set_data_definition("a"));
    assert_eq!(r.body["publishedVersion"]["id"], "1.0");
    assert_eq!(r.body["version"], 2);
    // The whole object sent back (what an SDK does) with the same logic: no new version.
    let mut whole = r.body.clone();
    whole["description"] = json!("d2");
    let r = s.put(&format!("/api/v2/flows/{id}"), &t, whole).await;
    r.expect(200, None);
    assert_eq!(r.body["publishedVersion"]["id"], "1.0");
    assert_eq!(r.body["description"], "d2");
    // An empty other side is ignored.
    let r = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"actions": [], "definition": set_data_definition("b")}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["publishedVersion"]["id"], "2.0");
    // Both sides new and different → 400, nothing changes.
    let r = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"actions": seed_001_actions(), "definition": set_data_definition("c")}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    s.put(&format!("/api/v2/flows/{id}"), &t, json!({"name": ""}))
        .await
        .expect(400, Some("bad.request"));
    let now = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    assert_eq!(now.body["definition"], set_data_definition("b"));
    assert_eq!(now.body["name"], "Keep");
}

#[tokio::test]
async fn versions_and_configurations() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let f = s
        .create(
            &t,
            json!({"name": "V", "type": "inboundcall", "actions": seed_001_actions()}),
        )
        .await;
    let id = f["id"].as_str().unwrap();
    s.put(
        &format!("/api/v2/flows/{id}"),
        &t,
        json!({"definition": set_data_definition("x")}),
    )
    .await
    .expect(200, None);
    let l = s.get(&format!("/api/v2/flows/{id}/versions"), &t).await;
    l.expect(200, None);
    assert_eq!(l.body["total"], 2);
    assert_eq!(l.body["entities"][0]["id"], "2.0");
    let v1 = s.get(&format!("/api/v2/flows/{id}/versions/1.0"), &t).await;
    v1.expect(200, None);
    assert!(v1.body["dateCreated"].is_i64());
    assert!(v1.body["datePublished"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v1.body["type"], "PUBLISH");
    let v1b = s.get(&format!("/api/v2/flows/{id}/versions/1"), &t).await;
    assert_eq!(v1b.body, v1.body);
    let c1 = s
        .get(
            &format!("/api/v2/flows/{id}/versions/1.0/configuration"),
            &t,
        )
        .await;
    assert_eq!(c1.body["actions"], seed_001_actions());
    let latest = s
        .get(&format!("/api/v2/flows/{id}/latestconfiguration"), &t)
        .await;
    assert_eq!(latest.body["definition"], set_data_definition("x"));
    s.get(&format!("/api/v2/flows/{id}/versions/3.0"), &t)
        .await
        .expect(404, Some("not.found"));
    s.get(&format!("/api/v2/flows/{id}/versions/abc"), &t)
        .await
        .expect(404, Some("not.found"));
    // GET answers in the dialect last written.
    let g = s.get(&format!("/api/v2/flows/{id}"), &t).await;
    assert!(g.body.get("actions").is_none());
    assert_eq!(g.body["definition"], set_data_definition("x"));
}

#[tokio::test]
async fn invalid_logic_is_400_naming_the_node() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let r = s
        .post(
            "/api/v2/flows",
            &t,
            json!({"name": "Bad", "type": "inboundcall",
                   "definition": {"nodes": [{"id": "n1", "type": "teleport", "settings": {}}],
                                  "edges": [], "entry": {"nodeId": "n1"}}}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    assert!(
        r.body["message"].as_str().unwrap().contains("teleport"),
        "{}",
        r.body
    );
    assert_eq!(r.body["details"][0]["entityId"], "n1");
    assert_eq!(s.get("/api/v2/flows", &t).await.body["total"], 0);
}

#[tokio::test]
async fn module_calls_must_reference_existing_modules_and_versions() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let inbound = s.create_named(&t, "inboundcall", "NotAModule").await;
    let r = s
        .post(
            "/api/v2/flows",
            &t,
            json!({"name": "Caller", "type": "inboundcall", "definition": call_definition(&inbound)}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    assert!(r.body["message"].as_str().unwrap().contains(&inbound));
    let module = s.create_named(&t, "commonmodule", "M").await;
    let r = s
        .post(
            "/api/v2/flows",
            &t,
            json!({"name": "Caller", "type": "inboundcall", "actions": [
                {"type": "callFlow", "name": "c", "flow": {"id": module, "version": "2.0"}}]}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    assert!(
        r.body["message"].as_str().unwrap().contains("version 2"),
        "{}",
        r.body
    );
    s.post(
        "/api/v2/flows",
        &t,
        json!({"name": "Caller", "type": "inboundcall", "actions": [
            {"type": "callFlow", "name": "c", "flow": {"id": module, "version": "1.0"}}]}),
    )
    .await
    .expect(200, None);
}

#[tokio::test]
async fn module_call_cycles_are_refused_naming_the_cycle() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let a = s.create_named(&t, "commonmodule", "Mod A").await;
    let b = s
        .post(
            "/api/v2/flows/flowmodules",
            &t,
            json!({"name": "Mod B", "definition": call_definition(&a)}),
        )
        .await;
    b.expect(200, None);
    let b = b.body["id"].as_str().unwrap().to_string();
    let r = s
        .put(
            &format!("/api/v2/flows/flowmodules/{a}"),
            &t,
            json!({"definition": call_definition(&b)}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    let msg = r.body["message"].as_str().unwrap();
    assert!(msg.contains("Mod A → Mod B → Mod A"), "{msg}");
    // A module calling itself.
    let r = s
        .put(
            &format!("/api/v2/flows/flowmodules/{a}"),
            &t,
            json!({"definition": call_definition(&a)}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    let got = s.get(&format!("/api/v2/flows/{a}"), &t).await;
    assert_eq!(got.body["publishedVersion"]["id"], "1.0");
}

#[tokio::test]
async fn deleting_a_module_in_use_is_409_listing_consumers() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let module = s.create_named(&t, "commonmodule", "Auth").await;
    let mut consumers = Vec::new();
    for name in ["Flow One", "Flow Two"] {
        let f = s
            .create(
                &t,
                json!({"name": name, "type": "inboundcall", "definition": call_definition(&module)}),
            )
            .await;
        consumers.push(f["id"].as_str().unwrap().to_string());
    }
    let r = s
        .delete(&format!("/api/v2/flows/flowmodules/{module}"), &t)
        .await;
    r.expect(409, None);
    let listed: Vec<&str> = r.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["entityId"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    for c in &consumers {
        assert!(listed.contains(&c.as_str()));
    }
    s.get(&format!("/api/v2/flows/{module}"), &t)
        .await
        .expect(200, None);
    // Unlink both (new logic without the call), then the delete goes through.
    for c in &consumers {
        s.put(
            &format!("/api/v2/flows/{c}"),
            &t,
            json!({"definition": set_data_definition("n")}),
        )
        .await
        .expect(200, None);
    }
    s.delete(&format!("/api/v2/flows/{module}"), &t)
        .await
        .expect(204, None);
    // A non-module id on the module paths is 404.
    s.get(&format!("/api/v2/flows/flowmodules/{}", consumers[0]), &t)
        .await
        .expect(404, Some("not.found"));
}
