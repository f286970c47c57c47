//! Racing writers on one flow: deletes against updates, a module delete against a link that
//! adds a call to it, and renames and creates competing for one name. Exactly one outcome
//! wins each race, the losers get Genesys errors (never a 500), and the flow ends consistent:
//! its document, versions and dependency rows agree with the winners.

use std::str::FromStr;

use flowlink_store::ConsumerFilter;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::common::Reply;
use crate::support::{assert_error, World};

fn tag(tag: &str) -> Value {
    json!([{"type": "tagInteraction", "name": "Tag", "tags": [tag]}])
}

/// Asserts `r` is one of the allowed (status, code) outcomes; successes have no code.
fn allowed(r: &Reply, outcomes: &[(u16, &str)], what: &str) {
    let status = r.status.as_u16();
    assert_ne!(status, 500, "{what}: {}", r.body);
    let Some((_, code)) = outcomes.iter().find(|(s, _)| *s == status) else {
        panic!("{what}: unexpected {status}: {}", r.body);
    };
    if !code.is_empty() {
        assert_error(r, status, code, what);
    }
}

#[tokio::test]
async fn racing_deletes_and_updates_leave_one_consistent_outcome() {
    let w = World::new().await;
    for round in 0..6 {
        let created =
            w.s.create(
                &w.token,
                json!({"name": format!("Contended {round}"), "type": "inboundcall",
                       "description": "original", "actions": tag("v1")}),
            )
            .await;
        let id = created["id"].as_str().unwrap().to_string();
        let v0 = created["version"].clone();
        let path = format!("/api/v2/flows/{id}");
        let requests = (0..10).map(|i| {
            let (w, path, v0) = (&w, &path, v0.clone());
            async move {
                if i % 2 == 0 {
                    (i, w.s.call(Method::DELETE, path, &w.token, None).await)
                } else {
                    let body = json!({"version": v0, "description": format!("writer {i}"),
                                      "actions": tag(&format!("w{i}"))});
                    (i, w.s.put(path, &w.token, body).await)
                }
            }
        });
        let results = join_all(requests).await;
        let mut deleted = 0;
        let mut winner = None;
        for (i, r) in &results {
            let what = format!("round {round} request {i}");
            if i % 2 == 0 {
                allowed(r, &[(204, ""), (410, "architect.flow.deleted")], &what);
                deleted += usize::from(r.status == 204);
            } else {
                allowed(
                    r,
                    &[
                        (200, ""),
                        (409, "general.conflict"),
                        (410, "architect.flow.deleted"),
                    ],
                    &what,
                );
                if r.status == 200 {
                    assert!(winner.is_none(), "round {round}: two updates won");
                    winner = Some(*i);
                }
            }
        }
        assert_eq!(deleted, 1, "round {round}: exactly one delete wins");
        // The end state: deleted, holding exactly the winning update (if any) and its version.
        assert_error(
            &w.s.get(&path, &w.token).await,
            410,
            "architect.flow.deleted",
            "deleted flow",
        );
        let flow = w.s.get(&format!("{path}?deleted=true"), &w.token).await;
        assert_eq!(flow.status, 200, "{}", flow.body);
        let versions =
            w.s.get(&format!("{path}/versions?deleted=true"), &w.token)
                .await;
        assert_eq!(versions.status, 200, "{}", versions.body);
        let (description, tag_value, logic_versions) = match winner {
            Some(i) => (format!("writer {i}"), format!("w{i}"), 2),
            None => ("original".to_string(), "v1".to_string(), 1),
        };
        assert_eq!(
            flow.body["description"],
            description.as_str(),
            "round {round}"
        );
        assert_eq!(
            flow.body["actions"][0]["tags"][0],
            tag_value.as_str(),
            "round {round}"
        );
        assert_eq!(versions.body["total"], logic_versions, "round {round}");
        for v in versions.body["entities"].as_array().unwrap() {
            let vid = v["id"].as_str().unwrap();
            let config =
                w.s.get(
                    &format!("{path}/versions/{vid}/configuration?deleted=true"),
                    &w.token,
                )
                .await;
            assert_eq!(config.status, 200, "round {round} version {vid}");
        }
        // Listed once among deleted flows, never among live ones.
        let by_name = format!("/api/v2/flows?name=Contended%20{round}");
        let listed = w.s.get(&format!("{by_name}&deleted=true"), &w.token).await;
        assert_eq!(listed.body["total"], 1, "{}", listed.body);
        assert_eq!(listed.body["entities"][0]["id"], id.as_str());
        let live = w.s.get(&by_name, &w.token).await;
        assert_eq!(live.body["total"], 0, "{}", live.body);
    }
}

