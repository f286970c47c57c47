//! Store behaviour tests against a real SQLite file in a temp dir.

use flowlink_api::FlowType;
use serde_json::json;
use tempfile::TempDir;
use uuid::Uuid;

use super::SqliteStore;
use crate::error::{Conflict, StoreError};
use crate::records::*;
use crate::store::{LinkGuard, NoLinkGuard, Store};

async fn open() -> (TempDir, SqliteStore, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_dir(dir.path()).await.unwrap();
    let org = store.create_org("acme").await.unwrap().id;
    (dir, store, org)
}

fn logic(calls: Vec<ModuleRef>) -> LogicWrite {
    LogicWrite {
        document: json!({"actions": [{"type": "disconnect", "name": "bye"}]}),
        dialect: Some(Dialect::Actions),
        calls,
        kind: VersionKind::Publish,
    }
}

fn empty() -> LogicWrite {
    LogicWrite {
        document: json!({}),
        dialect: None,
        calls: vec![],
        kind: VersionKind::Publish,
    }
}

fn new_flow(org: Uuid, t: FlowType, name: &str, l: LogicWrite) -> NewFlow {
    NewFlow {
        org_id: org,
        flow_type: t,
        name: name.into(),
        description: None,
        error_handling: None,
        logic: l,
        client_id: None,
    }
}

fn call(module: Uuid, version: Option<u32>) -> ModuleRef {
    ModuleRef {
        node_id: "n1".into(),
        module_id: module.to_string(),
        version,
    }
}

#[tokio::test]
async fn create_get_and_org_isolation() {
    let (_d, s, org) = open().await;
    let other = s.create_org("other").await.unwrap().id;
    let f = s
        .create_flow(
            new_flow(org, FlowType::InboundCall, "Main", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    assert_eq!(f.version, 1);
    assert_eq!(f.latest_version, 1);
    assert_eq!(f.published_version, Some(1));
    assert!(f.active);
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), f);
    assert_eq!(s.get_flow(other, f.id).await, Err(StoreError::NotFound));
    let page = s.list_flows(other, &FlowQuery::default()).await.unwrap();
    assert_eq!(page.total, 0);
    assert_eq!(
        s.get_version(other, f.id, 1).await,
        Err(StoreError::NotFound)
    );
}

