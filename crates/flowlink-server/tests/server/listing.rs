//! Every listing rule of issue 2 item 4 and the envelope of reference §3.1.

use serde_json::Value;

use crate::common::{names, TestServer};

async fn seeded() -> (TestServer, String) {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    for (ty, name) in [
        ("inboundcall", "Charlie"),
        ("INBOUNDCALL", "alpha"),
        ("InboundCall", "Bravo"),
        ("commonmodule", "Shared"),
        ("inqueuecall", "Queue"),
    ] {
        s.create_named(&t, ty, name).await;
    }
    (s, t)
}

async fn list(s: &TestServer, t: &str, query: &str) -> Value {
    let r = s.get(&format!("/api/v2/flows?{query}"), t).await;
    r.expect(200, None);
    r.body
}

#[tokio::test]
async fn type_filter_any_case_lists_repeats_and_aliases() {
    let (s, t) = seeded().await;
    for (q, expected) in [
        ("type=inboundcall", 3),
        ("type=INBOUNDCALL", 3),
        ("type=InBoundCall", 3),
        ("type=inbound", 3),
        ("type=common", 1),
        ("type=inboundcall,commonmodule", 4),
        ("type=inboundcall%2Ccommonmodule", 4),
        ("type=inboundcall&type=common", 4),
        ("type=inbound,common&type=inqueuecall", 5),
        ("", 5),
    ] {
        assert_eq!(list(&s, &t, q).await["total"], expected, "{q}");
    }
    s.get("/api/v2/flows?type=bogus", &t)
        .await
        .expect(400, Some("bad.request"));
    let modules = s.get("/api/v2/flows/flowmodules", &t).await;
    assert_eq!(names(&modules.body), ["Shared"]);
    assert_eq!(
        modules.body["selfUri"],
        "/api/v2/flows/flowmodules?pageSize=25&pageNumber=1"
    );
}

#[tokio::test]
async fn paging_envelope_is_consistent() {
    let (s, t) = seeded().await;
    let p1 = list(&s, &t, "type=inboundcall&pageSize=2&sortBy=name").await;
    assert_eq!(p1["total"], 3);
    assert_eq!(p1["pageCount"], 2);
    assert_eq!(p1["pageSize"], 2);
    assert_eq!(p1["pageNumber"], 1);
    assert_eq!(names(&p1), ["alpha", "Bravo"]);
    assert_eq!(p1["firstUri"], "/api/v2/flows?pageSize=2&pageNumber=1");
    assert_eq!(p1["selfUri"], "/api/v2/flows?pageSize=2&pageNumber=1");
    assert_eq!(p1["lastUri"], "/api/v2/flows?pageSize=2&pageNumber=2");
    assert_eq!(p1["nextUri"], "/api/v2/flows?pageSize=2&pageNumber=2");
    assert!(p1.get("previousUri").is_none());
    let p2 = list(
        &s,
        &t,
        "type=inboundcall&pageSize=2&pageNumber=2&sortBy=name",
    )
    .await;
    assert_eq!(names(&p2), ["Charlie"]);
    assert!(p2.get("nextUri").is_none());
    assert_eq!(p2["previousUri"], "/api/v2/flows?pageSize=2&pageNumber=1");
    // Past the end: empty page, still consistent.
    let p9 = list(&s, &t, "type=inboundcall&pageSize=2&pageNumber=9").await;
    assert_eq!(p9["entities"].as_array().unwrap().len(), 0);
    assert!(p9.get("nextUri").is_none());
    // Nothing at all.
    let none = list(&s, &t, "name=zzz").await;
    assert_eq!(
        (none["total"].clone(), none["pageCount"].clone()),
        (0.into(), 0.into())
    );
    assert!(none.get("nextUri").is_none() && none.get("previousUri").is_none());
    for bad in ["pageSize=0", "pageSize=501", "pageNumber=0", "pageSize=abc"] {
        s.get(&format!("/api/v2/flows?{bad}"), &t)
            .await
            .expect(400, Some("bad.request"));
    }
    assert_eq!(list(&s, &t, "pageSize=500").await["pageCount"], 1);
}

#[tokio::test]
async fn sorting() {
    let (s, t) = seeded().await;
    let q = "type=inboundcall&sortBy=name";
    assert_eq!(names(&list(&s, &t, q).await), ["alpha", "Bravo", "Charlie"]);
    for order in ["desc", "descending", "DESC"] {
        let l = list(&s, &t, &format!("{q}&sortOrder={order}")).await;
        assert_eq!(names(&l), ["Charlie", "Bravo", "alpha"], "{order}");
    }
    assert_eq!(
        names(&list(&s, &t, "sortBy=type&sortOrder=asc").await),
        ["Shared", "alpha", "Bravo", "Charlie", "Queue"]
    );
    let by_id = list(&s, &t, "").await;
    let ids: Vec<&str> = by_id["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    s.get("/api/v2/flows?sortBy=color", &t)
        .await
        .expect(400, Some("bad.request"));
    s.get("/api/v2/flows?sortOrder=sideways", &t)
        .await
        .expect(400, Some("bad.request"));
}

#[tokio::test]
async fn name_filters_are_literal_substrings_with_star_wildcard() {
    let s = TestServer::start().await;
    let t = s.admin_token().await;
    for name in ["50% Promo", "500 Promo", "a_b flow", "axb flow"] {
        s.create_named(&t, "inboundcall", name).await;
    }
    s.create(
        &t,
        serde_json::json!({"name": "Plain", "type": "inboundcall", "description": "Handles PROMO calls"}),
    )
    .await;
    assert_eq!(names(&list(&s, &t, "name=50%25").await), ["50% Promo"]);
    assert_eq!(names(&list(&s, &t, "name=a_b").await), ["a_b flow"]);
    assert_eq!(
        names(&list(&s, &t, "name=a*b&sortBy=name").await),
        ["a_b flow", "axb flow"]
    );
    assert_eq!(
        names(&list(&s, &t, "name=PROMO&sortBy=name").await),
        ["50% Promo", "500 Promo"]
    );
    assert_eq!(names(&list(&s, &t, "description=promo").await), ["Plain"]);
    assert_eq!(
        names(&list(&s, &t, "nameOrDescription=promo&sortBy=name").await),
        ["50% Promo", "500 Promo", "Plain"]
    );
}

#[tokio::test]
async fn id_filter_ignores_other_filters_and_active_filter() {
    let (s, t) = seeded().await;
    let shared = list(&s, &t, "type=common").await["entities"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let l = list(&s, &t, &format!("id={shared}&type=inboundcall&name=zzz")).await;
    assert_eq!(names(&l), ["Shared"]);
    assert_eq!(list(&s, &t, "id=not-a-uuid").await["total"], 0);
    assert_eq!(list(&s, &t, "type=inbound&active=true").await["total"], 3);
    assert_eq!(list(&s, &t, "active=false").await["total"], 0);
    s.get("/api/v2/flows?active=maybe", &t)
        .await
        .expect(400, Some("bad.request"));
}
