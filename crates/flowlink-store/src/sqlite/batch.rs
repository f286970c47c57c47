//! Batched inserts on SQLite: finished executions and issued tokens.
//!
//! Each is a small append-only row written under load by many callers at once. A writer task
//! per kind takes every row waiting in its queue, inserts them with multi-row `INSERT`s in ONE
//! transaction of the writer ([`super::writer`]), commits, waits for the shared WAL fsync
//! ([`super::durable`]) and only then answers each caller: nothing is acknowledged before it is
//! on disk, and the rows that arrived during that fsync make the next batch. A batch that
//! fails (one execution whose flow vanished) is replayed row by row so that only the faulty row
//! fails.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::durable::GroupSync;
use super::lite::Sql;
use super::writer::Writer;
use crate::error::StoreError;

/// Most rows taken from the queue for one transaction.
const MAX_BATCH: usize = 512;
/// Rows per `INSERT` statement (13 columns x 64 = 832 bound values, far below SQLite's limit).
const CHUNK: usize = 64;

type Answer = oneshot::Sender<Result<(), StoreError>>;

/// A row kind the batcher can insert.
pub(super) trait BatchRow: Send + Sync + 'static {
    /// `INSERT INTO table (columns) VALUES` (the value tuples follow).
    const INSERT: &'static str;
    /// This row's values, in the column order of [`Self::INSERT`].
    fn values(&self) -> Vec<Value>;
    /// What a failed insert of this row alone means (a foreign key: its flow vanished).
    fn failed(e: rusqlite::Error) -> StoreError {
        e.into()
    }
}

/// The queue of one row kind, drained by its writer task.
pub(super) struct Batcher<T> {
    queue: mpsc::UnboundedSender<(T, Answer)>,
    /// What the writer task has done so far (tests read it: do batches fill under load?).
    #[cfg(test)]
    stats: Arc<BatchStats>,
}

/// Transactions run and rows taken by one writer task.
#[derive(Debug, Default)]
pub(super) struct BatchStats {
    pub(super) batches: AtomicU64,
    pub(super) rows: AtomicU64,
}

impl<T> std::fmt::Debug for Batcher<T> {
    // Rows may hold secrets (token hashes): only the queue's state is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher")
            .field("closed", &self.queue.is_closed())
            .finish()
    }
}

impl<T: BatchRow> Batcher<T> {
    /// Starts the writer task; it ends when the last handle to the queue is dropped.
    pub(super) fn start(writer: Arc<Writer>, sync: Arc<GroupSync>) -> Self {
        let (queue, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(BatchStats::default());
        tokio::spawn(run(writer, sync, rx, Arc::clone(&stats)));
        Batcher {
            queue,
            #[cfg(test)]
            stats,
        }
    }

    /// Counters of the writer task.
    #[cfg(test)]
    pub(super) fn stats(&self) -> &BatchStats {
        &self.stats
    }

    /// Inserts `row`; returns once the transaction holding it is committed and durable.
    pub(super) async fn insert(&self, row: T) -> Result<(), StoreError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((row, answer))
            .map_err(|_| StoreError::Backend("batch writer stopped".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Backend("batch writer dropped the write".into()))?
    }
}

async fn run<T: BatchRow>(
    writer: Arc<Writer>,
    sync: Arc<GroupSync>,
    mut rx: mpsc::UnboundedReceiver<(T, Answer)>,
    stats: Arc<BatchStats>,
) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    // Commit, then wait for the fsync that covers the commit, then take the next batch: the
    // rows that arrive during one fsync are committed together right after it and covered by
    // the next one. (Committing the next batch while the fsync runs, as this did before, left
    // the rows arriving after that early commit waiting for a third fsync, and made more,
    // smaller commits: with 32 callers, 10-20% fewer calls a second.)
    while rx.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .rows
            .fetch_add(waiting.len() as u64, Ordering::Relaxed);
        let (rows, answers): (Vec<T>, Vec<Answer>) = waiting.drain(..).unzip();
        let results = insert_all(&writer, &rows);
        let synced = sync.durable().await;
        for (answer, result) in answers.into_iter().zip(results) {
            let result = match (result, &synced) {
                (Err(e), _) => Err(e),
                (Ok(()), Ok(())) => Ok(()),
                (Ok(()), Err(e)) => Err(StoreError::Backend(format!("WAL sync: {e}"))),
            };
            // A caller that went away needs no answer.
            let _ = answer.send(result);
        }
    }
}

/// One result per row, in order.
fn insert_all<T: BatchRow>(writer: &Writer, rows: &[T]) -> Vec<Result<(), StoreError>> {
    if rows.len() > 1 && writer.transaction(|conn| insert_batch(conn, rows)).is_ok() {
        return rows.iter().map(|_| Ok(())).collect();
    }
    // Alone, or the batch failed as a whole: each row in its own transaction.
    rows.iter()
        .map(|row| {
            writer.transaction(|conn| {
                insert_sql::<T>(std::slice::from_ref(row))
                    .execute(conn)
                    .map(|_| ())
                    .map_err(T::failed)
            })
        })
        .collect()
}

fn insert_batch<T: BatchRow>(conn: &Connection, rows: &[T]) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK) {
        insert_sql(chunk).execute(conn)?;
    }
    Ok(())
}

/// `INSERT … VALUES (…), (…)` of `rows`.
fn insert_sql<T: BatchRow>(rows: &[T]) -> Sql {
    let mut sql = Sql::new(T::INSERT);
    for (i, row) in rows.iter().enumerate() {
        sql.push(if i == 0 { " " } else { ", " });
        sql.tuple(row.values());
    }
    sql
}
