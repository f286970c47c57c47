//! The embedded SQLite backend: one database file, WAL, foreign keys on, one writer connection
//! ([`writer`]: every write is one `BEGIN IMMEDIATE` transaction run on the caller's thread,
//! serialized by a mutex, so concurrent writers never meet `SQLITE_BUSY` half-way through)
//! and a small pool of read-only sqlx readers. An acknowledged write survives `kill -9` and
//! power loss: the writer commits with `synchronous=NORMAL` and every write then waits for a
//! shared fsync of the WAL (group commit, [`durable`]).

pub mod backup;
mod batch;
mod bulk_link;
mod checkpoint;
mod dependencies;
mod durable;
mod executions;
mod flow_writes;
mod flows;
mod jobs;
mod lifecycle;
mod lite;
mod orgs;
mod packed;
mod point_reads;
mod row_cache;
mod rows;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};

use self::writer::Writer;
use uuid::Uuid;

use crate::bulk::{EditOutcome, EditResult, FlowEdit};
use crate::error::{Consumer, StoreError};
use crate::lifecycle::{ConsumerQuery, StaleDependency, StaleKind};
use crate::records::*;
use crate::store::{LinkGuard, Store};

/// Number of read-only connections; reads never wait for the writer under WAL.
const READERS: u32 = 4;

