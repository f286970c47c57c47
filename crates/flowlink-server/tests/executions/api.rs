//! The execution endpoints' contract: Genesys launch and runtime shapes, per-organization
//! isolation, scopes, request errors, version selection and the paged history of a flow.

use serde_json::{json, Value};

use crate::support::{self, id_of};

fn menu_flow(name: &str) -> Value {
    json!({"name": name, "type": "inboundcall", "actions": [
        {"type": "tagInteraction", "name": "Tag", "tags": ["menu"]},
        {"type": "collectInput", "name": "Menu", "digits": 1,
         "outputs": {"dtmf:1": [{"type": "transferToAcd", "name": "To Sales", "queue": "Sales"}]}},
        {"type": "disconnect", "name": "Bye"}]})
}

#[tokio::test]
async fn launch_and_runtime_bodies_have_the_genesys_shapes() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let flow = support::create_flow(&s, &token, menu_flow("Shapes")).await;
    let launched = support::launch(
        &s,
        &token,
        json!({"flowId": flow, "name": "smoke", "simulation": {"digits": ["1"]}}),
    )
    .await;
    let id = id_of(&launched);
    assert_eq!(
        launched,
        json!({"id": id, "name": "smoke",
               "flowVersion": {"id": "1.0", "name": "1.0", "selfUri": format!("/api/v2/flows/{flow}/versions/1.0")},
               "selfUri": format!("/api/v2/flows/executions/{id}")})
    );
    let exec = support::execution(&s, &token, &id).await;
    assert_eq!(exec["id"], id.as_str());
    assert_eq!(exec["status"], "COMPLETED");
    assert_eq!(exec["completionReason"], "transferred to queue Sales");
    assert_eq!(exec["flowVersion"]["id"], "1.0");
    assert!(
        exec["flowVersion"]["dateCreated"].is_i64(),
        "FlowVersion dates are epoch ms"
    );
    for date in ["dateLaunched", "dateCompleted"] {
        let d = exec[date].as_str().unwrap_or_default();
        assert!(d.ends_with('Z') && d.contains('T'), "{date}: {d}");
    }
    assert!(exec.get("flowErrorInfo").is_none());
    assert_eq!(exec["outputData"], json!({}));
    assert_eq!(
        exec["trace"]["flow"],
        json!({"id": flow, "name": "Shapes", "version": 1})
    );
    assert_eq!(exec["trace"]["simulation"]["digits"], json!(["1"]));
    assert_eq!(exec["trace"]["tags"], json!(["menu"]));
    assert_eq!(exec["trace"]["actionCount"], 3);

    // A flow without logic returns at once.
    let empty =
        support::create_flow(&s, &token, json!({"name": "Empty", "type": "inboundcall"})).await;
    let exec = support::call(&s, &token, &empty, json!({})).await;
    assert_eq!(exec["trace"]["outcome"], json!({"type": "disconnected"}));
    assert_eq!(exec["trace"]["actionCount"], 0);
}

#[tokio::test]
async fn executions_belong_to_their_organization_and_need_flow_read() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let flow = support::create_flow(&s, &token, menu_flow("Mine")).await;
    let exec = id_of(&support::launch(&s, &token, json!({"flowId": flow})).await);

    let other = s.other_org_token().await;
    s.get(&format!("/api/v2/flows/executions/{exec}"), &other)
        .await
        .expect(404, Some("not.found"));
    s.get(&format!("/api/v2/flows/{flow}/executions"), &other)
        .await
        .expect(404, Some("not.found"));
    s.post("/api/v2/flows/executions", &other, json!({"flowId": flow}))
        .await
        .expect(404, Some("not.found"));

    let writer = s.token_with_scopes(&["flow:flow:write"]).await;
    let r = s
        .post("/api/v2/flows/executions", &writer, json!({"flowId": flow}))
        .await;
    r.expect(403, Some("missing.any.permissions"));
    assert!(r.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("flow:flow:read"));
    s.get(&format!("/api/v2/flows/executions/{exec}"), &writer)
        .await
        .expect(403, Some("missing.any.permissions"));
    let reader = s.token_with_scopes(&["architect:readonly"]).await;
    assert_eq!(
        s.get(&format!("/api/v2/flows/executions/{exec}"), &reader)
            .await
            .status,
        200
    );
    let launched = s
        .post("/api/v2/flows/executions", &reader, json!({"flowId": flow}))
        .await;
    assert_eq!(launched.status, 200, "{}", launched.body);
}

