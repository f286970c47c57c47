//! Test support (cargo feature `testing`, for other crates' dev-dependencies): which backend an
//! API test target runs on, and a fresh PostgreSQL schema per test so tests sharing one
//! database never see each other's rows.
//!
//! The backend comes from `FLOWLINK_TEST_BACKEND` (`sqlite`, the default, or `postgres`); the
//! database from `FLOWLINK_TEST_DATABASE_URL`. A test that needs PostgreSQL and finds no URL
//! panics with instructions — it never passes silently — unless `FLOWLINK_SKIP_POSTGRES=1`
//! says the PostgreSQL tests are deliberately skipped. Everything here panics instead of
//! returning errors: it only ever runs inside tests, where a panic is the failure report.
//! [`flow_record`] is a plain row for tests of what holds or compares rows.

use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor, Row};

/// Names of the schemas made here start with this, then the creating process id.
const SCHEMA_PREFIX: &str = "flowlink_test_p";

/// Bounds how long dropping a schema may wait for a lock held by a still-running server, so a
/// test's teardown can never hang (a schema left behind is swept by a later run).
const DROP_LOCK_TIMEOUT: &str = "10s";

/// What to tell a developer whose PostgreSQL tests cannot find a database.
pub const HOW_TO_START: &str = "FLOWLINK_TEST_DATABASE_URL is not set, so the PostgreSQL \
    tests cannot run.\nStart a throw-away server and point the tests at it (from the repository \
    root):\n\n    export FLOWLINK_TEST_DATABASE_URL=\"$(scripts/postgres.sh)\"\n\nor set \
    FLOWLINK_SKIP_POSTGRES=1 to skip the PostgreSQL tests deliberately.";

/// The backend an API test target runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite database in a temp dir.
    Sqlite,
    /// A fresh schema of the `FLOWLINK_TEST_DATABASE_URL` database.
    Postgres,
}

impl TestBackend {
    /// Reads `FLOWLINK_TEST_BACKEND` (unset or empty means SQLite). With `postgres` and
    /// `FLOWLINK_SKIP_POSTGRES=1` the tests fall back to SQLite, saying so on stderr.
    ///
    /// # Panics
    /// On an unknown backend name.
    pub fn from_env() -> TestBackend {
        let name = std::env::var("FLOWLINK_TEST_BACKEND").unwrap_or_default();
        let skip = skip_postgres();
        let backend = Self::parse(&name, skip).unwrap_or_else(|| {
            panic!("FLOWLINK_TEST_BACKEND='{name}': use 'sqlite' or 'postgres'")
        });
        if skip && Self::parse(&name, false) == Some(TestBackend::Postgres) {
            static SAID: AtomicBool = AtomicBool::new(false);
            if !SAID.swap(true, Ordering::Relaxed) {
                eprintln!("FLOWLINK_SKIP_POSTGRES=1: running on SQLite instead of PostgreSQL");
            }
        }
        backend
    }

    /// The backend a `FLOWLINK_TEST_BACKEND` value names (`None` if unknown); `skip_postgres`
    /// turns PostgreSQL into SQLite.
    pub fn parse(name: &str, skip_postgres: bool) -> Option<TestBackend> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "sqlite" => Some(TestBackend::Sqlite),
            "postgres" | "postgresql" if skip_postgres => Some(TestBackend::Sqlite),
            "postgres" | "postgresql" => Some(TestBackend::Postgres),
            _ => None,
        }
    }
}

/// Whether `FLOWLINK_SKIP_POSTGRES=1` deliberately skips the PostgreSQL tests.
pub fn skip_postgres() -> bool {
    std::env::var("FLOWLINK_SKIP_POSTGRES").as_deref() == Ok("1")
}

/// The test database URL; `None` only when `FLOWLINK_SKIP_POSTGRES=1`.
///
/// # Panics
/// With instructions ([`HOW_TO_START`]) when no URL is set and skipping was not asked for.
pub fn database_url() -> Option<String> {
    match std::env::var("FLOWLINK_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ if skip_postgres() => None,
        _ => panic!("{HOW_TO_START}"),
    }
}

/// A fresh, empty schema of the test database, dropped again when this value is dropped (or
/// by [`TestSchema::remove`]). Connections made with [`TestSchema::url`] see only its tables.
#[derive(Debug)]
pub struct TestSchema {
    admin_url: String,
    name: String,
    scoped_url: String,
    removed: bool,
}

