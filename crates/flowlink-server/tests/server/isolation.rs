//! Organization isolation: another organization's objects are indistinguishable from absent.

use serde_json::json;

use crate::common::TestServer;

#[tokio::test]
async fn other_org_gets_404_and_never_sees_listings() {
    let s = TestServer::start().await;
    let mine = s.admin_token().await;
    let theirs = s.other_org_token().await;
    let module = s.create_named(&mine, "commonmodule", "Secret Module").await;
    let flow = s.create_named(&mine, "inboundcall", "Secret Flow").await;
    for path in [
        format!("/api/v2/flows/{flow}"),
        format!("/api/v2/flows/flowmodules/{module}"),
        format!("/api/v2/flows/{flow}/versions"),
        format!("/api/v2/flows/{flow}/versions/1.0"),
        format!("/api/v2/flows/{flow}/latestconfiguration"),
    ] {
        s.get(&path, &theirs).await.expect(404, Some("not.found"));
    }
    s.put(
        &format!("/api/v2/flows/{flow}"),
        &theirs,
        json!({"description": "x"}),
    )
    .await
    .expect(404, Some("not.found"));
    s.delete(&format!("/api/v2/flows/{flow}"), &theirs)
        .await
        .expect(404, Some("not.found"));
    for q in [
        "",
        "?deleted=true",
        "?type=commonmodule",
        &format!("?id={flow}"),
    ] {
        let l = s.get(&format!("/api/v2/flows{q}"), &theirs).await;
        assert_eq!(l.body["total"], 0, "{q}");
    }
    assert_eq!(
        s.get("/api/v2/flows/flowmodules", &theirs).await.body["total"],
        0
    );
    // Their flows cannot call my module.
    let r = s
        .post(
            "/api/v2/flows",
            &theirs,
            json!({"name": "Thief", "type": "inboundcall", "actions": [
                {"type": "callFlow", "name": "c", "flow": {"id": module}}]}),
        )
        .await;
    r.expect(400, Some("bad.request"));
    // The same name is free in their organization.
    s.create_named(&theirs, "inboundcall", "Secret Flow").await;
    let me = s.get("/api/v2/organizations/me", &theirs).await;
    assert_eq!(me.body["name"], "other");
    // And my view is untouched.
    assert_eq!(s.get("/api/v2/flows", &mine).await.body["total"], 2);
    let d = s.get(&format!("/api/v2/flows/{flow}"), &mine).await;
    assert!(d.body.get("description").is_none());
}
