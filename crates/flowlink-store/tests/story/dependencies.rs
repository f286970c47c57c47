//! The dependency index: written with each version, read by consumers, guarding deletes and
//! module cycles.

use std::sync::Mutex;

use flowlink_api::FlowType;
use flowlink_store::*;
use uuid::Uuid;

use crate::support::*;

fn consumer_rows(c: &[Consumer]) -> Vec<(Uuid, u32, Option<u32>)> {
    c.iter()
        .map(|c| (c.flow_id, c.version, c.pinned_version))
        .collect()
}

fn refs(r: &[ModuleRef]) -> Vec<(String, Option<u32>)> {
    r.iter().map(|r| (r.module_id.clone(), r.version)).collect()
}

pub async fn dependency_rows_follow_versions(s: Shared) {
    let o = org(&s, "acme").await;
    let m1 = flow(&s, o, FlowType::CommonModule, "Auth", empty()).await;
    let m2 = flow(&s, o, FlowType::CommonModule, "Hours", empty()).await;
    let f = flow(
        &s,
        o,
        FlowType::InboundCall,
        "Main",
        logic(vec![call(m1.id, Some(1))]),
    )
    .await;
    let consumers = |m: Uuid, filter: ConsumerFilter| {
        let s = s.clone();
        async move { consumer_rows(&s.module_consumers(o, m, filter).await.unwrap()) }
    };
    assert_eq!(
        refs(&s.consumed_modules(o, f.id, 1).await.unwrap()),
        [(m1.id.to_string(), Some(1))]
    );
    assert_eq!(
        consumers(m1.id, ConsumerFilter::Published).await,
        [(f.id, 1, Some(1))]
    );
    let listed = s
        .module_consumers(o, m1.id, ConsumerFilter::Published)
        .await
        .unwrap();
    assert_eq!(
        (listed[0].name.as_str(), listed[0].flow_type),
        ("Main", FlowType::InboundCall)
    );

    // Version 2 calls the other module, twice floating and once pinned: one row per (module, pin).
    let mut floating_again = call(m2.id, None);
    floating_again.node_id = "n7".into();
    let v2 = vec![call(m2.id, None), call(m2.id, Some(1)), floating_again];
    let f2 = s
        .update_flow(o, f.id, relogic(logic(v2)), &NoLinkGuard)
        .await
        .unwrap();
    assert_eq!((f2.latest_version, f2.published_version), (2, Some(2)));
    assert_eq!(
        refs(&s.consumed_modules(o, f.id, 2).await.unwrap()),
        [(m2.id.to_string(), None), (m2.id.to_string(), Some(1))]
    );
    // Old versions are immutable, index rows included; but they no longer count as consumers.
    assert_eq!(s.consumed_modules(o, f.id, 1).await.unwrap().len(), 1);
    assert!(consumers(m1.id, ConsumerFilter::Current).await.is_empty());
    assert_eq!(
        consumers(m2.id, ConsumerFilter::Published).await,
        [(f.id, 2, None), (f.id, 2, Some(1))]
    );

    // A draft (saved, unpublished) counts as current but not as published or checked in.
    let f3 = s
        .update_flow(
            o,
            f.id,
            relogic(draft(vec![call(m1.id, None)])),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    assert_eq!(
        (f3.latest_version, f3.published_version, f3.saved_version),
        (3, Some(2), Some(3))
    );
    assert!(consumers(m1.id, ConsumerFilter::Published).await.is_empty());
    assert!(consumers(m1.id, ConsumerFilter::CheckedIn).await.is_empty());
    assert_eq!(
        consumers(m1.id, ConsumerFilter::Current).await,
        [(f.id, 3, None)]
    );
    assert_eq!(consumers(m2.id, ConsumerFilter::CheckedIn).await.len(), 2);

    // Invalid references are all reported and leave nothing behind.
    let bad = vec![
        call(m1.id, Some(5)),
        call(Uuid::new_v4(), None),
        call(f.id, None),
    ];
    let mut not_a_uuid = call(m1.id, None);
    not_a_uuid.module_id = "not-a-uuid".into();
    let mut bad = bad;
    bad.push(not_a_uuid);
    match s
        .update_flow(o, f.id, relogic(logic(bad)), &NoLinkGuard)
        .await
    {
        Err(StoreError::Invalid { details, .. }) => {
            let codes: Vec<_> = details.iter().map(|d| d.code.as_str()).collect();
            assert_eq!(
                codes,
                [
                    "unknown.module.version",
                    "unknown.module",
                    "unknown.module",
                    "unknown.module"
                ]
            );
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(s.get_flow(o, f.id).await.unwrap(), f3);
    assert!(s.consumed_modules(o, f.id, 4).await.unwrap().is_empty());

    // Module→module edges come from modules' current versions only.
    let a = flow(
        &s,
        o,
        FlowType::CommonModule,
        "Tagging",
        logic(vec![call(m1.id, None)]),
    )
    .await;
    let edges = s.module_edges(o).await.unwrap();
    assert_eq!(
        edges
            .iter()
            .map(|e| (e.caller, e.callee))
            .collect::<Vec<_>>(),
        [(a.id, m1.id)]
    );
    assert_eq!(
        (edges[0].caller_name.as_str(), edges[0].callee_name.as_str()),
        ("Tagging", "Auth")
    );

    // A deleted consumer stops counting.
    s.delete_flow(o, f.id, None).await.unwrap();
    assert!(consumers(m2.id, ConsumerFilter::Published).await.is_empty());
}

pub async fn delete_in_use_is_refused(s: Shared) {
    let o = org(&s, "acme").await;
    let m = flow(&s, o, FlowType::CommonModule, "Auth", empty()).await;
    let c1 = flow(
        &s,
        o,
        FlowType::InboundCall,
        "Caller",
        logic(vec![call(m.id, Some(1))]),
    )
    .await;
    let c2 = flow(
        &s,
        o,
        FlowType::InboundCall,
        "Another",
        draft(vec![call(m.id, None)]),
    )
    .await;
    match s.delete_flow(o, m.id, None).await {
        Err(StoreError::InUse { consumers }) => {
            let names: Vec<_> = consumers.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, ["Another", "Caller"]);
            assert_eq!(consumers[1].pinned_version, Some(1));
        }
        other => panic!("expected InUse, got {other:?}"),
    }
    assert_eq!(s.get_flow(o, m.id).await.unwrap(), m, "nothing is deleted");
    // One consumer drops the call: still in use by the other.
    s.update_flow(o, c1.id, relogic(logic(vec![])), &NoLinkGuard)
        .await
        .unwrap();
    match s.delete_flow(o, m.id, None).await {
        Err(StoreError::InUse { consumers }) => assert_eq!(consumers.len(), 1),
        other => panic!("expected InUse, got {other:?}"),
    }
    // Once the last consumer is deleted the module can go, and cannot be called any more.
    s.delete_flow(o, c2.id, None).await.unwrap();
    assert!(s.delete_flow(o, m.id, None).await.unwrap().deleted);
    let late = s
        .create_flow(
            new_flow(
                o,
                FlowType::InboundCall,
                "Late",
                logic(vec![call(m.id, None)]),
            ),
            &NoLinkGuard,
        )
        .await;
    assert!(matches!(late, Err(StoreError::Invalid { .. })), "{late:?}");
}

struct RecordingGuard(Mutex<Vec<ModuleEdge>>);

impl LinkGuard for RecordingGuard {
    fn check(&self, _: Uuid, _: &str, edges: &[ModuleEdge]) -> Result<(), StoreError> {
        *self.0.lock().unwrap() = edges.to_vec();
        Err(StoreError::Invalid {
            message: "cycle".into(),
            details: vec![],
        })
    }
}

pub async fn cycle_guard_sees_edges_and_aborts_cleanly(s: Shared) {
    let o = org(&s, "acme").await;
    let a = flow(&s, o, FlowType::CommonModule, "A", empty()).await;
    let b = flow(
        &s,
        o,
        FlowType::CommonModule,
        "B",
        logic(vec![call(a.id, None)]),
    )
    .await;
    let guard = RecordingGuard(Mutex::new(Vec::new()));
    let r = s
        .update_flow(o, a.id, relogic(logic(vec![call(b.id, None)])), &guard)
        .await;
    assert!(matches!(r, Err(StoreError::Invalid { .. })));
    let edges = guard.0.lock().unwrap().clone();
    assert_eq!(
        edges
            .iter()
            .map(|e| (e.caller, e.callee))
            .collect::<Vec<_>>(),
        [(b.id, a.id)]
    );
    assert_eq!(
        s.get_flow(o, a.id).await.unwrap(),
        a,
        "the aborted write left nothing behind"
    );
    assert!(s.consumed_modules(o, a.id, 2).await.unwrap().is_empty());
    // The real check lets an acyclic write through and stops the cycle.
    let c = flow(&s, o, FlowType::CommonModule, "C", empty()).await;
    let ok = CycleGuard { calls: vec![c.id] };
    s.update_flow(o, a.id, relogic(logic(vec![call(c.id, None)])), &ok)
        .await
        .unwrap();
    let cyc = CycleGuard { calls: vec![b.id] };
    let r = s
        .update_flow(o, c.id, relogic(logic(vec![call(b.id, None)])), &cyc)
        .await;
    assert!(matches!(r, Err(StoreError::Invalid { .. })), "{r:?}");
}

/// Every kind of write describes its version's dependency rows as its flow's pointers end up
/// (the writers describe the rows they insert; the triggers re-describe old rows): after each
/// step, the consumers listed per filter are exactly the versions the flow's pointers reach.
/// (The default page holds every row this test writes.)
pub async fn dependency_roles_follow_every_kind_of_write(s: Shared) {
    let o = org(&s, "acme").await;
    let (m, f) = module_and_caller(&s, o).await;
    let held = flow(&s, o, FlowType::InboundCall, "Held", empty()).await;
    let me = Uuid::new_v4();
    s.checkout_flow(o, held.id, me).await.unwrap();
    let kind = |kind: VersionKind, pin: Option<u32>| LogicWrite {
        kind,
        ..logic(vec![call(m.id, pin)])
    };
    let check = |step: &'static str| {
        let s = s.clone();
        async move {
            for id in [f.id, held.id] {
                let rec = s.get_flow(o, id).await.unwrap();
                let reached = |versions: &[Option<u32>]| {
                    let mut v: Vec<u32> = versions.iter().flatten().copied().collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                let expected = [
                    (ConsumerFilter::Published, reached(&[rec.published_version])),
                    (
                        ConsumerFilter::CheckedIn,
                        reached(&[rec.checked_in_version]),
                    ),
                    (
                        ConsumerFilter::Current,
                        reached(&[
                            rec.published_version,
                            rec.checked_in_version,
                            rec.saved_version,
                        ]),
                    ),
                ];
                for (filter, want) in expected {
                    // The paged listing reads the rows' own description (not the flows'
                    // pointers, as `module_consumers` does).
                    let query = ConsumerQuery::all(filter, PageRequest::default());
                    let mut got: Vec<u32> = s
                        .consumers_page(o, m.id, &query)
                        .await
                        .unwrap()
                        .items
                        .iter()
                        .filter(|c| c.flow_id == id)
                        .map(|c| c.version)
                        .collect();
                    got.sort_unstable();
                    // Version 1 of the held flow calls nothing.
                    let want: Vec<u32> = want
                        .into_iter()
                        .filter(|v| id != held.id || *v != 1)
                        .collect();
                    assert_eq!(got, want, "{step}: {filter:?} of {}", rec.name);
                }
            }
        }
    };
    check("created").await;
    let steps = [
        ("saved", relogic(kind(VersionKind::Save, Some(1)))),
        (
            "renamed",
            FlowUpdate {
                name: Some("Main Renamed".into()),
                ..Default::default()
            },
        ),
        ("checked in", relogic(kind(VersionKind::Checkin, None))),
        ("saved again", relogic(kind(VersionKind::Save, None))),
        ("published", relogic(kind(VersionKind::Publish, Some(1)))),
    ];
    for (step, update) in steps {
        s.update_flow(o, f.id, update, &NoLinkGuard).await.unwrap();
        check(step).await;
    }
    // A bulk edit by the holder: the held flow's edit becomes a draft, the other is published.
    s.edit_flows(
        o,
        me,
        &[f.id, held.id],
        &Relink(kind(VersionKind::Publish, None)),
    )
    .await
    .unwrap();
    check("bulk edited").await;
}

/// A bulk edit giving every flow the same logic.
struct Relink(LogicWrite);

impl FlowEdit for Relink {
    fn edit(
        &self,
        _: &FlowRecord,
        _: serde_json::Value,
    ) -> Result<Option<EditedLogic>, EditRefusal> {
        Ok(Some(EditedLogic {
            logic: self.0.clone(),
            guard: Box::new(NoLinkGuard),
        }))
    }
}