impl TestSchema {
    /// Creates a schema in the `FLOWLINK_TEST_DATABASE_URL` database; `None` only when
    /// `FLOWLINK_SKIP_POSTGRES=1`. The first call in a process also drops schemas that earlier
    /// test processes, since killed, left behind.
    ///
    /// # Panics
    /// When no database is configured (with instructions) or it cannot be reached.
    pub async fn create() -> Option<TestSchema> {
        let admin_url = database_url()?;
        let mut conn = connect(&admin_url).await;
        sweep_abandoned(&mut conn).await;
        let name = format!(
            "{SCHEMA_PREFIX}{}_{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        execute(&mut conn, &format!("CREATE SCHEMA {name}")).await;
        // A failed goodbye on a connection we are done with changes nothing.
        let _ = conn.close().await;
        // search_path puts every table, and sqlx's migration bookkeeping, in the fresh schema.
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let scoped_url = format!("{admin_url}{sep}options=-c%20search_path%3D{name}");
        Some(TestSchema {
            admin_url,
            name,
            scoped_url,
            removed: false,
        })
    }

    /// The database URL with `search_path` set to this schema: give it to `open_store` or
    /// `flowlink serve --database-url`.
    pub fn url(&self) -> &str {
        &self.scoped_url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `sql` (any number of statements, no parameters) in this schema, with
    /// `__SCHEMA__` replaced by its name: loads a plain-SQL dump such as the upgrade
    /// fixture's.
    ///
    /// # Panics
    /// When the database refuses the SQL.
    pub async fn run_sql(&self, sql: &str) {
        let mut conn = connect(&self.scoped_url).await;
        if let Err(e) = sqlx::raw_sql(&sql.replace("__SCHEMA__", &self.name))
            .execute(&mut conn)
            .await
        {
            panic!("the SQL failed in schema {}: {e}", self.name);
        }
        let _ = conn.close().await;
    }

    /// Drops the schema now (the async way; dropping the value does the same, blocking).
    pub async fn remove(mut self) {
        self.removed = true;
        drop_schema(&self.admin_url, &self.name).await;
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which must not be blocked on from within, so a
        // thread with its own small runtime does the work; joining it keeps the order "schema
        // gone before the test ends".
        let worker =
            std::thread::spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(drop_schema(&url, &name)),
                    Err(e) => eprintln!("cannot drop test schema {name}: {e}"),
                }
            });
        // A panic while dropping was already printed; the schema is swept later.
        let _ = worker.join();
    }
}

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "cannot connect to FLOWLINK_TEST_DATABASE_URL ({}): {e}\nIs the server running? \
             `scripts/postgres.sh` starts (or reuses) one.",
            crate::postgres::redact(url)
        )
    })
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    if let Err(e) = conn.execute(sql).await {
        panic!("{sql}: {e}");
    }
}

/// Drops `name`, giving up (with a message) rather than waiting long for a lock.
async fn drop_schema(url: &str, name: &str) {
    let result = async {
        let mut conn = PgConnection::connect(url).await?;
        conn.execute(format!("SET lock_timeout = '{DROP_LOCK_TIMEOUT}'").as_str())
            .await?;
        conn.execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
            .await?;
        conn.close().await
    }
    .await;
    if let Err(e) = result {
        eprintln!("cannot drop test schema {name} (a later run sweeps it): {e}");
    }
}

/// Drops schemas made by test processes that no longer run (killed before their teardown).
/// Once per process; only where `/proc` tells live processes from dead ones.
async fn sweep_abandoned(conn: &mut PgConnection) {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if SWEPT.swap(true, Ordering::Relaxed) || !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let pattern = format!("{SCHEMA_PREFIX}%");
    let Ok(rows) = sqlx::query("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1")
        .bind(&pattern)
        .fetch_all(&mut *conn)
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get::<String, _>(0) else {
            continue;
        };
        let pid = name
            .strip_prefix(SCHEMA_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|p| p.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        if std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // Another process may be sweeping the same schema; losing that race is fine.
        let _ = conn
            .execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str())
            .await;
    }
}

/// A flow row as a fresh inbound flow of `org` named `name` has it (version 1, no logic
/// pointers, unlocked): for tests of caches and renderings that hold or compare rows.
pub fn flow_record(org: uuid::Uuid, id: uuid::Uuid, name: &str) -> crate::FlowRecord {
    crate::FlowRecord {
        id,
        org_id: org,
        flow_type: flowlink_api::FlowType::InboundCall,
        name: name.into(),
        description: None,
        version: 1,
        dialect: None,
        active: false,
        deleted: false,
        locked_client_id: None,
        published_version: None,
        saved_version: None,
        checked_in_version: None,
        latest_version: 1,
        published_ms: None,
        error_handling: None,
        created_ms: 0,
        modified_ms: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_names() {
        assert_eq!(TestBackend::parse("", false), Some(TestBackend::Sqlite));
        assert_eq!(
            TestBackend::parse(" SQLite ", false),
            Some(TestBackend::Sqlite)
        );
        assert_eq!(
            TestBackend::parse("postgres", false),
            Some(TestBackend::Postgres)
        );
        assert_eq!(
            TestBackend::parse("PostgreSQL", false),
            Some(TestBackend::Postgres)
        );
        assert_eq!(
            TestBackend::parse("postgres", true),
            Some(TestBackend::Sqlite)
        );
        assert_eq!(TestBackend::parse("mysql", false), None);
    }
}
