//! The bulk link extension, `POST /api/v2/flows/flowmodules/{id}/actions/link`: each target
//! flow gets the PUT's rules (idempotent link at the entry, locks, references, drafts for the
//! checkout holder, per-flow scopes), one result per flow, and the dependency index matches.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::common::{Reply, TestServer};

fn link_path(module: &str) -> String {
    format!("/api/v2/flows/flowmodules/{module}/actions/link")
}

async fn module(s: &TestServer, t: &str, name: &str) -> String {
    let m = s
        .create(
            t,
            json!({"name": name, "type": "commonmodule", "actions": [
                {"type": "tagInteraction", "name": "Tag", "tags": [name]}]}),
        )
        .await;
    m["id"].as_str().unwrap().to_string()
}

async fn actions_flow(s: &TestServer, t: &str, name: &str) -> String {
    let f = s
        .create(
            t,
            json!({"name": name, "type": "inboundcall", "actions": [
                {"type": "playPrompt", "name": "Hi", "prompt": {"text": "Hello"}},
                {"type": "disconnect", "name": "Bye"}]}),
        )
        .await;
    f["id"].as_str().unwrap().to_string()
}

async fn graph_flow(s: &TestServer, t: &str, name: &str) -> String {
    let f = s
        .create(
            t,
            json!({"name": name, "type": "inboundcall", "definition": {
                "nodes": [{"id": "hi", "name": "Hi", "type": "playPrompt",
                           "settings": {"prompt": {"text": "Hello"}}}],
                "edges": [], "entry": {"nodeId": "hi"}}}),
        )
        .await;
    f["id"].as_str().unwrap().to_string()
}

async fn link(s: &TestServer, t: &str, module: &str, body: Value) -> Reply {
    s.post(&link_path(module), t, body).await
}

