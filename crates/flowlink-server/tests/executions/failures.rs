//! Module calls that cannot run. Over HTTP a flow's *current* logic can only name modules
//! that exist (400 otherwise) and a module in use cannot be deleted (409), so the reachable
//! case is an older flow version that still calls a module deleted since: launched with
//! `flowVersion`, its call fails at the moment of the call — through the call's `failure`
//! edge, or else the flow's error handling (`disconnect` ends the call failed, `continue`
//! skips the call). Deactivation is reachable over HTTP too (`POST
//! /api/v2/flows/actions/deactivate?flow=ID`): a call into a deactivated *module* takes the same
//! failure path (covered in the lifecycle tests, `actions.rs`), and launching a deactivated
//! *flow* is refused with a 400 until it is published again.

use serde_json::{json, Value};

use crate::support::{self, events};

fn calling(module: &str, failure_edge: bool) -> Value {
    let mut nodes = vec![
        json!({"id": "auth", "name": "Shared Auth", "type": "flowModule", "settings": {"flowModuleId": module}}),
        json!({"id": "main", "name": "To Main", "type": "transferToAcd", "settings": {"queue": "Main"}}),
    ];
    let mut edges = vec![
        json!({"id": "e0", "source": "start", "target": "auth"}),
        json!({"id": "e1", "source": "auth", "target": "main", "type": "success"}),
    ];
    if failure_edge {
        nodes.push(json!({"id": "fallback", "name": "To Fallback", "type": "transferToAcd", "settings": {"queue": "Fallback"}}));
        edges.push(json!({"id": "e2", "source": "auth", "target": "fallback", "type": "failure"}));
    }
    json!({"nodes": nodes, "edges": edges, "entry": {"nodeId": "auth"}})
}

#[tokio::test]
async fn a_deleted_module_fails_the_call_through_failure_edge_or_error_handling() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let module = support::create_module(
        &s,
        &token,
        json!({"name": "Shared Auth", "actions": [
            {"type": "setData", "name": "Init", "data": [{"key": "auth_status", "value": "pending"}]}]}),
    )
    .await;
    let mut flows = Vec::new();
    for (name, failure_edge, handling) in [
        ("Guarded", true, "disconnect"),
        ("Unguarded", false, "disconnect"),
        ("Tolerant", false, "continue"),
    ] {
        let id = support::create_flow(
            &s,
            &token,
            json!({"name": name, "type": "inboundcall", "errorHandling": handling,
                   "definition": calling(&module, failure_edge)}),
        )
        .await;
        // Version 1 calls the module; version 2 no longer does, which frees it for deletion.
        let ok = support::call(&s, &token, &id, json!({})).await;
        assert_eq!(ok["trace"]["participantData"]["auth_status"], "pending");
        support::put_flow(
            &s,
            &token,
            &id,
            json!({"actions": [{"type": "transferToAcd", "name": "To Main", "queue": "Main"}]}),
        )
        .await;
        flows.push(id);
    }
    let deleted = s
        .delete(&format!("/api/v2/flows/flowmodules/{module}"), &token)
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);

    let run_v1 = |flow: String| {
        let (s, token) = (&s, &token);
        async move {
            let launched =
                support::launch(s, token, json!({"flowId": flow, "flowVersion": "1.0"})).await;
            assert_eq!(launched["flowVersion"]["id"], "1.0");
            support::execution(s, token, &support::id_of(&launched)).await
        }
    };
    let failed_call = |exec: &Value, handling: &str| {
        let failed = events(exec, "moduleCallFailed");
        assert_eq!(failed.len(), 1, "{exec}");
        assert_eq!(failed[0]["moduleId"], module.as_str());
        assert_eq!(failed[0]["handling"], handling);
        let reason = failed[0]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("'Shared Auth'") && reason.contains("has been deleted"),
            "{reason}"
        );
        assert!(exec["trace"]["participantData"]
            .get("auth_status")
            .is_none());
    };

    let guarded = run_v1(flows[0].clone()).await;
    assert_eq!(guarded["status"], "COMPLETED");
    assert_eq!(
        guarded["trace"]["outcome"],
        json!({"type": "transferred", "queue": "Fallback"})
    );
    failed_call(&guarded, "failureEdge");

    let unguarded = run_v1(flows[1].clone()).await;
    assert_eq!(unguarded["status"], "FAILED");
    assert_eq!(unguarded["trace"]["outcome"]["type"], "failed");
    let message = unguarded["flowErrorInfo"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("has been deleted"), "{message}");
    assert_eq!(unguarded["flowErrorInfo"]["code"], "flow.execution.failed");
    assert!(unguarded["completionReason"]
        .as_str()
        .unwrap_or_default()
        .starts_with("failed: "));
    failed_call(&unguarded, "disconnect");

    let tolerant = run_v1(flows[2].clone()).await;
    assert_eq!(tolerant["status"], "COMPLETED");
    assert_eq!(
        tolerant["trace"]["outcome"],
        json!({"type": "transferred", "queue": "Main"})
    );
    failed_call(&tolerant, "continue");

    // The published version (2) no longer calls the module and runs normally.
    let current = support::call(&s, &token, &flows[1], json!({})).await;
    assert_eq!(current["status"], "COMPLETED");
    assert_eq!(current["flowVersion"]["id"], "2.0");
}

#[tokio::test]
async fn a_deactivated_flow_is_refused_until_published_again() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let id = support::create_flow(
        &s,
        &token,
        json!({"name": "Main IVR", "type": "inboundcall", "actions": [
            {"type": "transferToAcd", "name": "To Main", "queue": "Main"}]}),
    )
    .await;
    let ok = support::call(&s, &token, &id, json!({})).await;
    assert_eq!(ok["status"], "COMPLETED");

    let action = |name: &'static str| {
        let (s, token, id) = (&s, &token, &id);
        async move {
            let r = s
                .post(
                    &format!("/api/v2/flows/actions/{name}?flow={id}"),
                    token,
                    json!({}),
                )
                .await;
            assert_eq!(r.status, 200, "{name}: {}", r.body);
        }
    };
    action("deactivate").await;
    for request in [
        json!({"flowId": id}),
        json!({"flowId": id, "flowVersion": "1.0"}),
    ] {
        let r = s.post("/api/v2/flows/executions", &token, request).await;
        r.expect(400, Some("bad.request"));
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("'Main IVR'")
                && message.contains("is deactivated; publish it to run it"),
            "{message}"
        );
    }

    action("publish").await;
    let again = support::call(&s, &token, &id, json!({})).await;
    assert_eq!(again["status"], "COMPLETED");
}
