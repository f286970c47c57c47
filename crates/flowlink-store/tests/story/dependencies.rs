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
