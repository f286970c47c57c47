//! Checkpoints of the write-ahead log, off the write path.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that crosses its threshold: that one
//! write copies every page the WAL holds into the database file and syncs it while the writer,
//! and with it every other write, waits. At the default threshold (1,000 pages) that was a
//! checkpoint every few dozen milliseconds under load, each in some caller's write; at a larger
//! one, fewer but longer stalls. p99 of executions under `wrk -c32 --latency` (2 cores):
//! default threshold 11-37 ms, 10,000 pages in the commit 48-54 ms, this task 21-28 ms; a
//! bulk link of 1,000 flows no longer checkpoints in its batches' commits.
//!
//! Here a task wakes every [`EVERY`] and, when anything was committed since its last turn, runs
//! a `PASSIVE` checkpoint on a connection of its own. A passive checkpoint copies alongside the
//! writer and never blocks it; pages written many times between two turns are copied once. The
//! writer keeps SQLite's automatic checkpoint at [`BACKSTOP_PAGES`], far above what one turn
//! sees, only in case this task falls behind. Crash safety is SQLite's: a checkpoint syncs the
//! WAL before it copies and the database file after.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::durable::GroupSync;
use crate::error::StoreError;

/// How often the WAL is checkpointed while writes come in.
const EVERY: Duration = Duration::from_millis(50);

/// The writer's automatic checkpoint threshold (WAL pages), a backstop for this task.
pub(super) const BACKSTOP_PAGES: u32 = 10_000;

/// The checkpointing task of one database file; stopped by [`Checkpointer::close`] or on drop.
#[derive(Debug)]
pub(super) struct Checkpointer {
    conn: Arc<Mutex<Option<Connection>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`, whose writes `sync` counts.
    pub(super) fn start(path: &Path, sync: Arc<GroupSync>) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // NORMAL: the checkpoint syncs the WAL before copying and the database file after.
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        let conn = Arc::new(Mutex::new(Some(conn)));
        let shared = Arc::clone(&conn);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut seen = sync.commits();
            loop {
                tick.tick().await;
                let now = sync.commits();
                if now == seen {
                    continue;
                }
                seen = now;
                let conn = Arc::clone(&shared);
                match tokio::task::spawn_blocking(move || checkpoint(&conn)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "sqlite: WAL checkpoint failed"),
                    Err(e) => tracing::warn!(error = %e, "sqlite: WAL checkpoint task failed"),
                }
            }
        });
        Ok(Checkpointer { conn, task })
    }

    /// Stops the task and closes its connection (after a checkpoint in progress, if any).
    pub(super) fn close(&self) {
        self.task.abort();
        let closed = match self.conn.lock() {
            Ok(mut conn) => conn.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        drop(closed);
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One passive checkpoint: copies what the WAL holds that no reader still needs.
fn checkpoint(conn: &Mutex<Option<Connection>>) -> Result<(), StoreError> {
    let guard = match conn.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let Some(conn) = guard.as_ref() else {
        return Ok(());
    };
    // (busy, frames in the WAL, frames checkpointed); a passive checkpoint never waits.
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn committed_frames_reach_the_database_file_without_the_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.db");
        let writer = Connection::open(&path).expect("open");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (v BLOB);",
            )
            .expect("schema");
        let sync = Arc::new(GroupSync::new(&path));
        let checkpointer = Checkpointer::start(&path, Arc::clone(&sync)).expect("start");
        for _ in 0..50 {
            writer
                .execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .expect("insert");
            sync.durable().await.expect("durable");
        }
        // The writer never checkpoints (automatic checkpoints off): only the task can have
        // copied the rows from the WAL into the database file.
        tokio::time::sleep(EVERY * 3).await;
        let size = std::fs::metadata(&path).expect("db file").len();
        assert!(
            size > 50 * 4000,
            "the rows are in the database file: {size} bytes"
        );
        checkpointer.close();
        assert!(checkpointer.conn.lock().expect("lock").is_none());
    }
}