#[tokio::test]
async fn names_are_unique_per_org_and_type_case_insensitively() {
    let (_d, s, org) = open().await;
    let a = s
        .create_flow(
            new_flow(org, FlowType::InboundCall, "Main", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let dup = s
        .create_flow(
            new_flow(org, FlowType::InboundCall, "MAIN", empty()),
            &NoLinkGuard,
        )
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Conflict(Conflict::DuplicateName { .. }))
    ));
    // Another type may reuse the name; so may the name after the first flow is deleted.
    s.create_flow(
        new_flow(org, FlowType::CommonModule, "Main", empty()),
        &NoLinkGuard,
    )
    .await
    .unwrap();
    s.delete_flow(org, a.id, None).await.unwrap();
    s.create_flow(
        new_flow(org, FlowType::InboundCall, "main", empty()),
        &NoLinkGuard,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn optimistic_lock_and_logic_versions() {
    let (_d, s, org) = open().await;
    let f = s
        .create_flow(
            new_flow(org, FlowType::InboundCall, "Main", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let stale = FlowUpdate {
        expected_version: Some(7),
        description: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(
        s.update_flow(org, f.id, stale, &NoLinkGuard).await,
        Err(StoreError::Conflict(Conflict::StaleVersion {
            expected: 7,
            current: 1
        }))
    );
    let desc = FlowUpdate {
        expected_version: Some(1),
        description: Some("Hello".into()),
        ..Default::default()
    };
    let f2 = s.update_flow(org, f.id, desc, &NoLinkGuard).await.unwrap();
    assert_eq!((f2.version, f2.latest_version), (2, 1));
    let l = FlowUpdate {
        logic: Some(logic(vec![])),
        ..Default::default()
    };
    let f3 = s.update_flow(org, f.id, l, &NoLinkGuard).await.unwrap();
    assert_eq!((f3.version, f3.latest_version), (3, 2));
    assert_eq!(f3.published_version, Some(2));
    assert_eq!(f3.dialect, Some(Dialect::Actions));
    assert_eq!(f3.description.as_deref(), Some("Hello"));
    let v2 = s.get_version(org, f.id, 2).await.unwrap();
    assert_eq!(v2.document, logic(vec![]).document);
    let versions = s
        .list_versions(org, f.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(versions.total, 2);
    assert_eq!(versions.items[0].number, 2);
}

#[tokio::test]
async fn module_references_are_checked_and_indexed() {
    let (_d, s, org) = open().await;
    let other = s.create_org("other").await.unwrap().id;
    let m = s
        .create_flow(
            new_flow(org, FlowType::CommonModule, "Auth", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let foreign = s
        .create_flow(
            new_flow(other, FlowType::CommonModule, "X", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let inbound = s
        .create_flow(
            new_flow(org, FlowType::InboundCall, "In", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    for bad in [
        call(foreign.id, None),
        call(inbound.id, None),
        call(m.id, Some(2)),
    ] {
        let r = s
            .create_flow(
                new_flow(org, FlowType::InboundCall, "Bad", logic(vec![bad])),
                &NoLinkGuard,
            )
            .await;
        assert!(matches!(r, Err(StoreError::Invalid { .. })), "{r:?}");
    }
    let c = s
        .create_flow(
            new_flow(
                org,
                FlowType::InboundCall,
                "Caller",
                logic(vec![call(m.id, Some(1))]),
            ),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let consumers = s
        .module_consumers(org, m.id, ConsumerFilter::Published)
        .await
        .unwrap();
    assert_eq!(consumers.len(), 1);
    assert_eq!(consumers[0].flow_id, c.id);
    assert_eq!(consumers[0].pinned_version, Some(1));
    let consumed = s.consumed_modules(org, c.id, 1).await.unwrap();
    assert_eq!(consumed[0].module_id, m.id.to_string());
    // In use → nothing deleted.
    match s.delete_flow(org, m.id, None).await {
        Err(StoreError::InUse { consumers }) => assert_eq!(consumers[0].name, "Caller"),
        other => panic!("expected InUse, got {other:?}"),
    }
    assert!(!s.get_flow(org, m.id).await.unwrap().deleted);
    // Once the caller's logic no longer calls it, the module can go.
    let drop_call = FlowUpdate {
        logic: Some(logic(vec![])),
        ..Default::default()
    };
    s.update_flow(org, c.id, drop_call, &NoLinkGuard)
        .await
        .unwrap();
    let gone = s.delete_flow(org, m.id, None).await.unwrap();
    assert!(gone.deleted);
    assert_eq!(
        s.update_flow(org, m.id, FlowUpdate::default(), &NoLinkGuard)
            .await,
        Err(StoreError::Gone)
    );
}

struct RecordingGuard(std::sync::Mutex<Vec<ModuleEdge>>);

impl LinkGuard for RecordingGuard {
    fn check(&self, _: Uuid, _: &str, edges: &[ModuleEdge]) -> Result<(), StoreError> {
        *self.0.lock().unwrap() = edges.to_vec();
        Err(StoreError::Invalid {
            message: "cycle".into(),
            details: vec![],
        })
    }
}

#[tokio::test]
async fn guard_sees_module_edges_and_can_abort() {
    let (_d, s, org) = open().await;
    let a = s
        .create_flow(
            new_flow(org, FlowType::CommonModule, "A", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let b = s
        .create_flow(
            new_flow(
                org,
                FlowType::CommonModule,
                "B",
                logic(vec![call(a.id, None)]),
            ),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let guard = RecordingGuard(Default::default());
    let upd = FlowUpdate {
        logic: Some(logic(vec![call(b.id, None)])),
        ..Default::default()
    };
    let r = s.update_flow(org, a.id, upd, &guard).await;
    assert!(matches!(r, Err(StoreError::Invalid { .. })));
    let edges = guard.0.lock().unwrap().clone();
    assert_eq!(edges.len(), 1);
    assert_eq!((edges[0].caller, edges[0].callee), (b.id, a.id));
    // The aborted write left nothing behind.
    let a_now = s.get_flow(org, a.id).await.unwrap();
    assert_eq!((a_now.version, a_now.latest_version), (1, 1));
}

#[tokio::test]
async fn listing_filters_sort_and_like_escaping() {
    let (_d, s, org) = open().await;
    for (t, n) in [
        (FlowType::InboundCall, "50% off"),
        (FlowType::InboundCall, "500 offers"),
        (FlowType::InboundCall, "a_b"),
        (FlowType::InboundCall, "axb"),
        (FlowType::CommonModule, "Zeta"),
    ] {
        s.create_flow(new_flow(org, t, n, empty()), &NoLinkGuard)
            .await
            .unwrap();
    }
    let names = |p: Page<FlowRecord>| p.items.into_iter().map(|f| f.name).collect::<Vec<_>>();
    let q = |name: &str| FlowQuery {
        name: Some(name.into()),
        sort: FlowSort::Name,
        ..Default::default()
    };
    assert_eq!(
        names(s.list_flows(org, &q("50%")).await.unwrap()),
        ["50% off"]
    );
    assert_eq!(names(s.list_flows(org, &q("a_b")).await.unwrap()), ["a_b"]);
    assert_eq!(
        names(s.list_flows(org, &q("a*b")).await.unwrap()),
        ["a_b", "axb"]
    );
    let types = FlowQuery {
        types: vec![FlowType::CommonModule],
        ..Default::default()
    };
    assert_eq!(names(s.list_flows(org, &types).await.unwrap()), ["Zeta"]);
    let desc = FlowQuery {
        sort: FlowSort::Name,
        descending: true,
        page: PageRequest { number: 2, size: 2 },
        ..Default::default()
    };
    let p = s.list_flows(org, &desc).await.unwrap();
    assert_eq!(p.total, 5);
    assert_eq!(names(p), ["a_b", "500 offers"]);
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (org, id) = {
        let s = SqliteStore::open_dir(dir.path()).await.unwrap();
        let org = s.create_org("acme").await.unwrap().id;
        let f = s
            .create_flow(
                new_flow(org, FlowType::InboundCall, "Main", logic(vec![])),
                &NoLinkGuard,
            )
            .await
            .unwrap();
        s.close().await;
        (org, f.id)
    };
    let s = SqliteStore::open_dir(dir.path()).await.unwrap();
    assert_eq!(s.get_flow(org, id).await.unwrap().name, "Main");
    assert_eq!(s.list_orgs().await.unwrap().len(), 1);
}

#[tokio::test]
async fn clients_tokens_and_executions() {
    let (_d, s, org) = open().await;
    let c = s
        .create_client(NewClient {
            org_id: org,
            name: "ci".into(),
            secret_hash: "$argon2id$x".into(),
            scopes: vec!["admin".into()],
            token_lifetime_secs: 60,
        })
        .await
        .unwrap();
    assert_eq!(s.get_client(c.id).await.unwrap().scopes, ["admin"]);
    let unknown_org = s
        .create_client(NewClient {
            org_id: Uuid::new_v4(),
            name: "x".into(),
            secret_hash: "h".into(),
            scopes: vec![],
            token_lifetime_secs: 60,
        })
        .await;
    assert_eq!(unknown_org.err(), Some(StoreError::NotFound));
    let t = AccessToken {
        token_hash: vec![1; 32],
        client_id: c.id,
        org_id: org,
        scopes: vec!["architect".into()],
        expires_ms: 10,
    };
    s.insert_token(&t).await.unwrap();
    assert_eq!(s.get_token(&[1; 32]).await.unwrap(), t);
    assert_eq!(s.purge_expired_tokens(11).await.unwrap(), 1);
    assert_eq!(s.get_token(&[1; 32]).await, Err(StoreError::NotFound));

    let f = s
        .create_flow(
            new_flow(org, FlowType::InboundCall, "Main", empty()),
            &NoLinkGuard,
        )
        .await
        .unwrap();
    for i in 0..3 {
        s.insert_execution(&ExecutionRecord {
            id: Uuid::new_v4(),
            org_id: org,
            flow_id: f.id,
            flow_version: 1,
            name: Some(format!("run {i}")),
            status: "COMPLETED".into(),
            launched_ms: 1000 + i,
            completed_ms: Some(2000),
            outcome: Some("disconnected".into()),
            action_count: 3,
            trace: json!({"steps": []}),
            output: json!({}),
            client_id: Some(c.id),
        })
        .await
        .unwrap();
    }
    let page = s
        .list_executions(org, f.id, PageRequest { number: 1, size: 2 })
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items[0].name.as_deref(), Some("run 2"));
    let one = s.get_execution(org, page.items[1].id).await.unwrap();
    assert_eq!(one.trace, json!({"steps": []}));
}
