//! Limits around executions: oversized bodies (413) and flows (400 naming the limit) are
//! refused; a flow that loops forever ends `failed` at the action limit with a bounded trace,
//! and the server keeps answering while such executions run.

use serde_json::{json, Value};

use crate::support::{self, steps};

fn endless_loop() -> Value {
    json!({"name": "Endless", "type": "inboundcall", "definition": {
        "nodes": [
            {"id": "count", "name": "Count", "type": "setData",
             "settings": {"data": [{"key": "Flow.n", "value": {"expression": "Flow.n + 1"}}]}},
            {"id": "again", "name": "Again?", "type": "decision", "settings": {"expression": "Flow.n > 0"}}],
        "edges": [
            {"id": "e0", "source": "start", "target": "count"},
            {"id": "e1", "source": "count", "target": "again"},
            {"id": "e2", "source": "again", "target": "count", "type": "true"}],
        "entry": {"nodeId": "count"},
        "variables": [{"name": "Flow.n", "type": "integer", "defaultValue": 0}]}})
}

#[tokio::test]
async fn oversized_flows_and_bodies_are_refused() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let actions: Vec<Value> = (0..2001)
        .map(|i| json!({"type": "tagInteraction", "name": format!("t{i}"), "tags": ["x"]}))
        .collect();
    let r = s
        .post(
            "/api/v2/flows",
            &token,
            json!({"name": "Huge", "type": "inboundcall", "actions": actions}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    assert!(r.body.to_string().contains("too.many.nodes"), "{}", r.body);

    let flow =
        support::create_flow(&s, &token, json!({"name": "Small", "type": "inboundcall"})).await;
    let digits: Vec<&str> = vec!["1"; 300_000];
    let r = s
        .post(
            "/api/v2/flows/executions",
            &token,
            json!({"flowId": flow, "simulation": {"digits": digits}}),
        )
        .await;
    r.expect(413, Some("request.entity.too.large"));
    // Nothing ran: the flow has no executions.
    let listed = s
        .get(&format!("/api/v2/flows/{flow}/executions"), &token)
        .await;
    assert_eq!(listed.body["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_fails_at_the_action_limit_while_the_server_keeps_answering() {
    let s = std::sync::Arc::new(support::server().await);
    let token = s.admin_token().await;
    let flow = support::create_flow(&s, &token, endless_loop()).await;

    let loops: Vec<_> = (0..4)
        .map(|_| {
            let (s, token, flow) = (s.clone(), token.clone(), flow.clone());
            tokio::spawn(async move { support::call(&s, &token, &flow, json!({})).await })
        })
        .collect();
    // Requests keep being answered while the loops run (the engine is off the async workers).
    for _ in 0..5 {
        let me = s.get("/api/v2/organizations/me", &token).await;
        assert_eq!(me.status, 200, "{}", me.body);
    }
    for handle in loops {
        let exec = handle.await.expect("call task");
        assert_eq!(exec["status"], "FAILED");
        assert_eq!(exec["trace"]["actionCount"], 10_000);
        let reason = exec["flowErrorInfo"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            reason.contains("action limit exceeded: 10000 actions"),
            "{reason}"
        );
        // The trace keeps its head and tail; the middle of the loop is counted, not stored.
        let kept = steps(&exec);
        assert_eq!(kept.len(), 2_000);
        assert_eq!(exec["trace"]["stepsOmitted"], 10_001 - 2_000);
        assert_eq!(kept[0]["nodeId"], "count");
        assert_eq!(kept[kept.len() - 1]["event"]["type"], "actionLimit");
    }
}
