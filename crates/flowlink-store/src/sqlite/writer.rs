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
//! Single-flow writes arriving together share one transaction ([`Writer::grouped`]): each runs
//! in its own savepoint as soon as it holds the writer, and whoever finds no other such write
//! waiting commits them all at once. Their pages (the same table and index pages, much of
//! them) reach the WAL once per group instead of once per write, and a write never waits for
//! another's commit to start its own statements.
//!
//! The connection commits with `synchronous=NORMAL` (no fsync in `COMMIT`); the store then
//! makes each write durable before acknowledging it through the shared WAL fsync of
//! [`super::durable`] (group commit). The mutex is never held across an `.await`, and a
//! grouped write waiting for it yields its worker to other tasks before it blocks the thread.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::watch;

use crate::error::StoreError;

/// Statements kept prepared (the writer's SQL is a few dozen distinct texts).
const STATEMENT_CACHE: usize = 128;

/// Grouped writes committed together at most: bounds how long the first of them waits.
const GROUP_LIMIT: usize = 64;

/// What a grouped write leaves to run once its group has committed (still under the writer).
pub(super) type AfterCommit = Box<dyn FnOnce() + Send>;

/// The single writer connection of one database file.
pub(super) struct Writer {
    path: PathBuf,
    state: Mutex<State>,
}

/// Commits group `id` (if still open) when dropped: after a grouped write's yield, or when
/// the caller is dropped during it.
struct CommitOnDrop<'a> {
    writer: &'a Writer,
    id: u64,
    /// Cleared once the write's own way out has settled the group.
    armed: bool,
}

impl Drop for CommitOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut state = self.writer.lock();
            self.writer.settle_if_open(&mut state, self.id);
        }
    }
}

/// How many times a grouped write that finds the writer held by another thread yields its
/// worker to the runtime's other tasks before it blocks the thread after all.
const YIELDS_BEFORE_BLOCKING: usize = 32;

/// The connection (`None` once closed) and the open transaction of grouped writes, if any.
struct State {
    conn: Option<Connection>,
    group: Option<Group>,
    /// Groups begun so far (numbers them).
    groups: u64,
}

/// Grouped writes done in the open transaction, waiting for its commit.
struct Group {
    id: u64,
    writes: usize,
    after_commit: Vec<AfterCommit>,
    /// Set once to how the commit ended; every write of the group waits on it.
    done: watch::Sender<Option<Result<(), StoreError>>>,
}

impl Group {
    fn new(id: u64) -> Self {
        Group {
            id,
            writes: 0,
            after_commit: Vec::new(),
            done: watch::channel(None).0,
        }
    }