/// The SQLite implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: Arc<Writer>,
    readers: SqlitePool,
    sync: Arc<durable::GroupSync>,
    /// WAL checkpoints, off the write path ([`checkpoint`]).
    checkpointer: Arc<checkpoint::Checkpointer>,
    /// Finished executions and issued tokens are inserted in batches ([`batch`]).
    executions: Arc<batch::Batcher<executions::ExecutionRow>>,
    tokens: Arc<batch::Batcher<orgs::TokenRow>>,
    /// Flow rows and OAuth clients already read, invalidated by every write ([`row_cache`]).
    flows: Arc<row_cache::RowCache<(Uuid, Uuid), FlowRecord>>,
    clients: Arc<row_cache::RowCache<Uuid, OAuthClient>>,
    /// Reads of one flow or version, without the sqlx hand-off ([`point_reads`]).
    point_reads: Arc<point_reads::PointReads>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and runs pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let base = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Statements are logged by our own spans; sqlx's per-statement INFO lines are noise.
            .disable_statement_logging();
        // The migrations run on a connection of their own (sqlx's migrator and its table),
        // closed before the writer opens.
        let mut migrating = base
            .clone()
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .connect()
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut migrating)
            .await?;
        migrating.close().await?;
        let writer = Arc::new(Writer::open(path)?);
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            // No ping before each read: a local file connection does not go stale, and the
            // ping's round trip to the connection's worker thread cost ~7% of a launch's CPU.
            .test_before_acquire(false)
            .connect_with(base.read_only(true))
            .await?;
        let sync = Arc::new(durable::GroupSync::new(path));
        // The migrations just committed are made durable like any write.
        sync.durable().await?;
        let executions = Arc::new(batch::Batcher::start(
            Arc::clone(&writer),
            Arc::clone(&sync),
        ));
        let tokens = Arc::new(batch::Batcher::start(
            Arc::clone(&writer),
            Arc::clone(&sync),
        ));
        let checkpointer = Arc::new(checkpoint::Checkpointer::start(path, Arc::clone(&sync))?);
        Ok(SqliteStore {
            writer,
            readers,
            sync,
            checkpointer,
            executions,
            tokens,
            flows: Arc::default(),
            clients: Arc::default(),
            point_reads: Arc::new(point_reads::PointReads::new(path)),
        })
    }

    /// Opens `flowlink.db` inside `dir` (created if missing).
    pub async fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Self::open(&dir.join("flowlink.db")).await
    }

    /// `result` of a write that may have changed any cached row, answered once what it
    /// committed is durable; the row caches forget everything first (after the commit, before
    /// the answer). Every write ends here, in [`Self::durable_flow`] (one flow's row kept as
    /// committed) or in [`Self::synced`] (no cached row changed, or the writer already set the
    /// rows it wrote, as a bulk edit does): here, a bulk edit that failed.
    async fn durable<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        self.flows.invalidate_all();
        self.clients.invalidate_all();
        self.synced(result).await
    }

    /// Runs the write `f` in one writer transaction that changes the row of flow `id` of `org`
    /// and no other cached row (the single-flow writes and lifecycle actions: each `UPDATE
    /// flows` is by id, and each answers the row as it committed it), then answers once
    /// durable, as [`Self::durable`] does. The cache keeps the committed row (set while the
    /// writer is still held, so no later write of the row can be overtaken): the next read of
    /// the flow, typically its writer's own, is answered without a database round trip. A
    /// failed write drops the row instead.
    async fn durable_flow(
        &self,
        org: Uuid,
        id: Uuid,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<FlowRecord, StoreError>,
    ) -> Result<FlowRecord, StoreError> {
        let result = self
            .writer
            .grouped(
                f,
                |row| {
                    let (flows, row) = (Arc::clone(&self.flows), row.clone());
                    Box::new(move || flows.replace((org, id), &row))
                },
                self.sync.idle(),
            )
            .await;
        if result.is_err() {
            self.flows.invalidate(&(org, id));
        }
        self.synced(result).await
    }

    /// `result`, answered once what it committed is durable. Used alone by writes that change
    /// no cached row (new rows, tokens, jobs).
    async fn synced<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        let synced = self.sync.durable().await;
        let value = result?;
        synced?;
        Ok(value)
    }

    /// SQLite's `PRAGMA integrity_check` of the whole file: `["ok"]` when it finds it sound,
    /// else its list of problems (for operators and the full-disk test).
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        self.writer.with(|conn| {
            lite::Sql::new("PRAGMA integrity_check").rows(conn, |row| {
                use crate::rows::Columns;
                row.text("integrity_check")
            })
        })
    }

    /// Closes both pools, waiting for in-flight statements (graceful shutdown).
    pub async fn close(&self) {
        self.readers.close().await;
        self.checkpointer.close();
        self.writer.close();
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn close(&self) {
        SqliteStore::close(self).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.readers)
            .await
            .map(|_| ())
            .map_err(StoreError::from)
    }

    async fn create_org(&self, name: &str) -> Result<Organization, StoreError> {
        self.synced(self.writer.transaction(|c| orgs::create_org(c, name)))
            .await
    }
    async fn get_org(&self, id: Uuid) -> Result<Organization, StoreError> {
        orgs::get_org(&self.readers, id).await
    }
    async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError> {
        orgs::list_orgs(&self.readers).await
    }
    async fn create_client(&self, client: NewClient) -> Result<OAuthClient, StoreError> {
        self.synced(self.writer.transaction(|c| orgs::create_client(c, client)))
            .await
    }
    async fn get_client(&self, id: Uuid) -> Result<OAuthClient, StoreError> {
        if let Some(client) = self.clients.get(&id) {
            return Ok(client);
        }
        let generation = self.clients.generation();
        let client = orgs::get_client(&self.readers, id).await?;
        self.clients.insert(generation, id, &client);
        Ok(client)
    }
    async fn replace_client_secret_hash(
        &self,
        id: Uuid,
        expected: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let replaced = self
            .writer
            .transaction(|c| orgs::replace_client_secret_hash(c, id, expected, new));
        self.clients.invalidate(&id);
        self.synced(replaced).await
    }
    async fn list_clients(&self, org: Uuid) -> Result<Vec<OAuthClient>, StoreError> {
        orgs::list_clients(&self.readers, org).await
    }
    async fn insert_token(&self, token: &AccessToken) -> Result<(), StoreError> {
        self.tokens.insert(orgs::TokenRow::from(token)).await
    }
    async fn get_token(&self, token_hash: &[u8]) -> Result<AccessToken, StoreError> {
        orgs::get_token(&self.readers, token_hash).await
    }
    async fn revoke_token(&self, token_hash: &[u8]) -> Result<bool, StoreError> {
        self.synced(
            self.writer
                .transaction(|c| orgs::revoke_token(c, token_hash)),
        )
        .await
    }
    async fn purge_expired_tokens(&self, now_ms: i64) -> Result<u64, StoreError> {
        self.synced(
            self.writer
                .transaction(|c| orgs::purge_expired_tokens(c, now_ms)),
        )
        .await
    }
    async fn create_flow(
        &self,
        flow: NewFlow,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError> {
        self.synced(
            self.writer
                .transaction(|c| flow_writes::create_flow(c, flow, guard)),
        )
        .await
    }
    async fn get_flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
        if let Some(rec) = self.flows.get(&(org, id)) {
            return Ok(rec);
        }
        let generation = self.flows.generation();
        let rec = self.point_reads.flow(org, id)?;
        self.flows.insert(generation, (org, id), &rec);
        Ok(rec)
    }
    async fn get_flows(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<FlowRecord>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.flows.get(&(org, *id)) {
                Some(rec) => found.push(rec),
                None => missing.push(*id),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let generation = self.flows.generation();
        let query = FlowQuery::by_ids(missing);
        for rec in flows::list_flows(&self.readers, org, &query).await?.items {
            self.flows.insert(generation, (org, rec.id), &rec);
            found.push(rec);
        }
        Ok(found)
    }
    async fn list_flows(
        &self,
        org: Uuid,
        query: &FlowQuery,
    ) -> Result<Page<FlowRecord>, StoreError> {
        flows::list_flows(&self.readers, org, query).await
    }
    async fn update_flow(
        &self,
        org: Uuid,
        id: Uuid,
        update: FlowUpdate,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| {
            flow_writes::update_flow(c, org, id, update, guard)
        })
        .await
    }
    async fn edit_flows(
        &self,
        org: Uuid,
        client: Uuid,
        ids: &[Uuid],
        edit: &dyn FlowEdit,
    ) -> Result<Vec<EditResult>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // A bulk edit changes the rows it reports written and no other: the cache keeps those
        // as committed (set while the writer is held, as a single write does), so reading the
        // linked flows afterwards needs no database round trip. A failed batch wrote nothing;
        // it drops everything anyway, as any write whose effect is unknown does.
        let result = self.writer.long_transaction(
            |c| bulk_link::edit_flows(c, org, client, ids, edit),
            |results: &Vec<EditResult>| {
                for r in results {
                    if let Ok(EditOutcome::Updated(row, _)) = &r.outcome {
                        self.flows.replace((org, row.id), row);
                    }
                }
            },
        );
        if result.is_err() {
            return self.durable(result).await;
        }
        self.synced(result).await
    }
    async fn delete_flow(
        &self,
        org: Uuid,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| {
            flow_writes::delete_flow(c, org, id, expected_version, None)
        })
        .await
    }
    async fn list_versions(
        &self,
        org: Uuid,
        flow: Uuid,
        page: PageRequest,
    ) -> Result<Page<FlowVersionRecord>, StoreError> {
        flows::list_versions(&self.readers, org, flow, page).await
    }
    async fn get_version(
        &self,
        org: Uuid,
        flow: Uuid,
        number: u32,
    ) -> Result<FlowVersionRecord, StoreError> {
        self.point_reads.version(org, flow, number)
    }
    async fn module_consumers(
        &self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, StoreError> {
        let mut conn = self.readers.acquire().await?;
        flows::module_consumers(&mut conn, org, module, filter).await
    }
    async fn consumed_modules(
        &self,
        org: Uuid,
        flow: Uuid,
        version: u32,
    ) -> Result<Vec<ModuleRef>, StoreError> {
        flows::consumed_modules(&self.readers, org, flow, version).await
    }
    async fn module_edges(&self, org: Uuid) -> Result<Vec<ModuleEdge>, StoreError> {
        let mut conn = self.readers.acquire().await?;
        flows::module_edges(&mut conn, org).await
    }
    async fn checkout_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| lifecycle::checkout(c, org, id, client))
            .await
    }
    async fn checkin_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| lifecycle::checkin(c, org, id, client))
            .await
    }
    async fn publish_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
        version: Option<u32>,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| {
            lifecycle::publish(c, org, id, client, version, guard)
        })
        .await
    }
    async fn revert_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| lifecycle::revert(c, org, id, client))
            .await
    }
    async fn unlock_flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| lifecycle::unlock(c, org, id))
            .await
    }
    async fn deactivate_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| lifecycle::deactivate(c, org, id, client))
            .await
    }
    async fn delete_flow_as(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        self.durable_flow(org, id, |c| {
            flow_writes::delete_flow(c, org, id, None, Some(client))
        })
        .await
    }
    async fn consumers_page(
        &self,
        org: Uuid,
        module: Uuid,
        query: &ConsumerQuery,
    ) -> Result<Page<Consumer>, StoreError> {
        dependencies::consumers_page(&self.readers, org, module, query).await
    }
    async fn stale_dependencies(
        &self,
        org: Uuid,
        kind: StaleKind,
        filter: ConsumerFilter,
    ) -> Result<Vec<StaleDependency>, StoreError> {
        dependencies::stale_dependencies(&self.readers, org, kind, filter).await
    }
    async fn insert_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        self.executions
            .insert(executions::ExecutionRow::from(execution))
            .await
    }
    async fn get_execution(&self, org: Uuid, id: Uuid) -> Result<ExecutionRecord, StoreError> {
        executions::get_execution(&self.readers, org, id).await
    }
    async fn list_executions(
        &self,
        org: Uuid,
        flow: Uuid,
        page: PageRequest,
    ) -> Result<Page<ExecutionRecord>, StoreError> {
        executions::list_executions(&self.readers, org, flow, page).await
    }
}

#[cfg(test)]
mod tests;
