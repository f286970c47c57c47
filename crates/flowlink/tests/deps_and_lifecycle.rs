//! `flowlink deps`, the lifecycle commands and `flowlink module publish --impact` against a real
//! server (issue 5): consumers and consumed modules as a table and JSON, the organization's
//! call graph as DOT and Mermaid, checkout → draft → publish, and the impact of a module
//! publish on floating and pinned callers.

#![allow(clippy::unwrap_used)]

mod common;

use serde_json::json;

use flowlink_client::api::FlowType;
use flowlink_client::LogicDoc;

use common::*;

fn calling(module: &str, pin: Option<u32>) -> LogicDoc {
    LogicDoc::Actions {
        actions: vec![
            json!({"type": "callFlow", "name": "Auth", "flow": {"id": module, "version": pin}}),
            json!({"type": "transferToAcd", "name": "Queue", "queue": "Sales"}),
        ],
        variables: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deps_lifecycle_and_publish_impact() {
    let server = TestServer::start(0).await;
    let c = server.client();
    let auth = c
        .create_module("Auth", None, Some(&tag_module("v1")))
        .await
        .unwrap();
    let auth_id = auth.id.clone().unwrap();
    let main = create_flow(
        &c,
        "Main IVR",
        FlowType::InboundCall,
        &calling(&auth_id, None),
    )
    .await;
    create_flow(
        &c,
        "Sales IVR",
        FlowType::InboundCall,
        &calling(&auth_id, Some(1)),
    )
    .await;
    create_flow(
        &c,
        "Lonely IVR",
        FlowType::InboundCall,
        &action_flow("Lonely"),
    )
    .await;

    // deps: a module's consumers (table and JSON) and a flow's consumed modules.
    let run = server.cli(&["deps", "Auth"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("called by 2 flow version(s)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Main IVR") && run.stdout.contains("floating (runs 1.0)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Sales IVR") && run.stdout.contains("pinned 1.0"),
        "{}",
        run.stdout
    );
    let js = server.cli(&["deps", "Auth", "-o", "json"]).await.json();
    let names: Vec<&str> = js["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Main IVR", "Sales IVR"]);
    assert_eq!(js["consumers"][1]["pinnedVersion"], "1.0");
    let js = server.cli(&["deps", "Main IVR", "-o", "json"]).await.json();
    assert_eq!(js["consumes"][0]["id"], auth_id.as_str());
    assert_eq!(js["consumes"][0]["floating"], true);

    // The whole organization's graph.
    let dot = server.cli(&["deps", "--graph", "dot"]).await;
    assert_eq!(dot.code, 0, "{dot:?}");
    assert!(
        dot.stdout.starts_with("digraph flowlink {"),
        "{}",
        dot.stdout
    );
    assert!(
        dot.stdout.contains("[label=\"floating\"]")
            && dot.stdout.contains("[label=\"pinned 1.0\"]"),
        "{}",
        dot.stdout
    );
    assert!(!dot.stdout.contains("Lonely"), "{}", dot.stdout);
    let mermaid = server.cli(&["deps", "--graph", "mermaid"]).await;
    assert!(
        mermaid.stdout.starts_with("flowchart LR\n"),
        "{}",
        mermaid.stdout
    );
    assert!(
        mermaid.stdout.contains("([\"Auth\"])") && mermaid.stdout.contains("-->|pinned 1.0|"),
        "{}",
        mermaid.stdout
    );
    assert_eq!(server.cli(&["deps"]).await.code, 2);

    // checkout → a draft → module publish --impact.
    let out = server.cli(&["checkout", "Auth"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("checked out 'Auth'"), "{}", out.stdout);
    let mut update = flowlink_client::api::FlowWrite::default();
    tag_module("v2").apply_to(&mut update);
    let drafted = c.put_flow(&auth_id, &update).await.unwrap();
    assert_eq!(drafted.saved_version.unwrap().id.as_deref(), Some("2.0"));

    let dry = server
        .cli(&["module", "publish", "Auth", "--impact", "--dry-run"])
        .await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(
        dry.stdout
            .contains("publishing version 2.0 (published now: 1.0)"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("1 published flow(s) will run the new logic"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("1 published flow(s) stay on their pinned version"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("dry run: nothing published"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        c.get_flow(&auth_id)
            .await
            .unwrap()
            .published_version
            .unwrap()
            .id
            .as_deref(),
        Some("1.0")
    );

    let js = server
        .cli(&["module", "publish", "Auth", "--impact", "-o", "json"])
        .await
        .json();
    assert_eq!(js["published"], true);
    assert_eq!(
        js["impact"]["floating"][0]["id"],
        main.id.clone().unwrap().as_str()
    );
    assert_eq!(js["impact"]["pinned"][0]["name"], "Sales IVR");
    assert_eq!(js["module"]["publishedVersion"]["id"], "2.0");
    assert!(js["module"].get("lockedClient").is_none());

    // checkout / checkin / revert / unlock / publish on a flow.
    assert_eq!(server.cli(&["checkout", "Main IVR"]).await.code, 0);
    let checkin = server.cli(&["checkin", "Main IVR"]).await;
    assert!(
        checkin.stdout.contains("checked in 'Main IVR'"),
        "{checkin:?}"
    );
    assert_eq!(server.cli(&["checkout", "Main IVR"]).await.code, 0);
    let revert = server.cli(&["revert", "Main IVR"]).await;
    assert!(revert.stdout.contains("reverted 'Main IVR'"), "{revert:?}");
    assert_eq!(server.cli(&["checkout", "Main IVR"]).await.code, 0);
    let unlock = server.cli(&["unlock", "Main IVR"]).await;
    assert!(unlock.stdout.contains("unlocked 'Main IVR'"), "{unlock:?}");
    let publish = server
        .cli(&["publish", "Main IVR", "-o", "json"])
        .await
        .json();
    assert_eq!(publish["operation"]["actionName"], "PUBLISH");
    assert_eq!(publish["operation"]["actionStatus"], "SUCCESS");
    let missing = server.cli(&["publish", "No Such Flow"]).await;
    assert_eq!(missing.code, 2, "{missing:?}");
}
