//! Bulk logic edits ([`Store::edit_flows`]) write what single updates would, whatever the
//! batch's size: more than a thousand flows (past every backend's statement chunking) mixed
//! with the editing client's own checkout (a draft), another client's (refused, unchanged),
//! a deleted flow, another organization's flow and a repeated id.

use flowlink_api::FlowType;
use flowlink_store::*;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::*;

/// Flows in the batch besides the special cases: past 999 (SQLite's historic bound-value
/// limit) and past the backends' rows per statement.
const FLOWS: usize = 1001;

/// Gives every flow logic that calls `module`, named after the flow.
struct CallModule {
    module: Uuid,
}

impl CallModule {
    fn document(name: &str) -> Value {
        json!({"actions": [{"type": "disconnect", "name": name}]})
    }
}

impl FlowEdit for CallModule {
    fn edit(&self, flow: &FlowRecord, _: Value) -> Result<Option<EditedLogic>, EditRefusal> {
        Ok(Some(EditedLogic {
            logic: LogicWrite {
                document: Self::document(&flow.name).into(),
                dialect: Some(Dialect::Actions),
                calls: vec![call(self.module, Some(1))],
                kind: VersionKind::Publish,
            },
            guard: Box::new(NoLinkGuard),
        }))
    }
}

pub async fn bulk_edits_write_like_single_updates(s: Shared) {
    let o = org(&s, "acme").await;
    let other = org(&s, "other").await;
    let (me, them) = (Uuid::new_v4(), Uuid::new_v4());
    let m = flow(&s, o, FlowType::CommonModule, "Auth", empty()).await;
    let mut plain = Vec::with_capacity(FLOWS);
    for i in 0..FLOWS {
        plain.push(
            flow(
                &s,
                o,
                FlowType::InboundCall,
                &format!("F{i:04}"),
                logic(vec![]),
            )
            .await,
        );
    }
    let mine = flow(&s, o, FlowType::InboundCall, "Mine", logic(vec![])).await;
    let mine = s.checkout_flow(o, mine.id, me).await.unwrap();
    let theirs = flow(&s, o, FlowType::InboundCall, "Theirs", logic(vec![])).await;
    let theirs = s.checkout_flow(o, theirs.id, them).await.unwrap();
    let gone = flow(&s, o, FlowType::InboundCall, "Gone", logic(vec![])).await;
    s.delete_flow(o, gone.id, None).await.unwrap();
    let foreign = flow(&s, other, FlowType::InboundCall, "Foreign", logic(vec![])).await;

    // The special cases sit among the plain flows, so every chunk has some.
    let mut ids: Vec<Uuid> = plain.iter().map(|f| f.id).collect();
    ids.insert(3, mine.id);
    ids.insert(500, theirs.id);
    ids.insert(700, gone.id);
    ids.insert(998, foreign.id);
    ids.push(plain[0].id);
    let results = s
        .edit_flows(o, me, &ids, &CallModule { module: m.id })
        .await
        .unwrap();
    assert_eq!(results.len(), ids.len());
    for (r, id) in results.iter().zip(&ids) {
        assert_eq!(r.id, *id, "results in request order");
    }

    for (i, r) in results.iter().enumerate() {
        let want = ids[i];
        if i == ids.len() - 1 {
            assert!(
                matches!(r.outcome, Err(EditFailure::Store(StoreError::NotFound))),
                "a repeated id is not edited twice: {:?}",
                r.outcome
            );
            continue;
        }
        match &r.outcome {
            Ok(EditOutcome::Updated(f, document)) if want == mine.id => {
                let stored = s.get_version(o, f.id, f.latest_version).await.unwrap();
                assert_eq!(
                    **document, stored.document,
                    "the draft's document handed back"
                );
                // The holder's edit is a draft: the published version stays.
                assert_eq!(f.version, mine.version + 1);
                assert_eq!((f.published_version, f.saved_version), (Some(1), Some(2)));
                assert_eq!(f.locked_client_id, Some(me));
            }
            Ok(EditOutcome::Updated(f, document)) => {
                let stored = s.get_version(o, f.id, f.latest_version).await.unwrap();
                assert_eq!(
                    **document, stored.document,
                    "the document handed back is stored"
                );
                let before = plain.iter().find(|p| p.id == want).expect("a plain flow");
                assert_eq!(f.version, before.version + 1, "{}", f.name);
                assert_eq!(f.latest_version, 2);
                assert_eq!(f.published_version, Some(2));
                assert_eq!(f.name, before.name);
                assert_eq!(
                    f,
                    &s.get_flow(o, f.id).await.unwrap(),
                    "answered as written"
                );
            }
            Err(EditFailure::Store(StoreError::Conflict(Conflict::Locked { client_id })))
                if want == theirs.id =>
            {
                assert_eq!(*client_id, them)
            }
            Err(EditFailure::Store(StoreError::Gone)) if want == gone.id => {}
            Err(EditFailure::Store(StoreError::NotFound)) if want == foreign.id => {}
            other => panic!("flow {i} ({want}): unexpected {other:?}"),
        }
    }

    // Every written version carries its document and its dependency row.
    for f in plain.iter().step_by(97).chain([&mine]) {
        let v = s.get_version(o, f.id, 2).await.unwrap();
        assert_eq!(v.document, CallModule::document(&f.name));
        let calls = s.consumed_modules(o, f.id, 2).await.unwrap();
        assert_eq!(
            calls
                .iter()
                .map(|c| (c.module_id.clone(), c.version))
                .collect::<Vec<_>>(),
            [(m.id.to_string(), Some(1))]
        );
    }
    // The refused, deleted and foreign flows are untouched.
    assert_eq!(s.get_flow(o, theirs.id).await.unwrap(), theirs);
    assert_eq!(s.get_flow(o, gone.id).await.unwrap().latest_version, 1);
    assert_eq!(s.get_flow(other, foreign.id).await.unwrap(), foreign);
}
