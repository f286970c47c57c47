//! Fresh, isolated stores for the story: SQLite in a temp dir, PostgreSQL in a new schema of
//! the database named by `FLOWLINK_TEST_DATABASE_URL`. Both are opened through `open_store`, so
//! the backend chooser is exercised too.

use std::sync::Arc;

use flowlink_store::{open_store, Store};
use sqlx::postgres::PgPoolOptions;
use sqlx::Executor;
use tempfile::TempDir;

/// A store plus whatever must outlive it (the temp dir) or be cleaned up after it.
pub struct Backend {
    pub store: Arc<dyn Store>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { url: String, schema: String },
}

const HOW_TO_START: &str = "FLOWLINK_TEST_DATABASE_URL is not set, so the PostgreSQL half of \
    the store story cannot run.\nStart a throw-away server and point the tests at it (from the \
    repository root):\n\n    export FLOWLINK_TEST_DATABASE_URL=\"$(scripts/postgres.sh)\"\n\n\
    or set FLOWLINK_SKIP_POSTGRES=1 to skip the PostgreSQL tests deliberately.";

pub async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_str().expect("utf-8 temp path").to_string();
    let store = open_store(&path).await.expect("open sqlite store");
    Backend {
        store,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// The test database URL; `None` only when `FLOWLINK_SKIP_POSTGRES=1`, a failure otherwise.
fn database_url() -> Option<String> {
    match std::env::var("FLOWLINK_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("FLOWLINK_SKIP_POSTGRES").as_deref() == Ok("1") => {
            eprintln!("skipping the PostgreSQL half: FLOWLINK_SKIP_POSTGRES=1");
            None
        }
        _ => panic!("{HOW_TO_START}"),
    }
}

/// A fresh schema in the test database: `(url, schema, url scoped to the schema)`.
pub async fn postgres_schema_url() -> Option<(String, String, String)> {
    let url = database_url()?;
    let schema = format!("flowlink_test_{}", uuid::Uuid::new_v4().simple());
    admin(&url, &format!("CREATE SCHEMA {schema}")).await;
    // search_path puts every table, and sqlx's migration bookkeeping, in the fresh schema.
    let sep = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    Some((url, schema, scoped))
}

/// A PostgreSQL store in a fresh schema; `None` only when `FLOWLINK_SKIP_POSTGRES=1`.
pub async fn postgres() -> Option<Backend> {
    let (url, schema, scoped) = postgres_schema_url().await?;
    let store = open_store(&scoped)
        .await
        .unwrap_or_else(|e| panic!("cannot open PostgreSQL store: {e}"));
    Some(Backend {
        store,
        cleanup: Cleanup::Postgres { url, schema },
    })
}

pub async fn drop_schema(url: &str, schema: &str) {
    admin(url, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

async fn admin(url: &str, sql: &str) {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to FLOWLINK_TEST_DATABASE_URL ({}): {e}\n\
                 Is the server running? `scripts/postgres.sh` starts (or reuses) one.",
                flowlink_store::postgres::redact(url)
            )
        });
    pool.execute(sql).await.expect(sql);
    pool.close().await;
}

impl Backend {
    /// Drops the PostgreSQL schema after a passing scenario (a failing one leaves it for
    /// inspection; the test server is throw-away).
    pub async fn finish(self) {
        drop(self.store);
        if let Cleanup::Postgres { url, schema } = self.cleanup {
            drop_schema(&url, &schema).await;
        }
    }
}
