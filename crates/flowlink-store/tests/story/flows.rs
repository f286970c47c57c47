//! Flow CRUD: listing, the optimistic lock, unique names, logic versions, org isolation.

use flowlink_api::FlowType;
use flowlink_store::*;
use serde_json::json;
use uuid::Uuid;

use crate::support::*;

pub async fn create_list_filter_and_page(s: Shared) {
    let o = org(&s, "acme").await;
    let other = org(&s, "other").await;
    let mut ids = Vec::new();
    for (t, n, d) in [
        (FlowType::InboundCall, "50% off", Some("Spring SALE")),
        (FlowType::InboundCall, "500 offers", None),
        (FlowType::InboundCall, "a_b", Some("under_score")),
        (FlowType::InboundCall, "axb", None),
        (FlowType::CommonModule, "Zeta", Some("shared sale logic")),
        (FlowType::InboundEmail, "Émile", None),
    ] {
        let mut nf = new_flow(o, t, n, empty());
        nf.description = d.map(str::to_string);
        ids.push(s.create_flow(nf, &NoLinkGuard).await.unwrap().id);
    }
    flow(
        &s,
        other,
        FlowType::InboundCall,
        "50% off elsewhere",
        empty(),
    )
    .await;
    let q = |name: &str| FlowQuery {
        name: Some(name.into()),
        sort: FlowSort::Name,
        ..Default::default()
    };
    let list = |q: FlowQuery| {
        let s = s.clone();
        async move { s.list_flows(o, &q).await.unwrap() }
    };
    // LIKE metacharacters match themselves; `*` is the wildcard; matching ignores case.
    assert_eq!(names(list(q("50%")).await), ["50% off"]);
    assert_eq!(names(list(q("a_b")).await), ["a_b"]);
    assert_eq!(names(list(q("a*b")).await), ["a_b", "axb"]);
    assert_eq!(names(list(q("ÉMILE")).await), ["Émile"]);
    assert_eq!(names(list(q("OFF")).await), ["50% off", "500 offers"]);
    let by_desc = FlowQuery {
        description: Some("sale".into()),
        sort: FlowSort::Name,
        ..Default::default()
    };
    assert_eq!(names(list(by_desc).await), ["50% off", "Zeta"]);
    let either = FlowQuery {
        name_or_description: Some("SCORE".into()),
        ..Default::default()
    };
    assert_eq!(names(list(either).await), ["a_b"]);
    let types = FlowQuery {
        types: vec![FlowType::CommonModule, FlowType::InboundEmail],
        sort: FlowSort::Type,
        ..Default::default()
    };
    assert_eq!(names(list(types).await), ["Zeta", "Émile"]);
    // Byte order of the lowercased names, the same on every backend.
    let all = FlowQuery {
        sort: FlowSort::Name,
        ..Default::default()
    };
    assert_eq!(
        names(list(all).await),
        ["50% off", "500 offers", "a_b", "axb", "Zeta", "Émile"]
    );
    let paged = FlowQuery {
        sort: FlowSort::Name,
        descending: true,
        page: PageRequest { number: 2, size: 2 },
        ..Default::default()
    };
    let p = list(paged).await;
    assert_eq!(p.total, 6);
    assert_eq!(names(p), ["axb", "a_b"]);
    let beyond = FlowQuery {
        page: PageRequest { number: 9, size: 2 },
        ..Default::default()
    };
    let p = list(beyond).await;
    assert_eq!((p.total, p.items.len()), (6, 0));
    // Sorting by id is stable and total.
    let by_id = list(FlowQuery::default()).await;
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(by_id.items.iter().map(|f| f.id).collect::<Vec<_>>(), sorted);

    // ids override every other filter; deleted flows only with include_deleted.
    s.delete_flow(o, ids[3], None).await.unwrap();
    let by_ids = FlowQuery {
        ids: vec![ids[0], ids[3]],
        name: Some("nothing matches this".into()),
        ..Default::default()
    };
    assert_eq!(list(by_ids).await.total, 2);
    assert_eq!(list(FlowQuery::default()).await.total, 5);
    let with_deleted = FlowQuery {
        include_deleted: true,
        ..Default::default()
    };
    assert_eq!(list(with_deleted).await.total, 6);
    let inactive = FlowQuery {
        active: Some(false),
        include_deleted: true,
        ..Default::default()
    };
    let p = list(inactive).await;
    assert_eq!(p.items.iter().map(|f| f.id).collect::<Vec<_>>(), [ids[3]]);
    let drafts_only = new_flow(o, FlowType::InboundCall, "Draft only", draft(vec![]));
    let d = s.create_flow(drafts_only, &NoLinkGuard).await.unwrap();
    assert!(!d.active);
    assert_eq!((d.published_version, d.saved_version), (None, Some(1)));
    let active = FlowQuery {
        active: Some(true),
        ..Default::default()
    };
    assert_eq!(list(active).await.total, 5);
}

