//! Delete protection: a module that any flow's published, checked-in or draft version calls
//! cannot be deleted (409 listing each consumer, nothing changes); once every caller has
//! unlinked it, the delete goes through.

use serde_json::json;

use crate::support::{self, client, ok};

#[tokio::test]
async fn delete_is_refused_while_in_use_and_allowed_after_unlink() {
    let s = support::server().await;
    let t = s.admin_token().await;
    let editor = client(&s, "Editor", &["architect"]).await;
    let auth = support::module(&s, &t, "Auth", "v1").await;
    let published = support::flow(
        &s,
        &t,
        "Published caller",
        "inboundcall",
        support::calling(&auth, Some(1)),
    )
    .await;
    let drafting = support::flow(&s, &t, "Draft caller", "inboundcall", support::plain()).await;
    ok(&s, &editor.token, "checkout", &drafting).await;
    support::put_logic(&s, &editor.token, &drafting, support::calling(&auth, None))
        .await
        .expect(200, None);

    let module_path = format!("/api/v2/flows/{auth}");
    let refused = s.delete(&module_path, &t).await;
    refused.expect(409, Some("architect.flow.in.use"));
    let details = refused.body["details"].as_array().unwrap();
    let mut ids: Vec<&str> = details
        .iter()
        .map(|d| d["entityId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = [published.as_str(), drafting.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let messages: Vec<&str> = details
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("'Draft caller' version 2.0") && m.contains("floating")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("'Published caller' version 1.0") && m.contains("pinned to 1.0")),
        "{messages:?}"
    );
    assert_eq!(support::get(&s, &t, &auth).await["deleted"], false);

    // Unlink the published caller: the draft alone still protects the module.
    support::put_logic(&s, &t, &published, support::plain())
        .await
        .expect(200, None);
    let refused = s.delete(&module_path, &t).await;
    refused.expect(409, Some("architect.flow.in.use"));
    assert_eq!(refused.body["details"].as_array().unwrap().len(), 1);
    assert_eq!(refused.body["details"][0]["entityName"], "Draft caller");

    // Reverting the draft unlinks the last caller: the delete goes through.
    ok(&s, &editor.token, "revert", &drafting).await;
    s.delete(&module_path, &t).await.expect(204, None);
    s.get(&module_path, &t)
        .await
        .expect(410, Some("architect.flow.deleted"));
    let deleted = s
        .get(
            "/api/v2/architect/dependencytracking/deletedresourceconsumers?flowFilter=published",
            &t,
        )
        .await;
    assert_eq!(deleted.body["total"], 0, "{}", deleted.body);
    let consuming = s
        .get(&format!("/api/v2/architect/dependencytracking/consumingresources?id={auth}&objectType=COMMONMODULEFLOW"), &t)
        .await;
    assert_eq!(consuming.body["total"], 0, "{}", consuming.body);
    // Old versions that called it cannot be published again.
    let r = support::action_with(
        &s,
        &t,
        "publish",
        &format!("flow={published}&version=1"),
        support::Quirk::NullBody,
    )
    .await;
    r.expect(400, Some("bad.request"));
    assert!(
        r.body["message"].as_str().unwrap().contains(&auth),
        "{}",
        r.body
    );
    assert_eq!(
        json!(support::get(&s, &t, &published).await["publishedVersion"]["id"]),
        json!("2.0")
    );
}