    /// Tells the group's writes how their commit ended (after `after_commit` ran, on success).
    fn finish(self, result: Result<(), StoreError>) {
        if result.is_ok() {
            for f in self.after_commit {
                f();
            }
        }
        self.done.send_replace(Some(result));
    }
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
            state: Mutex::new(State {
                conn: Some(connect(path)?),
                group: None,
                groups: 0,
            }),
        })
    }

    /// Runs the write `f` in its own savepoint of a transaction shared with the grouped writes
    /// around it, and answers once that transaction has committed: `f`'s value, or its error
    /// (its savepoint rolled back, the others' writes unaffected), or the commit's error
    /// (nothing of the group written). `after_commit` makes from the value what to run after
    /// the commit, while the writer is still held (so it is ordered like the writes themselves).
    ///
    /// After its write a caller yields once to the runtime, then awaits `ready` (the WAL fsync
    /// in flight, if any) before it commits: the requests already runnable, and under load the
    /// writes arriving during that fsync, reach the writer meanwhile and join the group; alone,
    /// both return at once. Whoever of the group comes back first commits for all, and a caller
    /// that is dropped commits on its way out.
    pub(super) async fn grouped<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
        after_commit: impl FnOnce(&T) -> AfterCommit,
        ready: impl std::future::Future<Output = ()>,
    ) -> Result<T, StoreError> {
        let (value, id, mut done) = {
            let mut state = self.lock_yielding().await;
            self.write_in_group(&mut state, f, after_commit)?
        };
        {
            let mut commit = CommitOnDrop {
                writer: self,
                id,
                armed: true,
            };
            tokio::task::yield_now().await;
            ready.await;
            let mut state = self.lock_yielding().await;
            self.settle_if_open(&mut state, id);
            commit.armed = false;
        }
        let ended = done
            .wait_for(Option::is_some)
            .await
            .map_err(|_| StoreError::Backend("a grouped write's commit was abandoned".into()))?
            .clone();
        match ended {
            Some(Ok(())) => Ok(value),
            Some(Err(e)) => Err(e),
            None => Err(StoreError::Backend(
                "a grouped write's commit was abandoned".into(),
            )),
        }
    }

    /// [`Self::grouped`] up to the commit: the value of the write done in the group, the
    /// group's number and the receiver that hears how its commit ends.
    #[allow(clippy::type_complexity)]
    fn write_in_group<T>(
        &self,
        state: &mut State,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
        after_commit: impl FnOnce(&T) -> AfterCommit,
    ) -> Result<(T, u64, watch::Receiver<Option<Result<(), StoreError>>>), StoreError> {
        let written = self.join_group(state, f);
        let group = state.group.as_mut();
        match (written, group) {
            (Ok(value), Some(g)) => {
                g.writes += 1;
                g.after_commit.push(after_commit(&value));
                let joined = (value, g.id, g.done.subscribe());
                if g.writes >= GROUP_LIMIT {
                    self.settle(state);
                }
                Ok(joined)
            }
            (Ok(_), None) => Err(StoreError::Backend(
                "a grouped write lost its transaction".into(),
            )),
            (Err(e), group) => {
                // Nobody else of the group will commit it if it holds no write yet.
                if group.is_some_and(|g| g.writes == 0) {
                    self.settle(state);
                }
                Err(e)
            }
        }
    }

    /// Commits group `id` if it is still open.
    fn settle_if_open(&self, state: &mut State, id: u64) {
        if state.group.as_ref().is_some_and(|g| g.id == id) {
            self.settle(state);
        }
    }

    /// Runs `f` in a savepoint of the group's transaction (begun if none is open).
    fn join_group<T>(
        &self,
        state: &mut State,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let State {
            conn,
            group,
            groups,
        } = state;
        let conn = conn.as_mut().ok_or_else(closed)?;
        if group.is_none() {
            conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            *groups += 1;
            *group = Some(Group::new(*groups));
        }
        conn.prepare_cached("SAVEPOINT grouped_write")?
            .execute([])?;
        let result = f(conn);
        let ended = if result.is_err() {
            conn.execute_batch("ROLLBACK TO grouped_write; RELEASE grouped_write")
        } else {
            conn.prepare_cached("RELEASE grouped_write")
                .and_then(|mut c| c.execute([]))
                .map(|_| ())
        };
        if let Err(e) = ended.as_ref() {
            tracing::warn!(error = %e, "sqlite writer: ending a savepoint failed");
        }
        if ended.is_err() || conn.is_autocommit() {
            // SQLite ended the whole transaction (a full disk, an I/O error) or cannot undo this
            // write alone: the group's earlier writes are gone too, and this one with them.
            let e = match (&result, ended) {
                (Err(e), _) => e.clone(),
                (Ok(_), Err(e)) => StoreError::from(e),
                (Ok(_), Ok(())) => StoreError::Backend("the transaction ended".into()),
            };
            self.roll_back(conn);
            if let Some(g) = group.take() {
                g.finish(Err(e.clone()));
            }
            return Err(e);
        }
        result
    }

    /// Commits the open group of writes, if any, and tells its writes how that ended.
    fn settle(&self, state: &mut State) {
        let Some(group) = state.group.take() else {
            return;
        };
        let Some(conn) = state.conn.as_mut() else {
            group.finish(Err(closed()));
            return;
        };
        let committed = conn
            .prepare_cached("COMMIT")
            .and_then(|mut c| c.execute([]))
            .map(|_| ())
            .map_err(StoreError::from);
        if committed.is_err() {
            self.roll_back(conn);
        }
        group.finish(committed);
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction: committed when it returns `Ok`,
    /// rolled back (all of it) when it returns `Err` or the commit fails.
    pub(super) fn transaction<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction_then(f, |_| {})
    }

    /// [`Self::transaction`], then `committed` with its value after the commit while the
    /// writer is still held (so no later write can be overtaken by what it records).
    pub(super) fn transaction_then<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
        committed: impl FnOnce(&T),
    ) -> Result<T, StoreError> {
        let mut state = self.lock();
        self.settle(&mut state);
        let conn = state.conn.as_mut().ok_or_else(closed)?;
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let done = f(conn).and_then(|value| {
            conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(value)
        });
        match &done {
            Ok(value) => committed(value),
            Err(_) => self.roll_back(conn),
        }
        done
    }

    /// [`Self::transaction_then`] for a write that may take long (a bulk edit of thousands of
    /// flows): on a multi-threaded runtime the worker hands its other tasks to the rest of
    /// the runtime first.
    pub(super) fn long_transaction<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
        committed: impl FnOnce(&T),
    ) -> Result<T, StoreError> {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| self.transaction_then(f, committed))
        } else {
            self.transaction_then(f, committed)
        }
    }

    /// Runs `f` on the connection outside any transaction (a pragma).
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut state = self.lock();
        self.settle(&mut state);
        f(state.conn.as_ref().ok_or_else(closed)?)
    }

    /// Closes the connection (graceful shutdown); later writes fail as unavailable.
    pub(super) fn close(&self) {
        let mut state = self.lock();
        self.settle(&mut state);
        if let Some(conn) = state.conn.take() {
            if let Err((_, e)) = conn.close() {
                tracing::warn!(error = %e, "sqlite writer: close failed");
            }
        }
    }

    /// [`Self::lock`] for the grouped writes: while another thread holds the writer (a
    /// hundred microseconds or so), the caller's worker runs the runtime's other tasks instead
    /// of blocking — on two cores a blocked worker is half the server idle. After
    /// [`YIELDS_BEFORE_BLOCKING`] turns it blocks after all, so waiting out a long holder (a
    /// bulk edit) is no busy loop.
    async fn lock_yielding(&self) -> MutexGuard<'_, State> {
        for _ in 0..YIELDS_BEFORE_BLOCKING {
            let busy = match self.state.try_lock() {
                Ok(state) => return state,
                Err(TryLockError::WouldBlock) => true,
                // `lock` clears the poison (and rolls the dead write's group back).
                Err(TryLockError::Poisoned(_)) => false,
            };
            if !busy {
                break;
            }
            tokio::task::yield_now().await;
        }
        self.lock()
    }

    /// The connection, outside any transaction but that of an open group. A write that
    /// panicked poisoned the mutex with its transaction open: that transaction is rolled back
    /// here, and the writes grouped in it are told it failed.
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => {
                self.state.clear_poison();
                let mut state = poisoned.into_inner();
                if let Some(c) = state.conn.as_mut() {
                    self.roll_back(c);
                }
                if let Some(group) = state.group.take() {
                    group.finish(Err(StoreError::Backend(
                        "a write of the group panicked; the group was rolled back".into(),
                    )));
                }
                state
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
/// keys on, a busy timeout for the rare other process (a backup) holding a lock, and automatic
/// checkpoints only as a backstop ([`super::checkpoint`] runs them off the write path).
///
/// Every grouped write runs in a savepoint, whose statement journal keeps the original of each
/// page the write changes: in memory (`temp_store`) that is a copy, where the default temp file
/// made it a `pwrite` per page, a tenth of a PUT's server CPU.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {};",
        super::checkpoint::BACKSTOP_PAGES
    ))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer on a fresh file holding `t(v INTEGER UNIQUE)` with the row `v = 0`.
    fn writer(dir: &tempfile::TempDir) -> Writer {
        let path = dir.path().join("w.db");
        let setup = Connection::open(&path).expect("create");
        setup
            .execute_batch("CREATE TABLE t (v INTEGER UNIQUE); INSERT INTO t VALUES (0);")
            .expect("schema");
        drop(setup);
        Writer::open(&path).expect("writer")
    }

    fn stored(w: &Writer) -> Vec<i64> {
        w.with(|c| {
            let mut q = c.prepare("SELECT v FROM t ORDER BY v")?;
            let rows = q.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<i64>, _>>()?)
        })
        .expect("read")
    }

    fn insert(v: i64) -> impl FnOnce(&mut Connection) -> Result<i64, StoreError> {
        move |c| {
            c.execute("INSERT INTO t VALUES (?1)", [v])?;
            Ok(v)
        }
    }

    fn nothing_after(_: &i64) -> AfterCommit {
        Box::new(|| {})
    }

    #[test]
    fn concurrent_writes_share_commits_and_a_failing_one_fails_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = writer(&dir);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let committed = std::sync::atomic::AtomicUsize::new(0);
        let results = rt.block_on(async {
            let writes = (1..=32).map(|i| {
                // Every fourth write repeats the row already there: a unique violation.
                let v = if i % 4 == 0 { 0 } else { i };
                let committed = &committed;
                w.grouped(
                    insert(v),
                    move |_| {
                        committed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Box::new(|| {})
                    },
                    async {},
                )
            });
            join_all(writes.collect()).await
        });
        let ok: Vec<i64> = results.iter().filter_map(|r| r.clone().ok()).collect();
        assert_eq!(ok.len(), 24);
        for (i, r) in (1..=32).zip(&results) {
            assert_eq!(r.is_err(), i % 4 == 0, "write {i}: {r:?}");
        }
        let mut expected = vec![0];
        expected.extend(ok.iter().copied());
        expected.sort_unstable();
        assert_eq!(
            stored(&w),
            expected,
            "every acknowledged write, no failed one"
        );
        assert_eq!(committed.load(std::sync::atomic::Ordering::SeqCst), 24);
        let groups = w.lock().groups;
        assert!(
            groups <= 4,
            "32 writes in flight together took {groups} transactions"
        );
    }

    #[test]
    fn a_write_whose_caller_is_dropped_is_committed_not_left_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = writer(&dir);
        use std::future::Future;
        let mut write = Box::pin(w.grouped(insert(7), nothing_after, async {}));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        // The first poll writes and yields before committing.
        assert!(write.as_mut().poll(&mut cx).is_pending());
        drop(write);
        // Committed: another connection sees it (the writer's own would commit the group first).
        let other = Connection::open(dir.path().join("w.db")).expect("reader");
        let seen: i64 = other
            .query_row("SELECT count(*) FROM t WHERE v = 7", [], |r| r.get(0))
            .expect("read");
        assert_eq!(seen, 1);
        // No transaction is left open: a plain one runs.
        w.transaction(insert(8)).expect("next write");
        assert_eq!(stored(&w), vec![0, 7, 8]);
    }

    /// Polls all of `futures` until each is ready (the test runtime is single-threaded).
    async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
        let mut handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
        let mut out: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (h, o) in handles.iter_mut().zip(out.iter_mut()) {
                if o.is_none() {
                    match std::future::Future::poll(h.as_mut(), cx) {
                        std::task::Poll::Ready(v) => *o = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        out.into_iter().flatten().collect()
    }
}