pub async fn optimistic_lock_conflict(s: Shared) {
    let o = org(&s, "acme").await;
    let f = flow(&s, o, FlowType::InboundCall, "Main", empty()).await;
    assert_eq!(
        (f.version, f.latest_version, f.published_version),
        (1, 1, Some(1))
    );
    let stale = FlowUpdate {
        expected_version: Some(7),
        description: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(
        s.update_flow(o, f.id, stale, &NoLinkGuard).await,
        Err(StoreError::Conflict(Conflict::StaleVersion {
            expected: 7,
            current: 1
        }))
    );
    assert_eq!(
        s.get_flow(o, f.id).await.unwrap(),
        f,
        "a rejected write changes nothing"
    );
    let desc = FlowUpdate {
        expected_version: Some(1),
        description: Some("Hello".into()),
        ..Default::default()
    };
    let f2 = s
        .update_flow(o, f.id, desc.clone(), &NoLinkGuard)
        .await
        .unwrap();
    assert_eq!((f2.version, f2.latest_version), (2, 1));
    // The same write again is now stale.
    assert!(is_stale(&s.update_flow(o, f.id, desc, &NoLinkGuard).await));

    // Logic documents round-trip exactly, including awkward JSON.
    let doc = json!({
        "nodes": [{"id": "n1", "type": "disconnect", "label": "ünïcödé ☎ \u{0} \"q\""}],
        "big": 9_007_199_254_740_993_u64, "neg": -1.5e-7, "nested": {"a": [[], {}]},
    });
    let write = LogicWrite {
        document: doc.clone().into(),
        dialect: Some(Dialect::Graph),
        calls: vec![],
        kind: VersionKind::Publish,
    };
    let upd = FlowUpdate {
        expected_version: Some(2),
        logic: Some(write),
        ..Default::default()
    };
    let f3 = s.update_flow(o, f.id, upd, &NoLinkGuard).await.unwrap();
    assert_eq!((f3.version, f3.latest_version), (3, 2));
    assert_eq!(f3.published_version, Some(2));
    assert_eq!(f3.dialect, Some(Dialect::Graph));
    assert_eq!(
        f3.description.as_deref(),
        Some("Hello"),
        "PUT keeps what it does not mention"
    );
    let v2 = s.get_version(o, f.id, 2).await.unwrap();
    assert_eq!(v2.document, doc);
    assert_eq!(
        (v2.number, v2.kind, v2.dialect),
        (2, VersionKind::Publish, Some(Dialect::Graph))
    );
    assert_eq!(s.get_version(o, f.id, 3).await, Err(StoreError::NotFound));
    let versions = s
        .list_versions(o, f.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.total, 2);
    assert_eq!(
        versions.items.iter().map(|v| v.number).collect::<Vec<_>>(),
        [2, 1]
    );

    // Deleting honours the lock too, and a deleted flow is gone for writers.
    assert_eq!(
        s.delete_flow(o, f.id, Some(1)).await,
        Err(StoreError::Conflict(Conflict::StaleVersion {
            expected: 1,
            current: 3
        }))
    );
    let gone = s.delete_flow(o, f.id, Some(3)).await.unwrap();
    assert!(gone.deleted && !gone.active);
    assert_eq!(gone.version, 4);
    assert_eq!(s.get_flow(o, f.id).await.unwrap(), gone);
    assert_eq!(
        s.update_flow(o, f.id, FlowUpdate::default(), &NoLinkGuard)
            .await,
        Err(StoreError::Gone)
    );
    assert_eq!(s.delete_flow(o, f.id, None).await, Err(StoreError::Gone));
    assert_eq!(
        s.update_flow(o, Uuid::new_v4(), FlowUpdate::default(), &NoLinkGuard)
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn duplicate_name_conflict(s: Shared) {
    let o = org(&s, "acme").await;
    let other = org(&s, "other").await;
    let a = flow(&s, o, FlowType::InboundCall, "Main", empty()).await;
    let dup = s
        .create_flow(
            new_flow(o, FlowType::InboundCall, "MAIN", empty()),
            &NoLinkGuard,
        )
        .await;
    assert_eq!(
        dup,
        Err(StoreError::Conflict(Conflict::DuplicateName {
            flow_type: FlowType::InboundCall,
            name: "MAIN".into()
        }))
    );
    let unicode = flow(&s, o, FlowType::InboundCall, "Ärger", empty()).await;
    assert!(is_duplicate(
        &s.create_flow(
            new_flow(o, FlowType::InboundCall, "äRGER", empty()),
            &NoLinkGuard
        )
        .await
    ));
    // Renaming onto a taken name is refused and changes nothing.
    let b = flow(&s, o, FlowType::InboundCall, "Second", empty()).await;
    let rename = FlowUpdate {
        name: Some("main".into()),
        logic: Some(logic(vec![])),
        ..Default::default()
    };
    assert!(is_duplicate(
        &s.update_flow(o, b.id, rename, &NoLinkGuard).await
    ));
    assert_eq!(s.get_flow(o, b.id).await.unwrap(), b);
    let versions = s
        .list_versions(o, b.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        versions.total, 1,
        "the refused write left no logic version behind"
    );
    // A flow may change the case of its own name.
    let recased = FlowUpdate {
        name: Some("SECOND".into()),
        ..Default::default()
    };
    assert_eq!(
        s.update_flow(o, b.id, recased, &NoLinkGuard)
            .await
            .unwrap()
            .name,
        "SECOND"
    );
    // Other types, other organizations, and names freed by deletion are fine.
    flow(&s, o, FlowType::CommonModule, "Main", empty()).await;
    flow(&s, other, FlowType::InboundCall, "Main", empty()).await;
    s.delete_flow(o, a.id, None).await.unwrap();
    s.delete_flow(o, unicode.id, None).await.unwrap();
    flow(&s, o, FlowType::InboundCall, "main", empty()).await;
    flow(&s, o, FlowType::InboundCall, "ärger", empty()).await;
}

pub async fn organizations_are_isolated(s: Shared) {
    let o = org(&s, "acme").await;
    let x = org(&s, "intruder").await;
    let (m, f) = module_and_caller(&s, o).await;
    assert_eq!(s.get_flow(x, f.id).await, Err(StoreError::NotFound));
    assert_eq!(
        s.list_flows(x, &FlowQuery::default()).await.unwrap().total,
        0
    );
    let by_id = FlowQuery {
        ids: vec![f.id, m.id],
        include_deleted: true,
        ..Default::default()
    };
    assert_eq!(s.list_flows(x, &by_id).await.unwrap().total, 0);
    assert_eq!(
        s.update_flow(x, f.id, relogic(empty()), &NoLinkGuard).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        s.delete_flow(x, m.id, None).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(s.get_version(x, f.id, 1).await, Err(StoreError::NotFound));
    assert_eq!(
        s.list_versions(x, f.id, PageRequest::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert!(s
        .module_consumers(x, m.id, ConsumerFilter::Current)
        .await
        .unwrap()
        .is_empty());
    assert!(s.consumed_modules(x, f.id, 1).await.unwrap().is_empty());
    assert!(s.module_edges(x).await.unwrap().is_empty());
    // Calling another organization's module is the same as calling one that does not exist.
    let r = s
        .create_flow(
            new_flow(
                x,
                FlowType::InboundCall,
                "Sneaky",
                logic(vec![call(m.id, None)]),
            ),
            &NoLinkGuard,
        )
        .await;
    match r {
        Err(StoreError::Invalid { details, .. }) => assert_eq!(details[0].code, "unknown.module"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    // Nothing the intruder did touched the owner's rows.
    assert_eq!(s.get_flow(o, f.id).await.unwrap(), f);
    assert!(!s.get_flow(o, m.id).await.unwrap().deleted);
}

/// `get_flows` answers the rows that exist, deleted ones included, each as last written (also
/// when an earlier read was kept in memory), and never another organization's.
pub async fn get_flows_reads_rows_as_last_written(s: Shared) {
    let o = org(&s, "acme").await;
    let x = org(&s, "intruder").await;
    let a = flow(&s, o, FlowType::CommonModule, "A", empty()).await;
    let b = flow(&s, o, FlowType::CommonModule, "B", empty()).await;
    let gone = flow(&s, o, FlowType::CommonModule, "Gone", empty()).await;
    // Read first (a backend may keep the rows), then written.
    let before = s.get_flows(o, &[a.id, gone.id]).await.unwrap();
    assert_eq!(before.len(), 2);
    let a2 = s
        .update_flow(o, a.id, relogic(empty()), &NoLinkGuard)
        .await
        .unwrap();
    assert_eq!(a2.version, a.version + 1);
    s.delete_flow(o, gone.id, None).await.unwrap();
    let unknown = Uuid::new_v4();
    let mut rows = s
        .get_flows(o, &[a.id, b.id, gone.id, unknown])
        .await
        .unwrap();
    rows.sort_by(|l, r| l.name.cmp(&r.name));
    let seen: Vec<_> = rows
        .iter()
        .map(|r| (r.name.as_str(), r.version, r.deleted))
        .collect();
    assert_eq!(
        seen,
        [
            ("A", a2.version, false),
            ("B", b.version, false),
            ("Gone", rows[2].version, true)
        ]
    );
    assert!(s.get_flows(x, &[a.id, b.id]).await.unwrap().is_empty());
    assert!(s.get_flows(o, &[]).await.unwrap().is_empty());
}
