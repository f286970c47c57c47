//! The publishing lifecycle in the store (issue 5): the checkout lock as conditional writes,
//! drafts under checkout, checkin/publish/revert/unlock/deactivate moving the version
//! pointers, the dependency index's role columns following them (paged consumers per filter),
//! stale pins after a module publish, and lock-aware deletes.

use flowlink_api::FlowType;
use flowlink_store::*;
use uuid::Uuid;

use crate::support::*;

fn rows(p: &Page<Consumer>) -> Vec<(String, u32, Option<u32>)> {
    p.items
        .iter()
        .map(|c| (c.name.clone(), c.version, c.pinned_version))
        .collect()
}

fn locked_by(e: StoreError) -> Uuid {
    match e {
        StoreError::Conflict(Conflict::Locked { client_id }) => client_id,
        other => panic!("expected a lock conflict, got {other:?}"),
    }
}

pub async fn checkout_drafts_and_dependency_roles(s: Shared) {
    let o = org(&s, "acme").await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let (m, f) = module_and_caller(&s, o).await;
    let page = |filter: ConsumerFilter| {
        let s = s.clone();
        async move {
            s.consumers_page(o, m.id, &ConsumerQuery::all(filter, PageRequest::default()))
                .await
                .unwrap()
        }
    };
    assert_eq!(
        rows(&page(ConsumerFilter::Current).await),
        [("Main".into(), 1, None)]
    );

    // One lock holder; everyone else's writes are refused and change nothing.
    let locked = s.checkout_flow(o, f.id, a).await.unwrap();
    assert_eq!(locked.locked_client_id, Some(a));
    // The holder checking out again is no new lock: `version` stays.
    let locked = {
        let again = s.checkout_flow(o, f.id, a).await.unwrap();
        assert_eq!(again.version, locked.version);
        again
    };
    assert_eq!(locked_by(s.checkout_flow(o, f.id, b).await.unwrap_err()), a);
    let by_b = FlowUpdate {
        client_id: Some(b),
        ..relogic(logic(vec![]))
    };
    assert_eq!(
        locked_by(
            s.update_flow(o, f.id, by_b, &NoLinkGuard)
                .await
                .unwrap_err()
        ),
        a
    );
    assert_eq!(
        locked_by(s.delete_flow_as(o, f.id, b).await.unwrap_err()),
        a
    );
    assert_eq!(
        locked_by(s.deactivate_flow(o, f.id, b).await.unwrap_err()),
        a
    );
    assert_eq!(
        locked_by(
            s.publish_flow(o, f.id, b, None, &NoLinkGuard)
                .await
                .unwrap_err()
        ),
        a
    );
    assert_eq!(s.get_flow(o, f.id).await.unwrap(), locked);

    // The holder's logic write is a draft, whatever kind the caller asked for.
    let by_a = FlowUpdate {
        client_id: Some(a),
        ..relogic(logic(vec![call(m.id, Some(1))]))
    };
    let drafted = s.update_flow(o, f.id, by_a, &NoLinkGuard).await.unwrap();
    assert_eq!(
        (
            drafted.published_version,
            drafted.saved_version,
            drafted.checked_in_version
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(drafted.current_version(), 2);
    assert_eq!(
        s.get_version(o, f.id, 2).await.unwrap().kind,
        VersionKind::Save
    );
    assert_eq!(
        rows(&page(ConsumerFilter::Published).await),
        [("Main".into(), 1, None)]
    );
    assert_eq!(
        rows(&page(ConsumerFilter::CheckedIn).await),
        [("Main".into(), 1, None)]
    );
    assert_eq!(
        rows(&page(ConsumerFilter::Current).await),
        [("Main".into(), 1, None), ("Main".into(), 2, Some(1))]
    );

    // Checkin: version 2 is checked in, unpublished; the lock is released.
    let checked = s.checkin_flow(o, f.id, a).await.unwrap();
    assert_eq!(
        (
            checked.published_version,
            checked.saved_version,
            checked.checked_in_version,
            checked.locked_client_id
        ),
        (Some(1), None, Some(2), None)
    );
    assert_eq!(
        s.get_version(o, f.id, 2).await.unwrap().kind,
        VersionKind::Checkin
    );
    assert_eq!(
        rows(&page(ConsumerFilter::CheckedIn).await),
        [("Main".into(), 2, Some(1))]
    );
    assert_eq!(
        rows(&page(ConsumerFilter::Published).await),
        [("Main".into(), 1, None)]
    );

    // Anyone publishes an unlocked flow: the checked-in version goes live.
    let published = s
        .publish_flow(o, f.id, b, None, &NoLinkGuard)
        .await
        .unwrap();
    assert_eq!(
        (published.published_version, published.active),
        (Some(2), true)
    );
    assert_eq!(
        s.get_version(o, f.id, 2).await.unwrap().kind,
        VersionKind::Publish
    );
    assert_eq!(
        rows(&page(ConsumerFilter::Published).await),
        [("Main".into(), 2, Some(1))]
    );
    assert!(s
        .stale_dependencies(o, StaleKind::Updated, ConsumerFilter::Current)
        .await
        .unwrap()
        .is_empty());

    // A module publish leaves the pin behind.
    s.update_flow(o, m.id, relogic(logic(vec![])), &NoLinkGuard)
        .await
        .unwrap();
    let stale = s
        .stale_dependencies(o, StaleKind::Updated, ConsumerFilter::Current)
        .await
        .unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (
            stale[0].consumer.flow_id,
            stale[0].consumer.pinned_version,
            stale[0].module_published
        ),
        (f.id, Some(1), Some(2))
    );
    assert!(s
        .stale_dependencies(o, StaleKind::Deleted, ConsumerFilter::Current)
        .await
        .unwrap()
        .is_empty());

    // Revert drops a draft; unlock frees the flow; deactivate clears `active`.
    s.checkout_flow(o, f.id, a).await.unwrap();
    let by_a = FlowUpdate {
        client_id: Some(a),
        ..relogic(logic(vec![]))
    };
    s.update_flow(o, f.id, by_a, &NoLinkGuard).await.unwrap();
    let reverted = s.revert_flow(o, f.id, a).await.unwrap();
    assert_eq!(
        (
            reverted.saved_version,
            reverted.locked_client_id,
            reverted.current_version()
        ),
        (None, None, 2)
    );
    assert_eq!(
        rows(&page(ConsumerFilter::Current).await),
        [("Main".into(), 2, Some(1))]
    );
    s.checkout_flow(o, f.id, a).await.unwrap();
    assert_eq!(s.unlock_flow(o, f.id).await.unwrap().locked_client_id, None);
    let off = s.deactivate_flow(o, f.id, b).await.unwrap();
    assert!(!off.active);

    // Publishing a version that does not exist is invalid; the module is still in use.
    assert!(matches!(
        s.publish_flow(o, f.id, b, Some(9), &NoLinkGuard).await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        s.delete_flow_as(o, m.id, b).await,
        Err(StoreError::InUse { .. })
    ));

    // Renames re-sort consumers at once; paging cuts the index; deletes drop consumers.
    let g = flow(
        &s,
        o,
        FlowType::InboundChat,
        "Aardvark",
        logic(vec![call(m.id, None)]),
    )
    .await;
    let all = page(ConsumerFilter::Current).await;
    assert_eq!(
        rows(&all),
        [("Aardvark".into(), 1, None), ("Main".into(), 2, Some(1))]
    );
    let rename = FlowUpdate {
        name: Some("Zebra".into()),
        ..Default::default()
    };
    s.update_flow(o, g.id, rename, &NoLinkGuard).await.unwrap();
    let second = s
        .consumers_page(
            o,
            m.id,
            &ConsumerQuery::all(ConsumerFilter::Current, PageRequest { number: 2, size: 1 }),
        )
        .await
        .unwrap();
    assert_eq!(
        (rows(&second), second.total),
        (vec![("Zebra".into(), 1, None)], 2)
    );
    let chats = ConsumerQuery {
        types: vec![FlowType::InboundChat],
        ..ConsumerQuery::all(ConsumerFilter::Current, PageRequest::default())
    };
    assert_eq!(
        rows(&s.consumers_page(o, m.id, &chats).await.unwrap()),
        [("Zebra".into(), 1, None)]
    );
    let pinned = ConsumerQuery {
        module_version: Some(1),
        include_floating: false,
        ..ConsumerQuery::all(ConsumerFilter::Current, PageRequest::default())
    };
    assert_eq!(
        rows(&s.consumers_page(o, m.id, &pinned).await.unwrap()),
        [("Main".into(), 2, Some(1))]
    );
    s.delete_flow_as(o, g.id, a).await.unwrap();
    assert_eq!(
        rows(&page(ConsumerFilter::Current).await),
        [("Main".into(), 2, Some(1))]
    );
    // Another organization sees none of it.
    let x = org(&s, "other").await;
    let none = s
        .consumers_page(
            x,
            m.id,
            &ConsumerQuery::all(ConsumerFilter::Current, PageRequest::default()),
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    assert_eq!(s.checkout_flow(x, f.id, a).await, Err(StoreError::NotFound));
}
