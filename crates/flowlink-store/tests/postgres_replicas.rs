//! PostgreSQL-only behaviour: several server processes ("replicas", here separate connection
//! pools) on one database keep every guarantee, start up together without double-applying
//! migrations, and text PostgreSQL cannot store is a bad request, not a backend failure.
//! Needs `FLOWLINK_TEST_DATABASE_URL` like the PostgreSQL half of the story.

#![allow(clippy::unwrap_used)]

// Shared with the story; the parts only the story uses are dead code here.
#[allow(dead_code)]
#[path = "story/concurrency.rs"]
mod concurrency;
#[allow(dead_code)]
#[path = "story/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "story/support.rs"]
mod support;

use std::sync::Arc;

use flowlink_api::FlowType;
use flowlink_store::*;
use sqlx::Row;

use support::*;

/// Two replicas on one fresh schema, or `None` when PostgreSQL tests are skipped.
async fn replicas() -> Option<(Vec<Shared>, String, String)> {
    let (url, schema, scoped) = harness::postgres_schema_url().await?;
    let a = open_store(&scoped).await.expect("replica a");
    let b = open_store(&scoped).await.expect("replica b");
    Some((vec![a, b], url, schema))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_keep_every_guarantee() {
    let Some((stores, url, schema)) = replicas().await else {
        return;
    };
    concurrency::conditional_writers(&stores).await;
    concurrency::unconditional_writers(&stores).await;
    concurrency::duplicate_creators(&stores).await;
    concurrency::delete_racing_links(&stores).await;
    concurrency::cycle_racers(&stores).await;
    drop(stores);
    harness::drop_schema(&url, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_on_one_replica_is_seen_by_the_other() {
    let Some((stores, url, schema)) = replicas().await else {
        return;
    };
    let (a, b) = (&stores[0], &stores[1]);
    let o = org(a, "acme").await;
    let f = flow(a, o, FlowType::InboundCall, "Main", empty()).await;
    let upd = FlowUpdate {
        expected_version: Some(1),
        description: Some("from b".into()),
        ..Default::default()
    };
    b.update_flow(o, f.id, upd.clone(), &NoLinkGuard)
        .await
        .unwrap();
    // The same stale write through the other replica is refused.
    assert!(is_stale(&a.update_flow(o, f.id, upd, &NoLinkGuard).await));
    assert_eq!(
        a.get_flow(o, f.id).await.unwrap().description.as_deref(),
        Some("from b")
    );
    drop(stores);
    harness::drop_schema(&url, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_migrate_once() {
    let Some((url, schema, scoped)) = harness::postgres_schema_url().await else {
        return;
    };
    let mut starts = Vec::new();
    for _ in 0..4 {
        let scoped = scoped.clone();
        starts.push(tokio::spawn(async move {
            let url = DatabaseUrl::parse(&scoped).unwrap();
            PostgresStore::connect(&url).await
        }));
    }
    let mut stores = Vec::new();
    for s in starts {
        stores.push(s.await.unwrap().expect("every replica starts"));
    }
    let applied =
        sqlx::query("SELECT COUNT(*) AS n, BOOL_AND(success) AS ok FROM _sqlx_migrations")
            .fetch_one(stores[0].pool())
            .await
            .unwrap();
    let files = std::fs::read_dir(
        std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("migrations/postgres"),
    )
    .unwrap()
    .count();
    assert_eq!(applied.get::<i64, _>("n"), files as i64);
    assert!(applied.get::<bool, _>("ok"));
    let s: Shared = Arc::new(stores.pop().unwrap());
    org(&s, "works").await;
    drop((s, stores));
    harness::drop_schema(&url, &schema).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn text_postgres_cannot_store_is_invalid_not_a_backend_error() {
    let Some(backend) = harness::postgres().await else {
        return;
    };
    let s = backend.store.clone();
    assert!(
        matches!(
            s.create_org("nul\0byte").await,
            Err(StoreError::Invalid { .. })
        ),
        "NUL in a name"
    );
    let o = org(&s, "acme").await;
    let r = s
        .create_flow(
            new_flow(o, FlowType::InboundCall, "a\0b", empty()),
            &NoLinkGuard,
        )
        .await;
    assert!(matches!(r, Err(StoreError::Invalid { .. })), "{r:?}");
    let q = FlowQuery {
        name: Some("\0".into()),
        ..Default::default()
    };
    assert!(matches!(
        s.list_flows(o, &q).await,
        Err(StoreError::Invalid { .. })
    ));
    drop(s);
    backend.finish().await;
}

#[tokio::test]
async fn connection_errors_do_not_reveal_the_password() {
    // Nothing listens on port 1; the error must still not carry the secret.
    let url = DatabaseUrl::parse("postgres://flow:s3cret@127.0.0.1:1/flowlink").unwrap();
    let err = PostgresStore::connect(&url).await.unwrap_err().to_string();
    assert!(err.contains("flow:***@127.0.0.1:1"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}