#[tokio::test]
async fn bad_launches_are_refused_with_clear_errors() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let flow = support::create_flow(&s, &token, menu_flow("Target")).await;
    let launch = |body: Value| {
        let (s, token) = (&s, &token);
        async move { s.post("/api/v2/flows/executions", token, body).await }
    };
    let r = launch(json!({"name": "no flow"})).await;
    r.expect(400, Some("bad.request"));
    assert!(r.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("flowId"));
    launch(json!({"flowId": "not-a-uuid"}))
        .await
        .expect(404, Some("not.found"));
    launch(json!({"flowId": uuid::Uuid::new_v4()}))
        .await
        .expect(404, Some("not.found"));
    let r = launch(json!({"flowId": flow, "flowVersion": "latest"})).await;
    r.expect(400, Some("bad.request"));
    assert!(r.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("\"latest\""));
    let r = launch(json!({"flowId": flow, "flowVersion": "7.0"})).await;
    r.expect(400, Some("bad.request"));
    assert!(r.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("no version 7.0"));
    let r = launch(json!({"flowId": flow, "simulation": {"dataActions": {"Lookup": {"outputs": {}, "fail": true}}}})).await;
    r.expect(400, Some("bad.request"));
    assert!(r.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("dataActions.Lookup"));
    s.get("/api/v2/flows/executions/nope", &token)
        .await
        .expect(404, Some("not.found"));
    s.get(
        &format!("/api/v2/flows/executions/{}", uuid::Uuid::new_v4()),
        &token,
    )
    .await
    .expect(404, Some("not.found"));

    let deleted = support::create_flow(&s, &token, menu_flow("Gone")).await;
    assert!(s
        .delete(&format!("/api/v2/flows/{deleted}"), &token)
        .await
        .status
        .is_success());
    launch(json!({"flowId": deleted}))
        .await
        .expect(410, Some("architect.flow.deleted"));
}

#[tokio::test]
async fn a_named_version_runs_instead_of_the_published_one() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let to = |queue: &str| json!([{"type": "transferToAcd", "name": "Out", "queue": queue}]);
    let flow = support::create_flow(
        &s,
        &token,
        json!({"name": "Versions", "type": "inboundcall", "actions": to("Old")}),
    )
    .await;
    support::put_flow(&s, &token, &flow, json!({"actions": to("New")})).await;
    for (version, queue, id) in [
        (None, "New", "2.0"),
        (Some("1"), "Old", "1.0"),
        (Some("2.0"), "New", "2.0"),
    ] {
        let mut body = json!({"flowId": flow});
        if let Some(v) = version {
            body["flowVersion"] = json!(v);
        }
        let launched = support::launch(&s, &token, body).await;
        assert_eq!(launched["flowVersion"]["id"], id);
        let exec = support::execution(&s, &token, &id_of(&launched)).await;
        assert_eq!(
            exec["trace"]["outcome"]["queue"], queue,
            "version {version:?}"
        );
    }
}

#[tokio::test]
async fn past_calls_are_listed_newest_first_with_outcome_and_tags() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let flow = support::create_flow(&s, &token, menu_flow("History")).await;
    let other = support::create_flow(&s, &token, menu_flow("Elsewhere")).await;
    support::launch(
        &s,
        &token,
        json!({"flowId": other, "name": "not this flow"}),
    )
    .await;
    for (name, digits) in [
        ("first", json!(["1"])),
        ("second", json!([])),
        ("third", json!(["1"])),
    ] {
        support::launch(
            &s,
            &token,
            json!({"flowId": flow, "name": name, "simulation": {"digits": digits}}),
        )
        .await;
    }
    let page1 = s
        .get(
            &format!("/api/v2/flows/{flow}/executions?pageSize=2"),
            &token,
        )
        .await;
    assert_eq!(page1.status, 200, "{}", page1.body);
    let names = crate::common::names(&page1.body);
    assert_eq!(names, ["third", "second"]);
    assert_eq!(
        (page1.body["total"].clone(), page1.body["pageCount"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(
        page1.body["nextUri"],
        format!("/api/v2/flows/{flow}/executions?pageSize=2&pageNumber=2")
    );
    let second = &page1.body["entities"][1];
    assert_eq!(second["trace"]["outcome"], json!({"type": "disconnected"}));
    assert_eq!(second["trace"]["tags"], json!(["menu"]));
    assert!(
        second["trace"].get("steps").is_none(),
        "listings leave the steps out"
    );
    assert_eq!(
        page1.body["entities"][0]["completionReason"],
        "transferred to queue Sales"
    );

    let page2 = s
        .get(
            &format!("/api/v2/flows/{flow}/executions?pageSize=2&pageNumber=2"),
            &token,
        )
        .await;
    assert_eq!(crate::common::names(&page2.body), ["first"]);
    assert!(page2.body.get("nextUri").is_none());
    // The full execution is one GET away.
    let id = page2.body["entities"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let full = support::execution(&s, &token, &id).await;
    assert!(!support::steps(&full).is_empty());
}
