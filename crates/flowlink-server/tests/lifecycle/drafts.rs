//! Drafts: while a client holds the checkout, its logic writes become `savedVersion` and run
//! nowhere until published; checkin keeps them unpublished; revert drops them.

use serde_json::json;

use crate::support::{self, client, mark, ok, pointers, run};

#[tokio::test]
async fn a_draft_runs_nowhere_until_published() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let editor = client(&s, "Editor", &["architect"]).await;
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

    let out = ok(&s, &editor.token, "checkout", &module).await;
    assert_eq!(out["lockedClient"]["id"], editor.id.as_str());
    let draft = support::put_logic(&s, &editor.token, &module, support::marking("v2")).await;
    draft.expect(200, None);
    assert_eq!(
        pointers(&draft.body),
        (json!("1.0"), json!("2.0"), json!("1.0"))
    );
    assert_eq!(draft.body["savedVersion"]["type"], "SAVE");
    // The holder sees its draft; nothing live changed: calls still run version 1.
    let seen = support::get(&s, &editor.token, &module).await;
    assert_eq!(seen["actions"], support::marking("v2"));
    assert_eq!(seen["publishedVersion"]["id"], "1.0");
    let exec = run(&s, &admin, &ivr).await;
    assert_eq!(mark(&exec).as_deref(), Some("v1"), "{exec}");
    let v2 = s
        .get(&format!("/api/v2/flows/{module}/versions/2.0"), &admin)
        .await;
    assert_eq!(v2.body["type"], "SAVE");

    // Publish: a completed Operation; the draft is live and the lock released.
    let op = ok(&s, &editor.token, "publish", &module).await;
    assert_eq!(op["complete"], true);
    assert_eq!(op["actionName"], "PUBLISH");
    assert_eq!(op["actionStatus"], "SUCCESS");
    assert_eq!(op["client"]["id"], editor.id.as_str());
    assert!(op["id"].as_str().is_some_and(|i| !i.is_empty()));
    let published = support::get(&s, &admin, &module).await;
    assert_eq!(
        pointers(&published),
        (json!("2.0"), json!(null), json!("2.0"))
    );
    assert_eq!(published["active"], true);
    assert!(published.get("lockedClient").is_none(), "{published}");
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v2"));
    let v2 = s
        .get(&format!("/api/v2/flows/{module}/versions/2.0"), &admin)
        .await;
    assert_eq!(v2.body["type"], "PUBLISH");

    // Checkin: version 3 becomes checkedInVersion, still unpublished, lock released.
    ok(&s, &editor.token, "checkout", &module).await;
    support::put_logic(&s, &editor.token, &module, support::marking("v3"))
        .await
        .expect(200, None);
    let op = ok(&s, &editor.token, "checkin", &module).await;
    assert_eq!(
        (op["actionName"].clone(), op["actionStatus"].clone()),
        (json!("CHECKIN"), json!("SUCCESS"))
    );
    assert_eq!(op["complete"], true);
    let checked_in = support::get(&s, &admin, &module).await;
    assert_eq!(
        pointers(&checked_in),
        (json!("2.0"), json!(null), json!("3.0"))
    );
    assert!(checked_in.get("lockedClient").is_none());
    assert_eq!(checked_in["checkedInVersion"]["type"], "CHECKIN");
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v2"));

    // Anyone may publish an unlocked flow: the checked-in version goes live.
    ok(&s, &admin, "publish", &module).await;
    assert_eq!(pointers(&support::get(&s, &admin, &module).await).0, "3.0");
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v3"));

    // `version` publishes an older version (a rollback) without creating a new one.
    let r = support::action_with(
        &s,
        &admin,
        "publish",
        &format!("flow={module}&version=1.0"),
        support::Quirk::EmptyBody,
    )
    .await;
    r.expect(200, None);
    let rolled = support::get(&s, &admin, &module).await;
    assert_eq!(pointers(&rolled).0, "1.0");
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v1"));
    let versions = s
        .get(&format!("/api/v2/flows/{module}/versions"), &admin)
        .await;
    assert_eq!(versions.body["total"], 3);
}

#[tokio::test]
async fn revert_drops_the_draft_and_releases_the_lock() {
    let s = support::server().await;
    let admin = s.admin_token().await;
    let editor = client(&s, "Editor", &["architect"]).await;
    let module = support::module(&s, &admin, "Shared Auth", "v1").await;
    let ivr = support::flow(
        &s,
        &admin,
        "Main IVR",
        "inboundcall",
        support::calling(&module, None),
    )
    .await;

    ok(&s, &editor.token, "checkout", &module).await;
    support::put_logic(&s, &editor.token, &module, support::marking("draft"))
        .await
        .expect(200, None);
    let reverted = ok(&s, &editor.token, "revert", &module).await;
    assert_eq!(
        pointers(&reverted),
        (json!("1.0"), json!(null), json!("1.0"))
    );
    assert!(reverted.get("lockedClient").is_none(), "{reverted}");
    assert_eq!(reverted["actions"], support::marking("v1"));
    let config = s
        .get(
            &format!("/api/v2/flows/{module}/latestconfiguration"),
            &admin,
        )
        .await;
    assert_eq!(config.body["actions"], support::marking("v1"));
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v1"));
    // The dropped draft stays in the history, but nothing points at it.
    let v2 = s
        .get(&format!("/api/v2/flows/{module}/versions/2.0"), &admin)
        .await;
    assert_eq!(v2.body["type"], "SAVE");
    // Unlocked again: the next write without checkout publishes at once, as version 3.
    let r = support::put_logic(&s, &admin, &module, support::marking("v3")).await;
    assert_eq!(pointers(&r.body), (json!("3.0"), json!(null), json!("3.0")));
    assert_eq!(mark(&run(&s, &admin, &ivr).await).as_deref(), Some("v3"));
}
