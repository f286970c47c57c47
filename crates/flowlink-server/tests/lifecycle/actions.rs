//! The action endpoints' request handling (the SDKs' bodiless POSTs, required and bad
//! parameters, scopes) and deactivation, which makes module calls into a module fail.

use serde_json::json;

use crate::support::{self, action, action_with, client, mark, ok, run, Quirk};

#[tokio::test]
async fn actions_accept_the_sdk_bodies_and_check_their_parameters() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let id = support::flow(&s, &admin, "Main IVR", "inboundcall", support::plain()).await;
    for quirk in [Quirk::NullBody, Quirk::EmptyBody, Quirk::Bare] {
        let r = action_with(&s, &admin, "checkout", &format!("flow={id}"), quirk).await;
        assert_eq!(r.status, 200, "{quirk:?}: {}", r.body);
        let r = action_with(&s, &admin, "revert", &format!("flow={id}"), quirk).await;
        assert_eq!(r.status, 200, "{quirk:?}: {}", r.body);
    }
    action_with(&s, &admin, "checkout", "", Quirk::NullBody)
        .await
        .expect(400, Some("bad.request"));
    action(&s, &admin, "checkout", &uuid::Uuid::new_v4().to_string())
        .await
        .expect(404, Some("not.found"));
    action(&s, &admin, "checkout", "not-a-uuid")
        .await
        .expect(404, Some("not.found"));
    for bad in ["x", "0", "2.5"] {
        action_with(
            &s,
            &admin,
            "publish",
            &format!("flow={id}&version={bad}"),
            Quirk::NullBody,
        )
        .await
        .expect(400, Some("bad.request"));
    }
    action_with(
        &s,
        &admin,
        "publish",
        &format!("flow={id}&version=9.0"),
        Quirk::NullBody,
    )
    .await
    .expect(400, Some("bad.request"));
    // Another organization's flow does not exist for this caller.
    let other = s.other_org_token().await;
    action(&s, &other, "checkout", &id)
        .await
        .expect(404, Some("not.found"));
    // Read-only callers cannot take locks; deleted flows are gone.
    let reader = s.token_with_scopes(&["architect:readonly"]).await;
    action(&s, &reader, "checkout", &id)
        .await
        .expect(403, Some("missing.any.permissions"));
    s.delete(&format!("/api/v2/flows/{id}"), &admin)
        .await
        .expect(204, None);
    action(&s, &admin, "checkout", &id)
        .await
        .expect(410, Some("architect.flow.deleted"));
}

#[tokio::test]
async fn module_writers_may_run_the_lifecycle_of_modules_only() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let modules_only = s.token_with_scopes(&["flow:flowmodule:write"]).await;
    let module = support::module(&s, &admin, "Shared Auth", "v1").await;
    let ivr = support::flow(&s, &admin, "Main IVR", "inboundcall", support::plain()).await;
    ok(&s, &modules_only, "checkout", &module).await;
    ok(&s, &modules_only, "publish", &module).await;
    action(&s, &modules_only, "checkout", &ivr)
        .await
        .expect(403, Some("missing.any.permissions"));
}

#[tokio::test]
async fn a_deactivated_module_makes_calls_into_it_fail_until_republished() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let module = support::module(&s, &admin, "Shared Auth", "v1").await;
    let ivr = support::flow(
        &s,
        &admin,
        "Main IVR",
        "inboundcall",
        support::calling(&module, None),
    )
    .await;
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v1"));

    // While someone else holds the lock, deactivation is theirs to do.
    let holder = client(&s, "Holder", &["architect"]).await;
    ok(&s, &holder.token, "checkout", &module).await;
    action(&s, &admin, "deactivate", &module)
        .await
        .expect(409, Some("architect.flow.locked"));
    ok(&s, &holder.token, "revert", &module).await;

    let off = ok(&s, &admin, "deactivate", &module).await;
    assert_eq!(off["active"], false);
    assert_eq!(off["publishedVersion"]["id"], "1.0");
    let exec = run(&s, &admin, &ivr).await;
    assert_eq!(mark(&exec), None, "{exec}");
    assert_eq!(exec["status"], "FAILED", "{exec}");
    let failed: Vec<_> = exec["trace"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["event"]["type"] == "moduleCallFailed")
        .collect();
    assert_eq!(failed.len(), 1, "{exec}");
    let reason = failed[0]["event"]["reason"].as_str().unwrap();
    assert!(reason.contains("deactivated"), "{reason}");

    // Publishing makes it active again.
    ok(&s, &admin, "publish", &module).await;
    let back = support::get(&s, &admin, &module).await;
    assert_eq!(back["active"], true);
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v1"));
    assert_eq!(json!(back["publishedVersion"]["id"]), json!("1.0"));
}
