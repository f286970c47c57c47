//! Batched inserts on SQLite: finished executions and issued tokens.
//!
//! Each is a small append-only row written under load by many callers at once. A writer task
//! per kind takes every row waiting in its queue, inserts them with multi-row `INSERT`s in ONE
//! transaction on the writer connection (one statement on its own, else `BEGIN IMMEDIATE`),
//! commits, and hands the answers to a follower that waits for the shared WAL fsync ([`super::durable`]) before answering each
//! caller: nothing is acknowledged before it is on disk, and the task is already committing the
//! next batch while that fsync runs. A batch that fails (one execution whose flow vanished) is
//! replayed row by row so that only the faulty row fails.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sqlx::sqlite::{Sqlite, SqliteArguments, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use super::durable::GroupSync;
use crate::error::StoreError;

/// Most rows taken from the queue for one transaction.
const MAX_BATCH: usize = 512;
/// Rows per `INSERT` statement (13 columns x 64 = 832 bound values, far below SQLite's limit).
const CHUNK: usize = 64;

pub(super) type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;
type Answer = oneshot::Sender<Result<(), StoreError>>;
/// A boxed, sendable future borrowing `'a`.
pub(super) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A row kind the batcher can insert.
pub(super) trait BatchRow: Send + Sync + 'static {
    /// `INSERT INTO table (columns) VALUES` (the value tuples follow).
    const INSERT: &'static str;
    /// One row's placeholders, `(?, ?, …)`.
    const PLACEHOLDERS: &'static str;
    /// Binds this row's values, in the column order of [`Self::INSERT`].
    fn bind<'q>(&'q self, query: SqliteQuery<'q>) -> SqliteQuery<'q>;
    /// Inserts this row alone (its own transaction), mapping errors as the single-row path does.
    fn insert_one<'a>(&'a self, pool: &'a SqlitePool) -> BoxFut<'a, Result<(), StoreError>>;
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
    pub(super) fn start(writer: SqlitePool, sync: Arc<GroupSync>) -> Self {
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
    writer: SqlitePool,
    sync: Arc<GroupSync>,
    mut rx: mpsc::UnboundedReceiver<(T, Answer)>,
    stats: Arc<BatchStats>,
) {
    let mut waiting = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut waiting, MAX_BATCH).await > 0 {
        stats.batches.fetch_add(1, Ordering::Relaxed);
        stats
            .rows
            .fetch_add(waiting.len() as u64, Ordering::Relaxed);
        let (rows, answers): (Vec<T>, Vec<Answer>) = waiting.drain(..).unzip();
        let results = insert_all(&writer, &rows).await;
        let sync = Arc::clone(&sync);
        // The fsync is waited for off the task, so the next batch commits meanwhile.
        tokio::spawn(async move {
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
        });
    }
}

/// One result per row, in order.
async fn insert_all<T: BatchRow>(writer: &SqlitePool, rows: &[T]) -> Vec<Result<(), StoreError>> {
    if rows.len() > 1 && insert_batch(writer, rows).await.is_ok() {
        return rows.iter().map(|_| Ok(())).collect();
    }
    // Alone, or the batch failed as a whole: each row in its own transaction.
    let mut results = Vec::with_capacity(rows.len());
    for row in rows {
        results.push(row.insert_one(writer).await);
    }
    results
}

async fn insert_batch<T: BatchRow>(writer: &SqlitePool, rows: &[T]) -> Result<(), StoreError> {
    if rows.len() <= CHUNK {
        // One statement is atomic on its own: no BEGIN/COMMIT round trips to the writer's
        // thread (a batch under 32 connections is a few dozen rows).
        let sql = insert_sql::<T>(rows.len());
        let mut query = sqlx::query(&sql);
        for row in rows {
            query = row.bind(query);
        }
        query.execute(writer).await?;
        return Ok(());
    }
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    for chunk in rows.chunks(CHUNK) {
        let sql = insert_sql::<T>(chunk.len());
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = row.bind(query);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `INSERT … VALUES (…), (…)` for `rows` rows.
fn insert_sql<T: BatchRow>(rows: usize) -> String {
    let mut sql = String::with_capacity(T::INSERT.len() + rows * (T::PLACEHOLDERS.len() + 2));
    sql.push_str(T::INSERT);
    for i in 0..rows {
        sql.push_str(if i == 0 { " " } else { ", " });
        sql.push_str(T::PLACEHOLDERS);
    }
    sql
}