/// `flowId → (status, error code)` of a 200 answer.
fn statuses(r: &Reply) -> Vec<(String, String, Option<String>)> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["flowId"].as_str().unwrap().to_string(),
                x["status"].as_str().unwrap().to_string(),
                x["error"]["code"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// The module calls of a flow's current logic, in order: `(module id, pinned version)`.
async fn calls(s: &TestServer, t: &str, flow: &str) -> Vec<(String, Value)> {
    let f = s.get(&format!("/api/v2/flows/{flow}"), t).await.body;
    if let Some(actions) = f["actions"].as_array() {
        return actions
            .iter()
            .filter(|a| a["type"] == "callFlow")
            .map(|a| {
                (
                    a["flow"]["id"].as_str().unwrap().to_string(),
                    a["flow"]["version"].clone(),
                )
            })
            .collect();
    }
    let def = &f["definition"];
    let entry = def["entry"]["nodeId"].as_str().unwrap_or_default();
    let mut out: Vec<(String, Value)> = Vec::new();
    for n in def["nodes"].as_array().unwrap() {
        if n["type"] == "flowModule" {
            let c = (
                n["settings"]["flowModuleId"].as_str().unwrap().to_string(),
                n["settings"]["version"].clone(),
            );
            // The entry node first, as the actions dialect lists it.
            if n["id"] == entry {
                out.insert(0, c);
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// Ids of the flows the dependency index says call `module` (current versions).
async fn consumers(s: &TestServer, t: &str, module: &str) -> BTreeSet<String> {
    let r = s
        .get(
            &format!(
                "/api/v2/architect/dependencytracking/consumingresources?id={module}\
                 &objectType=COMMONMODULEFLOW&pageSize=100"
            ),
            t,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn links_at_the_entry_once_then_reports_already_linked() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module(&s, &t, "Auth").await;
    let a = actions_flow(&s, &t, "Actions IVR").await;
    let g = graph_flow(&s, &t, "Graph IVR").await;
    let e = s.create_named(&t, "inboundcall", "Empty IVR").await;
    let ids = [a.clone(), g.clone(), e.clone()];

    let r = link(&s, &t, &m, json!({"flowIds": ids})).await;
    r.expect(200, None);
    assert_eq!(r.body["moduleId"], m.as_str());
    assert_eq!(r.body["moduleName"], "Auth");
    for (i, (id, status, _)) in statuses(&r).into_iter().enumerate() {
        assert_eq!((id.as_str(), status.as_str()), (ids[i].as_str(), "linked"));
        assert_eq!(r.body["results"][i]["version"], 2, "{}", r.body);
    }
    assert_eq!(r.body["results"][0]["flowName"], "Actions IVR");
    for id in &ids {
        assert_eq!(calls(&s, &t, id).await, [(m.clone(), Value::Null)], "{id}");
    }
    // The call is first, before the existing logic, and the flow was published at once.
    let f = s.get(&format!("/api/v2/flows/{a}"), &t).await.body;
    assert_eq!(f["actions"][0]["type"], "callFlow");
    assert_eq!(f["actions"][0]["name"], "Call Auth");
    assert_eq!(f["actions"][1]["name"], "Hi");
    assert_eq!(f["publishedVersion"]["id"], "2.0");
    let f = s.get(&format!("/api/v2/flows/{g}"), &t).await.body;
    let entry = f["definition"]["entry"]["nodeId"].as_str().unwrap();
    assert!(entry.starts_with("call-"), "{}", f["definition"]);

    // Again: nothing written, nothing duplicated.
    let again = link(&s, &t, &m, json!({"flowIds": ids})).await;
    assert!(statuses(&again)
        .iter()
        .all(|(_, st, _)| st == "alreadyLinked"));
    assert_eq!(again.body["results"][0]["version"], 2);
    for id in &ids {
        assert_eq!(calls(&s, &t, id).await.len(), 1);
    }
    assert_eq!(consumers(&s, &t, &m).await, ids.iter().cloned().collect());
}

#[tokio::test]
async fn a_locked_flow_fails_alone_and_the_holder_writes_a_draft() {
    let s = TestServer::start().await;
    let admin = s.admin_token().await;
    let other = s.token_with_scopes(&["architect"]).await;
    let m = module(&s, &admin, "Auth").await;
    let free = actions_flow(&s, &admin, "Free").await;
    let held = actions_flow(&s, &admin, "Held").await;
    s.post(
        &format!("/api/v2/flows/actions/checkout?flow={held}"),
        &other,
        json!({}),
    )
    .await
    .expect(200, None);

    let r = link(&s, &admin, &m, json!({"flowIds": [free, held]})).await;
    let st = statuses(&r);
    assert_eq!(st[0].1, "linked");
    assert_eq!(st[1].1, "failed");
    assert_eq!(st[1].2.as_deref(), Some("architect.flow.locked"));
    let error = &r.body["results"][1]["error"];
    assert_eq!(error["status"], 409);
    assert!(
        error["message"].as_str().unwrap().contains("'scoped'"),
        "names the holder: {error}"
    );
    assert!(calls(&s, &admin, &held).await.is_empty());

    // The holder links through its checkout: a draft, nothing published.
    let r = link(&s, &other, &m, json!({"flowIds": [held]})).await;
    assert_eq!(statuses(&r)[0].1, "linked");
    let f = s.get(&format!("/api/v2/flows/{held}"), &other).await.body;
    assert_eq!(f["savedVersion"]["id"], "2.0", "{f}");
    assert_eq!(f["publishedVersion"]["id"], "1.0", "{f}");
    assert_eq!(f["actions"][0]["type"], "callFlow");
}

#[tokio::test]
async fn unknown_invalid_and_foreign_ids_are_reported_not_found() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module(&s, &t, "Auth").await;
    let mine = actions_flow(&s, &t, "Mine").await;
    let foreign_token = s.other_org_token().await;
    let foreign = s
        .create_named(&foreign_token, "inboundcall", "Theirs")
        .await;
    let unknown = uuid::Uuid::new_v4().to_string();

    let r = link(
        &s,
        &t,
        &m,
        json!({"flowIds": [unknown, "not-a-uuid", foreign, mine, mine.to_uppercase()]}),
    )
    .await;
    let st = statuses(&r);
    assert_eq!(st.len(), 4, "duplicates count once: {}", r.body);
    for (id, status, code) in &st[..3] {
        assert_eq!(status, "failed", "{id}");
        assert_eq!(code.as_deref(), Some("not.found"), "{id}");
    }
    assert_eq!(st[1].0, "not-a-uuid");
    assert_eq!(st[3], (mine.clone(), "linked".into(), None));
    assert!(calls(&s, &foreign_token, &foreign).await.is_empty());

    // The module itself must be a module of the caller's organization.
    link(&s, &t, &mine, json!({"flowIds": [mine]}))
        .await
        .expect(404, Some("not.found"));
    link(&s, &foreign_token, &m, json!({"flowIds": [foreign]}))
        .await
        .expect(404, Some("not.found"));
    // Exactly one kind of target.
    link(&s, &t, &m, json!({}))
        .await
        .expect(400, Some("bad.request"));
    link(
        &s,
        &t,
        &m,
        json!({"flowIds": [mine], "filter": {"type": ["inboundcall"]}}),
    )
    .await
    .expect(400, Some("bad.request"));
}

#[tokio::test]
async fn pinned_links_float_repin_and_refuse_missing_versions() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module(&s, &t, "Auth").await;
    // Version 2 of the module.
    s.put(
        &format!("/api/v2/flows/{m}"),
        &t,
        json!({"actions": [{"type": "disconnect", "name": "Bye"}]}),
    )
    .await
    .expect(200, None);
    let f = actions_flow(&s, &t, "IVR").await;

    let r = link(&s, &t, &m, json!({"flowIds": [f], "version": 1})).await;
    assert_eq!(statuses(&r)[0].1, "linked");
    assert_eq!(r.body["version"], 1);
    assert_eq!(calls(&s, &t, &f).await, [(m.clone(), json!(1))]);
    let r = link(&s, &t, &m, json!({"flowIds": [f], "version": 1})).await;
    assert_eq!(statuses(&r)[0].1, "alreadyLinked");
    // A new pin replaces the old one; floating again drops it.
    let r = link(&s, &t, &m, json!({"flowIds": [f], "version": 2})).await;
    assert_eq!(statuses(&r)[0].1, "linked");
    assert_eq!(calls(&s, &t, &f).await, [(m.clone(), json!(2))]);
    let r = link(&s, &t, &m, json!({"flowIds": [f], "version": null})).await;
    assert_eq!(statuses(&r)[0].1, "linked");
    assert_eq!(calls(&s, &t, &f).await, [(m.clone(), Value::Null)]);

    link(&s, &t, &m, json!({"flowIds": [f], "version": 3}))
        .await
        .expect(400, Some("bad.request"));
    link(
        &s,
        &t,
        &m,
        json!({"flowIds": [f], "version": 1, "unlink": true}),
    )
    .await
    .expect(400, Some("bad.request"));
    for bad in ["  ", "tab\there"] {
        link(&s, &t, &m, json!({"flowIds": [f], "callName": bad}))
            .await
            .expect(400, Some("bad.request"));
    }
}

#[tokio::test]
async fn unlink_removes_the_calls_and_the_index_follows() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module(&s, &t, "Auth").await;
    let keep = module(&s, &t, "Keep").await;
    let a = actions_flow(&s, &t, "A").await;
    let g = graph_flow(&s, &t, "G").await;
    for module in [&keep, &m] {
        let r = link(&s, &t, module, json!({"flowIds": [a, g]})).await;
        assert!(statuses(&r).iter().all(|x| x.1 == "linked"));
    }
    assert_eq!(consumers(&s, &t, &m).await.len(), 2);

    let r = link(&s, &t, &m, json!({"flowIds": [a, g], "unlink": true})).await;
    assert!(statuses(&r).iter().all(|x| x.1 == "unlinked"), "{}", r.body);
    for id in [&a, &g] {
        assert_eq!(calls(&s, &t, id).await, [(keep.clone(), Value::Null)]);
    }
    let r = link(&s, &t, &m, json!({"flowIds": [a, g], "unlink": true})).await;
    assert!(statuses(&r).iter().all(|x| x.1 == "notLinked"));
    assert!(consumers(&s, &t, &m).await.is_empty());
    assert_eq!(
        consumers(&s, &t, &keep).await,
        [a.clone(), g.clone()].into_iter().collect()
    );
    // The module is free again: it can be deleted.
    s.delete(&format!("/api/v2/flows/{m}"), &t)
        .await
        .expect(204, None);
}

#[tokio::test]
async fn a_filter_targets_every_match_and_scopes_apply_per_flow() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module(&s, &t, "Auth").await;
    let inbound: Vec<String> = [
        actions_flow(&s, &t, "In 1").await,
        graph_flow(&s, &t, "In 2").await,
    ]
    .into();
    let other_module = module(&s, &t, "Other").await;
    let bot = s.create_named(&t, "bot", "Bot").await;

    let r = link(&s, &t, &m, json!({"filter": {"type": ["inbound"]}})).await;
    let got: BTreeSet<String> = statuses(&r)
        .into_iter()
        .map(|(id, st, _)| {
            assert_eq!(st, "linked");
            id
        })
        .collect();
    assert_eq!(got, inbound.iter().cloned().collect());
    assert!(calls(&s, &t, &bot).await.is_empty());

    // A module-only writer may link into modules but not into other flows.
    let modules_only = s.token_with_scopes(&["flow:flowmodule:write"]).await;
    let r = link(
        &s,
        &modules_only,
        &m,
        json!({"flowIds": [other_module, bot]}),
    )
    .await;
    let st = statuses(&r);
    assert_eq!(st[0].1, "linked", "{}", r.body);
    assert_eq!(st[1].2.as_deref(), Some("missing.any.permissions"));
    // A module never calls itself, and cycles are refused per flow.
    let r = link(&s, &t, &other_module, json!({"flowIds": [m, other_module]})).await;
    let st = statuses(&r);
    assert_eq!(st[0].2.as_deref(), Some("bad.request"), "{}", r.body);
    assert_eq!(st[1].2.as_deref(), Some("bad.request"), "{}", r.body);
    // Readers cannot link at all.
    let reader = s.token_with_scopes(&["architect:readonly"]).await;
    link(&s, &reader, &m, json!({"flowIds": [bot]}))
        .await
        .expect(403, Some("missing.any.permissions"));
}

/// More flows than one write transaction holds (`module_link::BATCH`; on PostgreSQL two
/// batches run at once): every flow is answered once, in request order, reads back linked
/// (from the document the batch handed back), and a second link finds them all linked.
#[tokio::test]
async fn flows_of_several_batches_are_answered_in_request_order() {
    use futures::StreamExt;

    // Over 500 flows to create: without the per-token rate limit.
    let config = flowlink_server::ServerConfig {
        rate_limit_per_minute: 0,
        ..Default::default()
    };
    let s = TestServer::start_with(config, None).await;
    let t = s.admin_token().await;
    let m = module(&s, &t, "Auth").await;
    let n = 2 * flowlink_server::module_link::BATCH + 7;
    let mut ids: Vec<String> = futures::stream::iter(0..n)
        .map(|i| {
            let (s, t) = (&s, &t);
            async move { graph_flow(s, t, &format!("IVR {i:04}")).await }
        })
        .buffered(8)
        .collect()
        .await;
    // Not in id order: the answer follows the request, not the batches.
    ids.reverse();
    let flows_linked = |r: &Reply, status: &str| {
        let got = statuses(r);
        assert_eq!(got.len(), n, "one result per flow");
        for (i, (id, st, code)) in got.into_iter().enumerate() {
            assert_eq!(
                (id.as_str(), st.as_str()),
                (ids[i].as_str(), status),
                "{code:?}"
            );
        }
    };

    let r = link(&s, &t, &m, json!({"flowIds": ids})).await;
    flows_linked(&r, "linked");
    let read: Vec<Vec<(String, Value)>> = futures::stream::iter(&ids)
        .map(|id| calls(&s, &t, id))
        .buffered(8)
        .collect()
        .await;
    for (id, calls) in ids.iter().zip(read) {
        assert_eq!(calls, [(m.clone(), Value::Null)], "{id}");
    }
    let again = link(&s, &t, &m, json!({"flowIds": ids})).await;
    flows_linked(&again, "alreadyLinked");
}
