//! Every dependency-tracking endpoint, with floating and pinned callers across module
//! versions, a module calling a module, drafts and check-ins, and `updatedresourceconsumers`
//! following a module publish.

use serde_json::{json, Value};

use crate::common::{names, TestServer};
use crate::support::{self, client, ok};

const BASE: &str = "/api/v2/architect/dependencytracking";

async fn get(s: &TestServer, token: &str, path_and_query: &str) -> Value {
    let r = s.get(&format!("{BASE}{path_and_query}"), token).await;
    assert_eq!(r.status, 200, "{path_and_query}: {}", r.body);
    r.body
}

/// `(name, version, floating, pinnedVersion, updated)` of each entity.
fn calls(listing: &Value) -> Vec<(String, String, bool, Option<String>, bool)> {
    listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["version"].as_str().unwrap().to_string(),
                e["floating"].as_bool().unwrap(),
                e["pinnedVersion"].as_str().map(str::to_string),
                e["updated"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn call(
    name: &str,
    version: &str,
    pin: Option<&str>,
    updated: bool,
) -> (String, String, bool, Option<String>, bool) {
    (
        name.into(),
        version.into(),
        pin.is_none(),
        pin.map(str::to_string),
        updated,
    )
}

#[tokio::test]
async fn every_endpoint_with_floating_and_pinned_callers_across_versions() {
    let s = support::server().await;
    let t = s.admin_token().await;
    // Module "Auth" at version 2 (published); "Wrapper" (a module) calls it floating.
    let auth = support::module(&s, &t, "Auth", "v1").await;
    support::put_logic(&s, &t, &auth, support::marking("v2"))
        .await
        .expect(200, None);
    let a = support::flow(
        &s,
        &t,
        "A floating",
        "inboundcall",
        support::calling(&auth, None),
    )
    .await;
    let b = support::flow(
        &s,
        &t,
        "B pinned 1",
        "inboundcall",
        support::calling(&auth, Some(1)),
    )
    .await;
    let c = support::flow(
        &s,
        &t,
        "C pinned 2",
        "inboundchat",
        support::calling(&auth, Some(2)),
    )
    .await;
    let w = s
        .post(
            "/api/v2/flows/flowmodules",
            &t,
            json!({"name": "Wrapper", "actions": support::calling(&auth, None)}),
        )
        .await;
    let w = w.body["id"].as_str().unwrap().to_string();
    let _unrelated = support::flow(&s, &t, "Unrelated", "inboundcall", support::plain()).await;

    let consuming = format!("/consumingresources?id={auth}&objectType=COMMONMODULEFLOW");
    let all = get(&s, &t, &consuming).await;
    assert_eq!(
        calls(&all),
        [
            call("A floating", "1.0", None, false),
            call("B pinned 1", "1.0", Some("1.0"), true),
            call("C pinned 2", "1.0", Some("2.0"), false),
            call("Wrapper", "1.0", None, false),
        ]
    );
    assert_eq!(all["total"], 4);
    let types: Vec<&str> = all["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "INBOUNDCALLFLOW",
            "INBOUNDCALLFLOW",
            "INBOUNDCHATFLOW",
            "COMMONMODULEFLOW"
        ]
    );
    assert_eq!(all["entities"][0]["id"], a.as_str());
    assert_eq!(all["entities"][0]["selfUri"], format!("/api/v2/flows/{a}"));
    assert_eq!(
        all["selfUri"],
        format!("{BASE}/consumingresources?pageSize=25&pageNumber=1")
    );

    // Filters: consumer types, the module version consumed (floating calls consume the
    // published one), paging.
    let inbound = get(
        &s,
        &t,
        &format!("{consuming}&resourceType=INBOUNDCALLFLOW,commonmoduleflow"),
    )
    .await;
    assert_eq!(names(&inbound), ["A floating", "B pinned 1", "Wrapper"]);
    let v1 = get(&s, &t, &format!("{consuming}&version=1.0")).await;
    assert_eq!(names(&v1), ["B pinned 1"]);
    let v2 = get(&s, &t, &format!("{consuming}&version=2")).await;
    assert_eq!(names(&v2), ["A floating", "C pinned 2", "Wrapper"]);
    let page2 = get(&s, &t, &format!("{consuming}&pageSize=3&pageNumber=2")).await;
    assert_eq!(names(&page2), ["Wrapper"]);
    assert_eq!(
        (page2["total"].clone(), page2["pageCount"].clone()),
        (json!(4), json!(2))
    );
    assert!(page2.get("nextUri").is_none());
    let page1 = get(&s, &t, &format!("{consuming}&pageSize=3")).await;
    assert_eq!(
        page1["nextUri"],
        format!("{BASE}/consumingresources?pageSize=3&pageNumber=2")
    );

    // Required and malformed parameters; objects that are not what the type says.
    for bad in [
        format!("/consumingresources?id={auth}"),
        "/consumingresources?objectType=COMMONMODULEFLOW".to_string(),
        format!("/consumingresources?id={auth}&objectType=QUEUE"),
        format!("{consuming}&flowFilter=all"),
        format!("{consuming}&resourceType=nope"),
        format!("/consumedresources?id={a}&objectType=INBOUNDCALLFLOW"),
        format!("/consumedresources?id={a}&version=1.0"),
        "/object".to_string(),
        "".to_string(),
    ] {
        let r = s.get(&format!("{BASE}{bad}"), &t).await;
        r.expect(400, Some("bad.request"));
    }
    s.get(
        &format!("{BASE}/consumingresources?id={auth}&objectType=INBOUNDCALLFLOW"),
        &t,
    )
    .await
    .expect(404, Some("not.found"));
    let none = get(
        &s,
        &t,
        &format!("/consumingresources?id={a}&objectType=INBOUNDCALLFLOW"),
    )
    .await;
    assert_eq!(none["total"], 0);

    // consumedresources: what one version calls, at the version it runs.
    let consumed =
        |id: &str, t: &str| format!("/consumedresources?id={id}&version=1.0&objectType={t}");
    let of_a = get(&s, &t, &consumed(&a, "INBOUNDCALLFLOW")).await;
    assert_eq!(calls(&of_a), [call("Auth", "2.0", None, false)]);
    assert_eq!(of_a["entities"][0]["type"], "COMMONMODULEFLOW");
    let of_b = get(&s, &t, &consumed(&b, "INBOUNDCALLFLOW")).await;
    assert_eq!(calls(&of_b), [call("Auth", "1.0", Some("1.0"), true)]);
    let of_w = get(&s, &t, &consumed(&w, "COMMONMODULEFLOW")).await;
    assert_eq!(names(&of_w), ["Auth"]);
    let filtered = get(
        &s,
        &t,
        &format!(
            "{}&resourceType=INBOUNDCALLFLOW",
            consumed(&a, "INBOUNDCALLFLOW")
        ),
    )
    .await;
    assert_eq!(filtered["total"], 0);
    s.get(
        &format!("{BASE}/consumedresources?id={a}&version=7.0&objectType=INBOUNDCALLFLOW"),
        &t,
    )
    .await
    .expect(404, Some("not.found"));

    // object: one flow with its lists.
    let obj = get(
        &s,
        &t,
        &format!("/object?id={auth}&consumingResources=true&consumedResources=true"),
    )
    .await;
    assert_eq!(obj["type"], "COMMONMODULEFLOW");
    assert_eq!(obj["version"], "2.0");
    assert_eq!(obj["consumingResources"].as_array().unwrap().len(), 4);
    assert_eq!(obj["consumedResources"], json!([]));
    let plain = get(&s, &t, &format!("/object?id={c}")).await;
    assert_eq!(plain["type"], "INBOUNDCHATFLOW");
    assert!(plain.get("consumedResources").is_none() && plain.get("consumingResources").is_none());
    let wrapper = get(&s, &t, &format!("/object?id={w}&consumedResources=true")).await;
    assert_eq!(wrapper["consumedResources"][0]["id"], auth.as_str());

    // The base path: objects by name.
    let found = get(
        &s,
        &t,
        "?name=*r*&objectType=COMMONMODULEFLOW&consumedResources=true",
    )
    .await;
    assert_eq!(names(&found), ["Wrapper"]);
    assert_eq!(found["entities"][0]["consumedResources"][0]["name"], "Auth");
    let pinned = get(&s, &t, "?name=pinned").await;
    assert_eq!(names(&pinned).len(), 2);

    // types and build.
    let types = get(&s, &t, "/types?pageSize=100").await;
    assert_eq!(types["total"], 20);
    let ids: Vec<&str> = types["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"COMMONMODULEFLOW")
            && ids.contains(&"INBOUNDCALLFLOW")
            && ids.contains(&"WORKFLOW")
    );
    let one = get(&s, &t, "/types/commonmoduleflow").await;
    assert_eq!(
        (one["id"].clone(), one["versioned"].clone()),
        (json!("COMMONMODULEFLOW"), json!(true))
    );
    s.get(&format!("{BASE}/types/QUEUE"), &t)
        .await
        .expect(404, Some("not.found"));
    assert_eq!(get(&s, &t, "/build").await["status"], "OPERATIONAL");
    let rebuild = s.post(&format!("{BASE}/build"), &t, Value::Null).await;
    assert_eq!(rebuild.status, 202);
    assert_eq!(rebuild.body, Value::Null);

    // Stale pins: B is behind version 2; nothing calls a deleted module.
    let updated = get(&s, &t, "/updatedresourceconsumers?consumedResources=true").await;
    assert_eq!(names(&updated), ["B pinned 1"]);
    assert_eq!(updated["entities"][0]["updated"], true);
    assert_eq!(
        calls(&json!({"entities": updated["entities"][0]["consumedResources"]})),
        [call("Auth", "1.0", Some("1.0"), true)]
    );
    assert_eq!(get(&s, &t, "/deletedresourceconsumers").await["total"], 0);

    // A module publish (through the lifecycle) moves the published version to 3: C's pin is
    // now stale too, and floating callers consume version 3.
    ok(&s, &t, "checkout", &auth).await;
    support::put_logic(&s, &t, &auth, support::marking("v3"))
        .await
        .expect(200, None);
    assert_eq!(
        names(&get(&s, &t, "/updatedresourceconsumers").await),
        ["B pinned 1"]
    );
    ok(&s, &t, "publish", &auth).await;
    let updated = get(&s, &t, "/updatedresourceconsumers").await;
    assert_eq!(names(&updated), ["B pinned 1", "C pinned 2"]);
    let chats = get(
        &s,
        &t,
        "/updatedresourceconsumers?objectType=INBOUNDCHATFLOW",
    )
    .await;
    assert_eq!(names(&chats), ["C pinned 2"]);
    let named = get(&s, &t, "/updatedresourceconsumers?name=b%20pin").await;
    assert_eq!(names(&named), ["B pinned 1"]);
    assert_eq!(
        calls(&get(&s, &t, &consumed(&a, "INBOUNDCALLFLOW")).await),
        [call("Auth", "3.0", None, false)]
    );
    assert_eq!(
        names(&get(&s, &t, &format!("{consuming}&version=3.0")).await),
        ["A floating", "Wrapper"]
    );
}

#[tokio::test]
async fn flow_filters_follow_drafts_checkins_and_publishes() {
    let s = support::server().await;
    let t = s.admin_token().await;
    let editor = client(&s, "Editor", &["architect"]).await;
    let auth = support::module(&s, &t, "Auth", "v1").await;
    let live = support::flow(&s, &t, "Live", "inboundcall", support::calling(&auth, None)).await;
    let later = support::flow(&s, &t, "Later", "inboundcall", support::plain()).await;
    let consuming = format!("/consumingresources?id={auth}&objectType=COMMONMODULEFLOW");
    let by = |filter: &str| format!("{consuming}{filter}");

    // A draft that links the module counts as a current use, but is neither checked in nor
    // published.
    ok(&s, &editor.token, "checkout", &later).await;
    support::put_logic(&s, &editor.token, &later, support::calling(&auth, None))
        .await
        .expect(200, None);
    assert_eq!(names(&get(&s, &t, &by("")).await), ["Later", "Live"]);
    assert_eq!(get(&s, &t, &by("")).await["entities"][0]["version"], "2.0");
    assert_eq!(
        names(&get(&s, &t, &by("&flowFilter=published")).await),
        ["Live"]
    );
    assert_eq!(
        names(&get(&s, &t, &by("&flowFilter=checkedIn")).await),
        ["Live"]
    );

    ok(&s, &editor.token, "checkin", &later).await;
    assert_eq!(
        names(&get(&s, &t, &by("&flowFilter=checkedIn")).await),
        ["Later", "Live"]
    );
    assert_eq!(
        names(&get(&s, &t, &by("&flowFilter=published")).await),
        ["Live"]
    );

    ok(&s, &t, "publish", &later).await;
    assert_eq!(
        names(&get(&s, &t, &by("&flowFilter=published")).await),
        ["Later", "Live"]
    );

    // Renaming a consumer re-sorts it at once; deleting it removes it.
    s.put(
        &format!("/api/v2/flows/{live}"),
        &t,
        json!({"name": "A live"}),
    )
    .await
    .expect(200, None);
    assert_eq!(names(&get(&s, &t, &by("")).await), ["A live", "Later"]);
    s.delete(&format!("/api/v2/flows/{live}"), &t)
        .await
        .expect(204, None);
    assert_eq!(names(&get(&s, &t, &by("")).await), ["Later"]);
}
