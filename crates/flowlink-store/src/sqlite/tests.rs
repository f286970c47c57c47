//! What only the SQLite backend has: a database file that outlives the process. Every other
//! behaviour is the backend-neutral store story's (`tests/story/`), run on SQLite and
//! PostgreSQL alike.

use flowlink_api::FlowType;
use serde_json::json;

use super::SqliteStore;
use crate::records::*;
use crate::store::{NoLinkGuard, Store};

/// A published inbound flow named `name` of `org` whose one action is a disconnect named
/// `action`.
fn main_flow(org: uuid::Uuid, name: &str, action: &str) -> NewFlow {
    NewFlow {
        org_id: org,
        flow_type: FlowType::InboundCall,
        name: name.into(),
        description: None,
        error_handling: None,
        logic: disconnect(action),
        client_id: None,
    }
}

/// Published logic whose one action is a disconnect named `name`.
/// A store in a fresh directory (kept while the returned guard lives) with one organization.
async fn store_with_org() -> (tempfile::TempDir, SqliteStore, uuid::Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open_dir(dir.path()).await.unwrap();
    let org = s.create_org("acme").await.unwrap().id;
    (dir, s, org)
}

/// A finished execution of version 1 of `flow` named `name`, with `trace`.
fn execution(
    org: uuid::Uuid,
    flow: uuid::Uuid,
    name: &str,
    trace: serde_json::Value,
) -> ExecutionRecord {
    ExecutionRecord {
        id: uuid::Uuid::now_v7(),
        org_id: org,
        flow_id: flow,
        flow_version: 1,
        name: Some(name.into()),
        status: "COMPLETED".into(),
        launched_ms: 1_000,
        completed_ms: Some(1_001),
        outcome: Some(r#"{"type":"disconnected"}"#.into()),
        action_count: 1,
        trace: JsonText::from(&trace),
        output: json!({}),
        client_id: None,
    }
}

fn disconnect(name: &str) -> LogicWrite {
    LogicWrite {
        document: json!({"actions": [{"type": "disconnect", "name": name}]}).into(),
        dialect: Some(Dialect::Actions),
        calls: vec![],
        kind: VersionKind::Publish,
    }
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (org, id) = {
        let s = SqliteStore::open_dir(dir.path()).await.unwrap();
        let org = s.create_org("acme").await.unwrap().id;
        let f = s
            .create_flow(main_flow(org, "Main", "bye"), &NoLinkGuard)
            .await
            .unwrap();
        s.close().await;
        (org, f.id)
    };
    let s = SqliteStore::open_dir(dir.path()).await.unwrap();
    assert_eq!(s.get_flow(org, id).await.unwrap().name, "Main");
    assert_eq!(s.list_orgs().await.unwrap().len(), 1);
}

/// The row cache (`row_cache`) answers reads without the database: every kind of write
/// must still be seen by the very next read.
#[tokio::test]
async fn every_write_is_seen_by_the_next_read() {
    let (_dir, s, org) = store_with_org().await;
    let client = s
        .create_client(NewClient {
            org_id: org,
            name: "ci".into(),
            secret_hash: "x".into(),
            scopes: vec!["admin".into()],
            token_lifetime_secs: 3600,
        })
        .await
        .unwrap()
        .id;
    let f = s
        .create_flow(main_flow(org, "Main", "bye"), &NoLinkGuard)
        .await
        .unwrap();
    // Read twice: the second read is answered by the cache.
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), f);
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), f);

    let renamed = s
        .update_flow(
            org,
            f.id,
            FlowUpdate {
                expected_version: Some(f.version),
                name: Some("Renamed".into()),
                description: None,
                error_handling: None,
                logic: Some(disconnect("again")),
                client_id: None,
            },
            &NoLinkGuard,
        )
        .await
        .unwrap();
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), renamed);
    assert_eq!(s.get_flow(org, f.id).await.unwrap().name, "Renamed");

    let held = s.checkout_flow(org, f.id, client).await.unwrap();
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), held);
    assert_eq!(
        s.get_flow(org, f.id).await.unwrap().locked_client_id,
        Some(client)
    );
    let free = s.unlock_flow(org, f.id).await.unwrap();
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), free);
    assert_eq!(s.get_flow(org, f.id).await.unwrap().locked_client_id, None);

    // A bulk edit leaves the rows it wrote in the cache, as committed; the others it drops
    // nothing of.
    let other_flow = s
        .create_flow(main_flow(org, "Untouched", "bye"), &NoLinkGuard)
        .await
        .unwrap();
    assert_eq!(s.get_flow(org, other_flow.id).await.unwrap(), other_flow);
    let done = s
        .edit_flows(org, client, &[f.id], &CallEdit(disconnect("bulk")))
        .await
        .unwrap();
    let Ok(crate::bulk::EditOutcome::Updated(written, _)) = &done[0].outcome else {
        panic!("the bulk edit wrote the flow: {:?}", done[0].outcome);
    };
    assert_eq!(written.version, free.version + 1);
    assert_eq!(
        s.flows.get(&(org, f.id)).as_ref(),
        Some(written),
        "kept as written"
    );
    assert_eq!(&s.get_flow(org, f.id).await.unwrap(), written);
    assert_eq!(
        s.flows.get(&(org, other_flow.id)),
        Some(other_flow),
        "still cached"
    );

    let gone = s.delete_flow(org, f.id, None).await.unwrap();
    assert!(s.get_flow(org, f.id).await.unwrap().deleted);
    assert_eq!(s.get_flow(org, f.id).await.unwrap(), gone);
    // A client's new secret hash is read at once.
    assert_eq!(s.get_client(client).await.unwrap().secret_hash, "x");
    assert!(s
        .replace_client_secret_hash(client, "x", "y")
        .await
        .unwrap());
    assert_eq!(s.get_client(client).await.unwrap().secret_hash, "y");
    // Another organization never reads it, cached or not.
    let other = s.create_org("other").await.unwrap().id;
    assert!(matches!(
        s.get_flow(other, f.id).await,
        Err(crate::StoreError::NotFound)
    ));
}

