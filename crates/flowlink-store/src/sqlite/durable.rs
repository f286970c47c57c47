//! Group commit on SQLite: concurrent writes share one fsync of the write-ahead log.
//!
//! The writer connection runs with `synchronous=NORMAL`, so a `COMMIT` appends its frames to
//! the WAL (a `write`, no fsync) and SQLite keeps the database consistent across a crash
//! (it syncs the WAL before every checkpoint and the database file after). What NORMAL alone
//! does not give is durability of the last commits; [`GroupSync::durable`] adds it: every
//! write the store acknowledges first waits until an `fdatasync` of the WAL that *started
//! after its commit* has returned. One caller at a time runs the fsync; those who committed
//! meanwhile queue behind it and are all covered by the next one, so N concurrent writes cost
//! about two fsyncs instead of N, and nothing is acknowledged before it is on disk (the same
//! guarantee `synchronous=FULL` gives, which syncs the WAL inside each `COMMIT`).
//!
//! Each write stays its own transaction, so one write failing never fails another.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::StoreError;

/// Shares WAL fsyncs among the writes committed on one database file.
#[derive(Debug)]
pub(super) struct GroupSync {
    wal: PathBuf,
    /// Writes committed so far (counted after their `COMMIT` returned).
    committed: AtomicU64,
    /// Every write numbered up to this one is on disk.
    synced: AtomicU64,
    /// Held while an fsync runs; its waiters are covered by the next one.
    syncing: tokio::sync::Mutex<()>,
    /// Fsyncs started so far, and the number of the last one finished (their callers told).
    started: AtomicU64,
    finished: tokio::sync::watch::Sender<u64>,
    /// Fsyncs run so far (tests read it).
    pub(super) fsyncs: AtomicU64,
}

impl GroupSync {
    /// Group commit for the database file at `db` (its WAL is `db` + `-wal`).
    pub(super) fn new(db: &std::path::Path) -> Self {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        GroupSync {
            wal: PathBuf::from(wal),
            committed: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            syncing: tokio::sync::Mutex::new(()),
            started: AtomicU64::new(0),
            finished: tokio::sync::watch::Sender::new(0),
            fsyncs: AtomicU64::new(0),
        }
    }

    /// Writes committed so far (a number that only grows).
    pub(super) fn commits(&self) -> u64 {
        self.committed.load(Ordering::SeqCst)
    }

    /// Returns once the fsync running when it was called (if any) has finished. Grouped writes
    /// await it before they commit: the writes arriving during an fsync then commit together
    /// right after it (one commit, each shared page written to the WAL once) instead of in
    /// small commits that would only queue for the next fsync anyway. Everyone waiting is woken
    /// at once (a watch, not a queue behind the fsync's lock).
    pub(super) async fn idle(&self) {
        let running = self.started.load(Ordering::SeqCst);
        let mut finished = self.finished.subscribe();
        // The sender lives as long as `self`: the wait ends only when that fsync has.
        let _ = finished.wait_for(|done| *done >= running).await;
    }

    /// Returns once everything the writer committed before this call is on disk. Called after
    /// every operation on the writer connection, whatever its result (a failed bulk edit may
    /// have committed earlier batches).
    pub(super) async fn durable(&self) -> Result<(), StoreError> {
        let ticket = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        if self.synced.load(Ordering::SeqCst) >= ticket {
            return Ok(());
        }
        let _turn = self.syncing.lock().await;
        if self.synced.load(Ordering::SeqCst) >= ticket {
            // An fsync that started after our commit covered it.
            return Ok(());
        }
        // Everything committed before this point is in the WAL (written, maybe not synced).
        let upto = self.committed.load(Ordering::SeqCst);
        let wal = self.wal.clone();
        let number = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        // However this ends (its caller dropped included), those in `idle` stop waiting for it.
        let _finished = Finished {
            finished: &self.finished,
            number,
        };
        tokio::task::spawn_blocking(move || sync_file(&wal))
            .await
            .map_err(|e| StoreError::Backend(format!("WAL sync task: {e}")))??;
        self.fsyncs.fetch_add(1, Ordering::Relaxed);
        self.synced.fetch_max(upto, Ordering::SeqCst);
        Ok(())
    }
}

/// Marks fsync `number` finished when dropped.
struct Finished<'a> {
    finished: &'a tokio::sync::watch::Sender<u64>,
    number: u64,
}

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        // Fsyncs run one at a time (under `syncing`), so they finish in their numbers' order.
        self.finished.send_replace(self.number);
    }
}

/// `fdatasync` of the file at `path`; a missing file has nothing unsynced (the WAL is only
/// absent before the first write or after the last connection closed and checkpointed it).
fn sync_file(path: &std::path::Path) -> Result<(), StoreError> {
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f
            .sync_data()
            .map_err(|e| StoreError::Backend(format!("fsync {}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Backend(format!(
            "open {} to sync: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_share_fsyncs_and_each_waits_for_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("flowlink.db");
        std::fs::write(dir.path().join("flowlink.db-wal"), b"frames").unwrap();
        let sync = Arc::new(GroupSync::new(&db));
        // Alone: one write, one fsync of its own.
        sync.durable().await.unwrap();
        assert_eq!(sync.fsyncs.load(Ordering::SeqCst), 1);
        let writers: Vec<_> = (0..64)
            .map(|_| {
                let sync = Arc::clone(&sync);
                tokio::spawn(async move { sync.durable().await })
            })
            .collect();
        for w in writers {
            w.await.unwrap().unwrap();
        }
        let fsyncs = sync.fsyncs.load(Ordering::SeqCst);
        // Writes that committed while an fsync ran share the next one.
        assert!(
            (1..=32).contains(&(fsyncs - 1)),
            "64 concurrent writes ran {} fsyncs",
            fsyncs - 1
        );
        // Every write numbered so far is covered.
        assert_eq!(sync.synced.load(Ordering::SeqCst), 65);
    }

    #[tokio::test]
    async fn idle_waits_for_the_fsync_in_flight_only() {
        let dir = tempfile::tempdir().unwrap();
        let sync = Arc::new(GroupSync::new(&dir.path().join("flowlink.db")));
        // Nothing runs: at once.
        sync.idle().await;
        // An fsync is in flight (started, not finished): idle waits for it, and only for it.
        sync.started.store(1, Ordering::SeqCst);
        let waiting = tokio::spawn({
            let sync = Arc::clone(&sync);
            async move { sync.idle().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(Finished {
            finished: &sync.finished,
            number: 1,
        });
        tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("idle ended with the fsync")
            .unwrap();
        // A real write's fsync is numbered and finished too.
        std::fs::write(dir.path().join("flowlink.db-wal"), b"frames").unwrap();
        sync.durable().await.unwrap();
        assert_eq!(*sync.finished.borrow(), 2);
        sync.idle().await;
    }

    #[tokio::test]
    async fn an_unsyncable_wal_fails_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("flowlink.db");
        // A directory where the WAL should be: it cannot be opened for writing.
        std::fs::create_dir(dir.path().join("flowlink.db-wal")).unwrap();
        let sync = GroupSync::new(&db);
        assert!(matches!(sync.durable().await, Err(StoreError::Backend(_))));
        assert_eq!(sync.synced.load(Ordering::SeqCst), 0);
    }
}
