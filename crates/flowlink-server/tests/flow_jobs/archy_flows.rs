//! `archy` on the flow paths (SPEC §9): POST/PUT carrying Archy text, module calls bound by
//! name, simulated calls of Archy flows, and the bulk link editing the text.

use serde_json::json;

use crate::common::TestServer;
use crate::support::{import_ok, inbound, module, workflow};

#[tokio::test]
async fn post_and_put_carry_archy_instead_of_json_logic() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = module("Lookup");
    let created = s
        .post("/api/v2/flows/flowmodules", &t, json!({"archy": m}))
        .await;
    created.expect(200, None);
    assert_eq!(created.body["name"], "Lookup");
    assert_eq!(created.body["type"], "COMMONMODULE");
    assert_eq!(created.body["archy"], m.as_str());
    assert!(created.body["definition"].is_null(), "{}", created.body);

    let f = inbound("Caller", &["lookup"]);
    let flow = s
        .post(
            "/api/v2/flows",
            &t,
            json!({"archy": f, "type": "inboundcall"}),
        )
        .await;
    flow.expect(200, None);
    let id = flow.body["id"].as_str().unwrap().to_string();

    // Type and name must agree with the file; JSON logic beside it is refused.
    for (body, says) in [
        (
            json!({"archy": inbound("X", &[]), "type": "inboundchat"}),
            "root key",
        ),
        (json!({"archy": inbound("X", &[]), "name": "Y"}), "'Y'"),
        (
            json!({"archy": inbound("X", &[]), "actions": [{"type": "disconnect"}]}),
            "both",
        ),
        (json!({"archy": inbound("X", &["Nowhere"])}), "'Nowhere'"),
        (
            json!({"archy": "inboundCall:\n  name: X\n\tbad: tab\n"}),
            "line 3",
        ),
    ] {
        let r = s.post("/api/v2/flows", &t, body.clone()).await;
        r.expect(400, Some("bad.request"));
        assert!(r.body.to_string().contains(says), "{body}: {}", r.body);
    }
    s.post(
        "/api/v2/flows/flowmodules",
        &t,
        json!({"archy": inbound("Z", &[])}),
    )
    .await
    .expect(400, Some("bad.request"));

    // PUT: a new version; the same text again changes nothing; another name is refused.
    let v = flow.body["version"].as_i64().unwrap();
    let changed = f.replace("Welcome", "Hello");
    let put = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"archy": changed, "version": v}),
        )
        .await;
    put.expect(200, None);
    assert_eq!(put.body["publishedVersion"]["id"], "2.0");
    assert_eq!(put.body["archy"], changed.as_str());
    let same = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"archy": changed}),
        )
        .await;
    assert_eq!(same.body["publishedVersion"]["id"], "2.0");
    s.put(
        &format!("/api/v2/flows/{id}"),
        &t,
        json!({"archy": inbound("Renamed", &["Lookup"])}),
    )
    .await
    .expect(400, Some("bad.request"));
    // A rename without the text is refused: the text names the flow.
    s.put(
        &format!("/api/v2/flows/{id}"),
        &t,
        json!({"name": "Renamed"}),
    )
    .await
    .expect(400, Some("bad.request"));
    // Renaming in the file and the body together is a rename.
    let renamed = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"archy": inbound("Renamed", &["Lookup"]), "name": "renamed"}),
        )
        .await;
    renamed.expect(200, None);
    assert_eq!(renamed.body["name"], "Renamed");
    // Back to a JSON dialect: the archy field goes away.
    let json_again = s
        .put(
            &format!("/api/v2/flows/{id}"),
            &t,
            json!({"actions": [{"type": "disconnect", "name": "Bye"}]}),
        )
        .await;
    json_again.expect(200, None);
    assert!(json_again.body["archy"].is_null(), "{}", json_again.body);
}

#[tokio::test]
async fn archy_voice_flows_run_and_other_types_answer_400() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    import_ok(&s, &t, &module("Shared")).await;
    let flow = import_ok(&s, &t, &inbound("Runs", &["Shared"])).await;
    let launched = s
        .post("/api/v2/flows/executions", &t, json!({"flowId": flow}))
        .await;
    launched.expect(200, None);
    let exec = s
        .get(
            &format!(
                "/api/v2/flows/executions/{}",
                launched.body["id"].as_str().unwrap()
            ),
            &t,
        )
        .await;
    assert_eq!(exec.body["status"], "COMPLETED", "{}", exec.body);
    assert_eq!(
        exec.body["completionReason"], "disconnected",
        "{}",
        exec.body
    );

    let wf = import_ok(&s, &t, &workflow("Back Office")).await;
    s.post("/api/v2/flows/executions", &t, json!({"flowId": wf}))
        .await
        .expect(400, Some("flow.type.not.simulated"));
}

#[tokio::test]
async fn the_bulk_link_edits_archy_text_byte_for_byte() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    let m = import_ok(&s, &t, &module("Greeter")).await;
    let original = format!("# my flow\n{}", inbound("Linked", &[]));
    let flow = import_ok(&s, &t, &original).await;
    let link = |unlink: bool| json!({"flowIds": [flow.clone()], "unlink": unlink});
    let r = s
        .post(
            &format!("/api/v2/flows/flowmodules/{m}/actions/link"),
            &t,
            link(false),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["results"][0]["status"], "linked", "{}", r.body);
    let linked = s.get(&format!("/api/v2/flows/{flow}"), &t).await;
    let text = linked.body["archy"].as_str().unwrap().to_string();
    assert!(
        text.contains("callCommonModule") && text.contains("Greeter"),
        "{text}"
    );
    assert!(text.starts_with("# my flow\n"), "{text}");
    // Linked by name: a dependency.
    s.delete(&format!("/api/v2/flows/flowmodules/{m}"), &t)
        .await
        .expect(409, Some("architect.flow.in.use"));
    let again = s
        .post(
            &format!("/api/v2/flows/flowmodules/{m}/actions/link"),
            &t,
            link(false),
        )
        .await;
    assert_eq!(
        again.body["results"][0]["status"], "alreadyLinked",
        "{}",
        again.body
    );
    let un = s
        .post(
            &format!("/api/v2/flows/flowmodules/{m}/actions/link"),
            &t,
            link(true),
        )
        .await;
    assert_eq!(un.body["results"][0]["status"], "unlinked", "{}", un.body);
    let back = s.get(&format!("/api/v2/flows/{flow}"), &t).await;
    assert_eq!(back.body["archy"], original.as_str());
}