/// Executions launched at once share commits and fsyncs: the batch writer takes every row
/// waiting in its queue into one transaction, and the transactions committed while a WAL
/// fsync runs share the next one, so 256 concurrent inserts take far fewer than 256 fsyncs,
/// and each is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_executions_fill_batches() {
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    let (_dir, s, org) = store_with_org().await;
    let s = Arc::new(s);
    let flow = s
        .create_flow(main_flow(org, "Main", "bye"), &NoLinkGuard)
        .await
        .unwrap();
    const CALLS: u64 = 256;
    let fsyncs_before = s.sync.fsyncs.load(Ordering::Relaxed);
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let s = Arc::clone(&s);
            let record = execution(
                org,
                flow.id,
                &format!("call {i}"),
                json!({"steps": [], "i": i}),
            );
            tokio::spawn(async move { s.insert_execution(&record).await.map(|()| record) })
        })
        .collect();
    for t in tasks {
        let record = t.await.unwrap().unwrap();
        assert_eq!(s.get_execution(org, record.id).await.unwrap(), record);
    }
    let stats = s.executions.stats();
    let (batches, rows) = (
        stats.batches.load(Ordering::Relaxed),
        stats.rows.load(Ordering::Relaxed),
    );
    assert_eq!(rows, CALLS);
    assert!(
        batches < CALLS,
        "{CALLS} concurrent executions took {batches} transactions"
    );
    let fsyncs = s.sync.fsyncs.load(Ordering::Relaxed) - fsyncs_before;
    assert!(
        fsyncs <= CALLS / 4,
        "{CALLS} concurrent executions took {fsyncs} fsyncs"
    );
}