#[tokio::test]
async fn a_module_delete_racing_a_link_never_leaves_a_dangling_call() {
    let w = World::new().await;
    let org = w.s.org_id;
    for round in 0..8 {
        let module =
            w.s.post(
                "/api/v2/flows/flowmodules",
                &w.token,
                json!({"name": format!("Racing module {round}"), "actions": tag("m")}),
            )
            .await;
        assert_eq!(module.status, 200, "{}", module.body);
        let module = module.body["id"].as_str().unwrap().to_string();
        let flow =
            w.s.create(
                &w.token,
                json!({"name": format!("Racing flow {round}"), "type": "inboundcall",
                       "actions": tag("f")}),
            )
            .await;
        let flow_id = flow["id"].as_str().unwrap().to_string();
        let link = json!({"version": flow["version"], "actions": [
            {"type": "callFlow", "name": "Call", "flow": {"id": module}},
            {"type": "disconnect", "name": "Bye"}]});
        let (flow_path, module_path) = (
            format!("/api/v2/flows/{flow_id}"),
            format!("/api/v2/flows/flowmodules/{module}"),
        );
        let (linked, deleted) = tokio::join!(
            w.s.put(&flow_path, &w.token, link),
            w.s.delete(&module_path, &w.token),
        );
        let what = format!("round {round}");
        allowed(&linked, &[(200, ""), (400, "bad.request")], &what);
        allowed(
            &deleted,
            &[(204, ""), (409, "architect.flow.in.use")],
            &what,
        );
        assert!(
            (linked.status == 200) != (deleted.status == 204),
            "{what}: link {} and delete {} must not both win or both lose",
            linked.status,
            deleted.status
        );
        let current = w.s.get(&format!("/api/v2/flows/{flow_id}"), &w.token).await;
        let calls = current.body["actions"][0]["type"] == "callFlow";
        let consumers =
            w.s.store
                .module_consumers(
                    org,
                    Uuid::from_str(&module).unwrap(),
                    ConsumerFilter::Current,
                )
                .await
                .unwrap();
        if linked.status == 200 {
            assert!(calls, "{what}: acknowledged link missing: {}", current.body);
            assert_eq!(consumers.len(), 1, "{what}: {consumers:?}");
            assert_eq!(consumers[0].flow_id.to_string(), flow_id);
            assert_error(
                &w.s.delete(&format!("/api/v2/flows/flowmodules/{module}"), &w.token)
                    .await,
                409,
                "architect.flow.in.use",
                &what,
            );
        } else {
            assert!(!calls, "{what}: refused link present: {}", current.body);
            assert!(consumers.is_empty(), "{what}: {consumers:?}");
            assert_eq!(current.body["version"], flow["version"], "{what}");
        }
    }
}

#[tokio::test]
async fn renames_and_creates_racing_for_one_name_have_one_winner() {
    let w = World::new().await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            w.s.create_named(&w.token, "inboundcall", &format!("Racer {i}"))
                .await,
        );
    }
    let before = w.snapshot().await;
    let renames = ids.iter().map(|id| {
        let w = &w;
        async move {
            let current = w.s.get(&format!("/api/v2/flows/{id}"), &w.token).await;
            w.s.put(
                &format!("/api/v2/flows/{id}"),
                &w.token,
                json!({"version": current.body["version"], "name": "The Name"}),
            )
            .await
        }
    });
    let creates = (0..6).map(|_| {
        w.s.post(
            "/api/v2/flows",
            &w.token,
            json!({"name": "the name", "type": "inboundcall"}),
        )
    });
    let (renamed, created) = tokio::join!(join_all(renames), join_all(creates));
    let mut wins = 0;
    for r in renamed.iter().chain(&created) {
        allowed(
            r,
            &[(200, ""), (409, "general.resource.conflict")],
            "name race",
        );
        wins += usize::from(r.status == 200);
    }
    assert_eq!(wins, 1, "exactly one flow gets the name");
    let holders =
        w.s.get("/api/v2/flows?name=the%20name&pageSize=100", &w.token)
            .await;
    assert_eq!(holders.body["total"], 1, "{}", holders.body);
    // Apart from the one winner, nothing changed.
    let after = w.snapshot().await;
    let count = |s: &Value| s["flows"].as_array().unwrap().len();
    let created_one = created.iter().any(|r| r.status == 200);
    assert_eq!(count(&after), count(&before) + usize::from(created_one));
}
