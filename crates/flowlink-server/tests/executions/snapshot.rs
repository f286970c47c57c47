//! One complete execution body (FlowRuntimeExecution + trace) as a snapshot, with ids and
//! dates redacted, so any change to the wire shape shows up in review.

use serde_json::{json, Value};

use crate::support;

/// Replaces each id by a stable label everywhere it occurs (also inside URIs).
fn label_ids(body: &Value, ids: &[(&str, &str)]) -> Value {
    let mut text = body.to_string();
    for (id, label) in ids {
        text = text.replace(id, label);
    }
    serde_json::from_str(&text).expect("still JSON")
}

#[tokio::test]
async fn a_full_execution_body() {
    let s = support::server().await;
    let token = s.admin_token().await;
    let module = support::create_module(
        &s,
        &token,
        json!({"name": "Shared Auth", "definition": {
            "nodes": [
                {"id": "init", "name": "Init Auth Status", "type": "setData",
                 "settings": {"data": [{"key": "auth_status", "value": "pending"},
                                       {"key": "Common.greeting", "value": {"expression": "\"Hello \" + Common.caller"}}]}},
                {"id": "tag", "name": "Tag", "type": "tagInteraction", "settings": {"tags": ["common-module-executed"]}},
                {"id": "say", "name": "Say", "type": "playPrompt",
                 "settings": {"prompt": {"text": "This is a message from the shared common module.", "locale": "en-US"}}}],
            "edges": [{"id": "e0", "source": "start", "target": "init"},
                      {"id": "e1", "source": "init", "target": "tag"},
                      {"id": "e2", "source": "tag", "target": "say"}],
            "entry": {"nodeId": "init"},
            "variables": [{"name": "Common.caller", "type": "string", "input": true},
                          {"name": "Common.greeting", "type": "string", "output": true}]}}),
    )
    .await;
    let flow = support::create_flow(
        &s,
        &token,
        json!({"name": "Snapshot Line", "type": "inboundcall", "actions": [
            {"type": "callFlow", "name": "Shared Auth", "flow": {"id": module, "version": null},
             "inputMappings": [{"name": "caller", "value": {"expression": "Call.Ani"}}],
             "outputMappings": [{"name": "Common.greeting", "variable": "Flow.greeting"}]},
            {"type": "collectInput", "name": "Menu", "digits": 1,
             "prompt": {"text": "Press 1 for sales.", "locale": "en-US"},
             "outputs": {"dtmf:1": [{"type": "transferToAcd", "name": "To Sales", "queue": "Sales"}]}},
            {"type": "disconnect", "name": "Bye"}],
         "variables": [{"name": "Flow.greeting", "type": "string", "output": true}]}),
    )
    .await;
    let launched = support::launch(
        &s,
        &token,
        json!({"flowId": flow, "name": "snapshot call",
               "simulation": {"ani": "+14445550100", "dnis": "+18005550199", "digits": ["1"]}}),
    )
    .await;
    let exec_id = support::id_of(&launched);
    let exec = support::execution(&s, &token, &exec_id).await;
    let client = exec["flowVersion"]["createdByClient"]["id"]
        .as_str()
        .unwrap_or("no-client")
        .to_string();
    let body = label_ids(
        &exec,
        &[
            (&exec_id, "[execution]"),
            (&flow, "[flow]"),
            (&module, "[module]"),
            (&client, "[client]"),
        ],
    );
    insta::assert_json_snapshot!(body, {
        ".dateLaunched" => "[date]",
        ".dateCompleted" => "[date]",
        ".flowVersion.dateCreated" => "[epoch-ms]",
        ".flowVersion.dateCheckedIn" => "[epoch-ms]",
        ".flowVersion.dateSaved" => "[epoch-ms]",
        ".flowVersion.datePublished" => "[date]",
    });
}