/// Single-flow writes describe their dependency rows themselves (migration 0006 lets such rows
/// skip the describe trigger): after every kind of write, every row must hold exactly what
/// the trigger would have read from its consumer's row.
#[tokio::test]
async fn dependency_rows_written_described_match_their_consumer() {
    let (dir, s, org) = store_with_org().await;
    let module = s
        .create_flow(
            NewFlow {
                flow_type: FlowType::CommonModule,
                ..main_flow(org, "Shared", "bye")
            },
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let calling = |kind: VersionKind, pin: Option<u32>| LogicWrite {
        calls: vec![ModuleRef {
            node_id: "call".into(),
            module_id: module.id.to_string(),
            version: pin,
        }],
        kind,
        ..disconnect("bye")
    };
    let f = s
        .create_flow(
            NewFlow {
                logic: calling(VersionKind::Publish, None),
                ..main_flow(org, "Main", "bye")
            },
            &NoLinkGuard,
        )
        .await
        .unwrap();
    let write = |name: Option<&str>, logic: Option<LogicWrite>| FlowUpdate {
        expected_version: None,
        name: name.map(str::to_string),
        description: None,
        error_handling: None,
        logic,
        client_id: None,
    };
    for (name, logic) in [
        (None, Some(calling(VersionKind::Save, Some(1)))),
        (Some("Main Renamed"), None),
        (None, Some(calling(VersionKind::Checkin, None))),
        (None, Some(calling(VersionKind::Save, None))),
        (
            Some("MAIN again"),
            Some(calling(VersionKind::Publish, Some(1))),
        ),
    ] {
        s.update_flow(org, f.id, write(name, logic), &NoLinkGuard)
            .await
            .unwrap();
    }
    // A bulk edit describes its rows too: of a plain flow, and of one checked out by the
    // editing client (its edit becomes a draft, in no published role).
    let plain = s
        .create_flow(main_flow(org, "Plain", "bye"), &NoLinkGuard)
        .await
        .unwrap();
    let held = s
        .create_flow(main_flow(org, "Held", "bye"), &NoLinkGuard)
        .await
        .unwrap();
    let me = uuid::Uuid::new_v4();
    s.checkout_flow(org, held.id, me).await.unwrap();
    let edit = CallEdit(calling(VersionKind::Publish, None));
    let done = s
        .edit_flows(org, me, &[plain.id, held.id], &edit)
        .await
        .unwrap();
    assert_eq!(done.len(), 2);
    s.close().await;

    let conn = rusqlite::Connection::open(dir.path().join(super::backup::DB_FILE)).unwrap();
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM flow_dependencies WHERE consumer_id = ?1",
            [f.id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 5, "one row per version (the rename wrote none)");
    let held_roles: (i64, i64, i64) = conn
        .query_row(
            "SELECT in_published, in_checked_in, in_current FROM flow_dependencies \
             WHERE consumer_id = ?1",
            [held.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(held_roles, (0, 0, 1), "the holder's edit is a draft");
    let wrong: Vec<(i64, String, String)> = {
        let mut q = conn
            .prepare(
                "SELECT d.consumer_version, d.consumer_name_key, \
                        d.in_published || d.in_checked_in || d.in_current \
                 FROM flow_dependencies d JOIN flows f ON f.id = d.consumer_id \
                 WHERE d.consumer_type IS NOT f.flow_type \
                    OR d.consumer_name_key IS NOT f.name_key \
                    OR d.in_published IS NOT (f.deleted = 0 AND f.published_version IS d.consumer_version) \
                    OR d.in_checked_in IS NOT (f.deleted = 0 AND f.checked_in_version IS d.consumer_version) \
                    OR d.in_current IS NOT (f.deleted = 0 AND (f.published_version IS d.consumer_version \
                        OR f.checked_in_version IS d.consumer_version \
                        OR f.saved_version IS d.consumer_version))",
            )
            .unwrap();
        let found = q
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        found
    };
    assert!(wrong.is_empty(), "rows described wrongly: {wrong:?}");
    // The newest version (published) is the one in every role.
    let roles: (i64, i64, i64) = conn
        .query_row(
            "SELECT in_published, in_checked_in, in_current FROM flow_dependencies \
             WHERE consumer_id = ?1 AND consumer_version = 5",
            [f.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(roles, (1, 1, 1));
}

/// A bulk edit giving every flow the same logic.
struct CallEdit(LogicWrite);

impl crate::bulk::FlowEdit for CallEdit {
    fn edit(
        &self,
        _: &FlowRecord,
        _: serde_json::Value,
    ) -> Result<Option<crate::bulk::EditedLogic>, crate::bulk::EditRefusal> {
        Ok(Some(crate::bulk::EditedLogic {
            logic: self.0.clone(),
            guard: Box::new(NoLinkGuard),
        }))
    }
}

/// Traces are stored compressed ([`super::packed`]); rows an earlier release wrote as JSON
/// text read back unchanged beside them.
#[tokio::test]
async fn traces_are_stored_packed_and_plain_ones_still_read() {
    let (_dir, s, org) = store_with_org().await;
    let flow = s
        .create_flow(main_flow(org, "Main", "bye"), &NoLinkGuard)
        .await
        .unwrap();
    let steps: Vec<_> = (0..40)
        .map(
            |i| json!({"flowId": flow.id, "nodeId": format!("n{i}"), "event": {"type": "dataSet"}}),
        )
        .collect();
    let record = execution(org, flow.id, "call", json!({"steps": steps}));
    s.insert_execution(&record).await.unwrap();
    assert_eq!(s.get_execution(org, record.id).await.unwrap(), record);
    let (kind, stored): (String, i64) = s
        .writer
        .with(|c| {
            Ok(c.query_row(
                "SELECT typeof(trace), length(trace) FROM executions WHERE id = ?1",
                [record.id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!(kind, "blob");
    let text_len = record.trace.as_str().len() as i64;
    assert!(stored * 4 < text_len, "{stored} of {text_len} bytes stored");

    // As an earlier release stored it: the JSON text itself.
    let old = ExecutionRecord {
        id: uuid::Uuid::now_v7(),
        ..record.clone()
    };
    s.writer
        .transaction(|c| {
            c.execute(
                "INSERT INTO executions (id, org_id, flow_id, flow_version, name, status, \
                 launched_ms, completed_ms, outcome, action_count, trace, output, client_id) \
                 SELECT ?1, org_id, flow_id, flow_version, name, status, launched_ms, \
                 completed_ms, outcome, action_count, ?2, output, client_id FROM executions \
                 WHERE id = ?3",
                [
                    old.id.to_string(),
                    old.trace.as_str().to_string(),
                    record.id.to_string(),
                ],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(s.get_execution(org, old.id).await.unwrap(), old);
}
