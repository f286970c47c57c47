//! Online backup and offline restore of a SQLite data directory's database.
//!
//! **Backup** runs `VACUUM INTO` on a connection of its own (another process than the server
//! is fine): it reads the database inside one read transaction, so the copy is the committed
//! state at one instant — every write acknowledged before it began, none half-done — while the
//! server goes on reading and writing (WAL: readers and the writer do not block each other).
//! The copy is then opened and checked with `PRAGMA integrity_check`.
//!
//! **Restore** checks the backup (`integrity_check`, and that it is a flowlink database),
//! refuses a data directory whose database is open in another process (a running server) and,
//! unless forced, one that already holds a database; then copies the file in beside the old
//! one, syncs it, removes the old WAL and shared-memory files (a WAL left beside the new file
//! would be replayed into it) and renames it into place, and finally opens it with the current
//! migrations, so a backup of an earlier release comes back upgraded.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, Row, SqliteConnection};

use super::SqliteStore;
use crate::error::StoreError;

/// The database file's name inside a data directory.
pub const DB_FILE: &str = "flowlink.db";

fn backend(what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(what.to_string())
}

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, StoreError> {
    SqliteConnectOptions::from_str("sqlite:")
        .map_err(backend)?
        .filename(path)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(10))
        .disable_statement_logging()
        .connect()
        .await
        .map_err(|e| backend(format!("cannot open {}: {e}", path.display())))
}

/// `PRAGMA integrity_check` of the database at `path`: `Ok` when SQLite answers `ok`.
pub async fn integrity_check(path: &Path) -> Result<(), StoreError> {
    let mut conn = connect(path, true).await?;
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| {
            backend(format!(
                "{} is not a readable database: {e}",
                path.display()
            ))
        })?;
    let _ = conn.close().await;
    let report: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    if report == ["ok"] {
        Ok(())
    } else {
        Err(backend(format!(
            "{} fails the integrity check: {}",
            path.display(),
            report.join("; ")
        )))
    }
}

/// Writes a consistent copy of the live database `db` to `out` (which must not exist) while
/// other connections keep working, and checks the copy's integrity.
pub async fn backup(db: &Path, out: &Path) -> Result<(), StoreError> {
    if !db.is_file() {
        return Err(backend(format!("no database at {}", db.display())));
    }
    if out.exists() {
        return Err(backend(format!(
            "{} already exists; give a new file name",
            out.display()
        )));
    }
    let target = out
        .to_str()
        .ok_or_else(|| backend(format!("{} is not a UTF-8 path", out.display())))?;
    let mut conn = connect(db, false).await?;
    let done = sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    done.map_err(|e| backend(format!("backup into {} failed: {e}", out.display())))?;
    integrity_check(out).await
}

/// Whether another connection (another process: a running server) has the database at
/// `db` open. In WAL mode every open connection holds a shared lock on the file; an
/// exclusive-locking-mode transaction needs it alone.
async fn in_use(db: &Path) -> Result<bool, StoreError> {
    let mut conn = SqliteConnectOptions::from_str("sqlite:")
        .map_err(backend)?
        .filename(db)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::ZERO)
        .disable_statement_logging()
        .connect()
        .await
        .map_err(|e| backend(format!("cannot open {}: {e}", db.display())))?;
    let probe = sqlx::query("BEGIN EXCLUSIVE").execute(&mut conn).await;
    let busy = match probe {
        Ok(_) => {
            let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
            false
        }
        Err(sqlx::Error::Database(e)) if e.message().contains("locked") => true,
        Err(e) => return Err(backend(format!("cannot lock {}: {e}", db.display()))),
    };
    let _ = conn.close().await;
    Ok(busy)
}

/// Restores the backup file `from` as the database of the data directory `dir` (created if
/// missing), as the module docs say. Without `force` a directory that already has a
/// database is refused; a database another process has open is refused always.
pub async fn restore(from: &Path, dir: &Path, force: bool) -> Result<PathBuf, StoreError> {
    integrity_check(from).await?;
    {
        let mut conn = connect(from, true).await?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
             AND name IN ('_sqlx_migrations', 'flows', 'oauth_clients')",
        )
        .fetch_one(&mut conn)
        .await
        .map_err(backend)?;
        let _ = conn.close().await;
        if tables != 3 {
            return Err(backend(format!(
                "{} is not a flowlink database (no flows, clients or migration history)",
                from.display()
            )));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| backend(format!("cannot create {}: {e}", dir.display())))?;
    let db = dir.join(DB_FILE);
    if db.exists() {
        if in_use(&db).await? {
            return Err(backend(format!(
                "{} is open in another process (a running `flowlink serve`?); stop it first",
                db.display()
            )));
        }
        if !force {
            return Err(backend(format!(
                "{} already holds a database; restore into an empty directory, or add --force \
                 to replace it",
                dir.display()
            )));
        }
    }
    let staging = dir.join(format!("{DB_FILE}.restoring"));
    let copy = || -> std::io::Result<()> {
        std::fs::copy(from, &staging)?;
        std::fs::File::open(&staging)?.sync_all()?;
        for stale in ["-wal", "-shm"] {
            match std::fs::remove_file(dir.join(format!("{DB_FILE}{stale}"))) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::rename(&staging, &db)?;
        // The rename is durable once the directory is synced.
        std::fs::File::open(dir)?.sync_all()
    };
    copy().map_err(|e| backend(format!("cannot restore into {}: {e}", dir.display())))?;
    // Pending migrations run now: a backup of an earlier release comes back current.
    let store = SqliteStore::open(&db).await?;
    store.close().await;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn a_backup_restores_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live");
        let store = SqliteStore::open_dir(&live).await.unwrap();
        let org = store.create_org("acme").await.unwrap();
        let out = dir.path().join("backup.db");
        backup(&live.join(DB_FILE), &out).await.unwrap();
        // A second backup to the same file is refused.
        assert!(backup(&live.join(DB_FILE), &out).await.is_err());
        // The live database is open here: restoring over it is refused, even forced.
        let err = restore(&out, &live, true).await.unwrap_err().to_string();
        assert!(err.contains("open in another process"), "{err}");
        store.close().await;

        let target = dir.path().join("restored");
        restore(&out, &target, false).await.unwrap();
        let err = restore(&out, &target, false).await.unwrap_err().to_string();
        assert!(err.contains("--force"), "{err}");
        restore(&out, &target, true).await.unwrap();
        let restored = SqliteStore::open_dir(&target).await.unwrap();
        assert_eq!(restored.get_org(org.id).await.unwrap(), org);
        restored.close().await;
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_flowlink_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all").unwrap();
        assert!(restore(&junk, &dir.path().join("d"), false).await.is_err());
        assert!(!dir.path().join("d").join(DB_FILE).exists());
    }
}
