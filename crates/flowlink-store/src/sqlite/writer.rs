//! The SQLite writer: one connection (`rusqlite`), every write one `BEGIN IMMEDIATE`
//! transaction run start to end on the calling thread.
//!
//! Why not sqlx here: sqlx-sqlite runs each connection on its own thread, so every statement
//! is a hand-off there and a wake-up back, and every connection returned to the pool is
//! pinged. A write of five statements cost about a dozen context switches, which on two cores
//! was most of a PUT's CPU and the reason concurrent writers queued. Here a transaction is a
//! few function calls under a mutex: a single-flow write holds it for about a hundred
//! microseconds, which is less than one of those hand-offs. Writes are serialized by the mutex
//! as SQLite serializes them anyway (one writer at a time), and none ever waits on
//! `SQLITE_BUSY` half-way through. The one long write, a bulk edit, runs under
//! `block_in_place` so the runtime moves other tasks off its thread.
//!
//! The connection commits with `synchronous=NORMAL` (no fsync in `COMMIT`); the store then
//! makes each write durable before acknowledging it through the shared WAL fsync of
//! [`super::durable`] (group commit). The mutex is never held across an `.await`.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// Statements kept prepared (the writer's SQL is a few dozen distinct texts).
const STATEMENT_CACHE: usize = 128;

/// The single writer connection of one database file.
pub(super) struct Writer {
    path: PathBuf,
    /// `None` once closed.
    conn: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("path", &self.path).finish()
    }
}

impl Writer {
    /// Opens the writer on the database file at `path` (which the migrations created).
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Writer {
            path: path.to_path_buf(),
            conn: Mutex::new(Some(connect(path)?)),
        })
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction: committed when it returns `Ok`,
    /// rolled back (all of it) when it returns `Err` or the commit fails.
    pub(super) fn transaction<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard = self.lock();
        let conn = guard.as_mut().ok_or_else(closed)?;
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let done = f(conn).and_then(|value| {
            conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(value)
        });
        if done.is_err() {
            self.roll_back(conn);
        }
        done
    }

    /// [`Self::transaction`] for a write that may take long (a bulk edit of thousands of
    /// flows): on a multi-threaded runtime the worker hands its other tasks to the rest of
    /// the runtime first.
    pub(super) fn long_transaction<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| self.transaction(f))
        } else {
            self.transaction(f)
        }
    }

    /// Runs `f` on the connection outside any transaction (a pragma).
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(self.lock().as_ref().ok_or_else(closed)?)
    }

    /// Closes the connection (graceful shutdown); later writes fail as unavailable.
    pub(super) fn close(&self) {
        if let Some(conn) = self.lock().take() {
            if let Err((_, e)) = conn.close() {
                tracing::warn!(error = %e, "sqlite writer: close failed");
            }
        }
    }

    /// The connection, never inside a transaction. A write that panicked poisoned the mutex
    /// with its transaction open: that transaction is rolled back here.
    fn lock(&self) -> MutexGuard<'_, Option<Connection>> {
        match self.conn.lock() {
            Ok(conn) => conn,
            Err(poisoned) => {
                self.conn.clear_poison();
                let mut conn = poisoned.into_inner();
                if let Some(c) = conn.as_mut() {
                    self.roll_back(c);
                }
                conn
            }
        }
    }

    /// Ends a failed transaction. On a full disk (and some I/O errors) SQLite has already
    /// rolled it back itself; a connection still inside a transaction after `ROLLBACK` is
    /// replaced by a fresh one, so the next write starts clean.
    fn roll_back(&self, conn: &mut Connection) {
        if conn.is_autocommit() {
            return;
        }
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::warn!(error = %e, "sqlite writer: ROLLBACK failed");
        }
        if !conn.is_autocommit() {
            match connect(&self.path) {
                Ok(fresh) => *conn = fresh,
                Err(e) => tracing::error!(error = %e, "sqlite writer: cannot reopen"),
            }
        }
    }
}

fn closed() -> StoreError {
    StoreError::Unavailable("the SQLite store is closed".into())
}

/// A writer connection: WAL, `synchronous=NORMAL` (the store syncs the WAL itself), foreign
/// keys on, and a busy timeout for the rare other process (a backup) holding a lock.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}
