//! The PostgreSQL backend, for several stateless `flowlink serve` replicas on one database.
//!
//! Every guarantee lives in the database, never in process memory, so it holds across
//! replicas: the optimistic lock and the checkout lock are checked under a row lock and
//! written by a conditional `UPDATE`, names are unique through a partial unique index, a flow
//! version and its dependency rows are written in one transaction, and module cycles are
//! guarded under a per-organization advisory lock (details in `flows`). Transactions run at
//! READ COMMITTED; one that meets a deadlock or serialization failure is run again.
//!
//! Migrations are in `migrations/postgres` (append-only). `sqlx`'s migrator holds a PostgreSQL
//! advisory lock while it runs, so replicas starting together apply them exactly once.

mod bulk_link;
mod dependencies;
mod executions;
mod flows;
mod jobs;
mod lifecycle;
mod orgs;
mod rows;
mod url;

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use uuid::Uuid;

use self::rows::TxError;
pub use self::url::{redact, DatabaseUrl};
use crate::bulk::{EditResult, FlowEdit};
use crate::error::{Consumer, StoreError};
use crate::lifecycle::{ConsumerQuery, StaleDependency, StaleKind};
use crate::records::*;
use crate::store::{LinkGuard, Store};

/// Default connection pool size per server process. N replicas need N × this many connections
/// (PostgreSQL's default `max_connections` is 100).
pub const DEFAULT_POOL_SIZE: u32 = 10;

/// How long a request waits for a pool connection before it is answered "database unavailable"
/// (a bound, so a request never hangs while PostgreSQL is down or every connection is busy).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest one statement may run (PostgreSQL's `statement_timeout`); past it the statement
/// is cancelled and the request answered "database unavailable".
pub const STATEMENT_TIMEOUT: &str = "30s";

/// How many times a transaction that hit a deadlock or serialization failure is attempted.
const MAX_ATTEMPTS: u32 = 5;

/// The PostgreSQL implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` with a pool of [`DEFAULT_POOL_SIZE`] and runs pending migrations.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url
            .expose_secret()
            .parse()
            .map_err(|e| StoreError::Backend(format!("invalid database URL {url}: {e}")))?;
        let options = options.options([("statement_timeout", STATEMENT_TIMEOUT)]);
        // A pooled connection is pinged before use, so one that died with a restarted server is
        // discarded and replaced instead of failing the request (sqlx reconnects by itself).
        let pool = PgPoolOptions::new()
            .max_connections(DEFAULT_POOL_SIZE)
            .acquire_timeout(DEFAULT_ACQUIRE_TIMEOUT)
            .test_before_acquire(true);
        // Say which database failed (redacted) so operators can tell replicas' configs apart.
        Self::connect_with(options, pool)
            .await
            .map_err(|e| match e {
                StoreError::Backend(m) => StoreError::Backend(format!("{m} (database {url})")),
                StoreError::Unavailable(m) => {
                    StoreError::Unavailable(format!("{m} (database {url})"))
                }
                other => other,
            })
    }

    /// Connects with explicit connection and pool options (pool size, `search_path`, TLS…) and
    /// runs pending migrations.
    pub async fn connect_with(
        options: PgConnectOptions,
        pool: PgPoolOptions,
    ) -> Result<Self, StoreError> {
        // Statements are logged by our own spans; sqlx's per-statement INFO lines are noise.
        let options = options.disable_statement_logging();
        // Unreachable (refused, reset, starting up) stays `Unavailable`, so a replica started
        // before its database can wait for it; a bad password or unknown database does not.
        let cannot = |e: sqlx::Error| match StoreError::from(e) {
            StoreError::Unavailable(m) => {
                StoreError::Unavailable(format!("cannot connect to PostgreSQL: {m}"))
            }
            other => StoreError::Backend(format!("cannot connect to PostgreSQL: {other}")),
        };
        // One direct attempt first: a pool retries until its timeout and then reports only
        // "timed out", hiding the cause (refused connection, bad password, unknown database).
        let probe = PgConnection::connect_with(&options).await.map_err(cannot)?;
        // A failed goodbye on a connection we are discarding changes nothing.
        let _ = probe.close().await;
        let pool = pool.connect_with(options).await.map_err(cannot)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// The connection pool (for health checks and tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool, waiting for in-flight statements (graceful shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Runs a write transaction, again from the start if PostgreSQL aborted it as a deadlock victim
/// or for a serialization failure (both leave nothing behind).
async fn retrying<T, F, Fut>(mut op: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, TxError>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(TxError::Retry(e)) if attempt < MAX_ATTEMPTS => {
                tracing::debug!(attempt, error = %e, "retrying transaction");
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn close(&self) {
        PostgresStore::close(self).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(StoreError::from)
    }

    async fn create_org(&self, name: &str) -> Result<Organization, StoreError> {
        orgs::create_org(&self.pool, name).await
    }
    async fn get_org(&self, id: Uuid) -> Result<Organization, StoreError> {
        orgs::get_org(&self.pool, id).await
    }
    async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError> {
        orgs::list_orgs(&self.pool).await
    }
    async fn create_client(&self, client: NewClient) -> Result<OAuthClient, StoreError> {
        orgs::create_client(&self.pool, client).await
    }
    async fn get_client(&self, id: Uuid) -> Result<OAuthClient, StoreError> {
        orgs::get_client(&self.pool, id).await
    }
    async fn replace_client_secret_hash(
        &self,
        id: Uuid,
        expected: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        orgs::replace_client_secret_hash(&self.pool, id, expected, new).await
    }
    async fn list_clients(&self, org: Uuid) -> Result<Vec<OAuthClient>, StoreError> {
        orgs::list_clients(&self.pool, org).await
    }
    async fn insert_token(&self, token: &AccessToken) -> Result<(), StoreError> {
        orgs::insert_token(&self.pool, token).await
    }
    async fn get_token(&self, token_hash: &[u8]) -> Result<AccessToken, StoreError> {
        orgs::get_token(&self.pool, token_hash).await
    }
    async fn revoke_token(&self, token_hash: &[u8]) -> Result<bool, StoreError> {
        orgs::revoke_token(&self.pool, token_hash).await
    }
    async fn purge_expired_tokens(&self, now_ms: i64) -> Result<u64, StoreError> {
        orgs::purge_expired_tokens(&self.pool, now_ms).await
    }
    async fn create_flow(
        &self,
        flow: NewFlow,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| flows::create_flow(&self.pool, &flow, guard)).await
    }
    async fn get_flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
        flows::get_flow(&self.pool, org, id).await
    }
    async fn list_flows(
        &self,
        org: Uuid,
        query: &FlowQuery,
    ) -> Result<Page<FlowRecord>, StoreError> {
        flows::list_flows(&self.pool, org, query).await
    }
    async fn update_flow(
        &self,
        org: Uuid,
        id: Uuid,
        update: FlowUpdate,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| flows::update_flow(&self.pool, org, id, &update, guard)).await
    }
    async fn edit_flows(
        &self,
        org: Uuid,
        client: Uuid,
        ids: &[Uuid],
        edit: &dyn FlowEdit,
    ) -> Result<Vec<EditResult>, StoreError> {
        retrying(|| bulk_link::edit_flows(&self.pool, org, client, ids, edit)).await
    }
    fn concurrent_edit_batches(&self) -> usize {
        // Each batch is a transaction on its own connection that locks its rows in id order
        // (and the module graph first when it holds a module), so disjoint batches neither
        // deadlock nor wait for each other; two keep the database and the edits both busy.
        2
    }
    async fn delete_flow(
        &self,
        org: Uuid,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| flows::delete_flow(&self.pool, org, id, expected_version, None)).await
    }
    async fn list_versions(
        &self,
        org: Uuid,
        flow: Uuid,
        page: PageRequest,
    ) -> Result<Page<FlowVersionRecord>, StoreError> {
        flows::list_versions(&self.pool, org, flow, page).await
    }
    async fn get_version(
        &self,
        org: Uuid,
        flow: Uuid,
        number: u32,
    ) -> Result<FlowVersionRecord, StoreError> {
        flows::get_version(&self.pool, org, flow, number).await
    }
    async fn module_consumers(
        &self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        flows::module_consumers(&mut conn, org, module, filter).await
    }
    async fn consumed_modules(
        &self,
        org: Uuid,
        flow: Uuid,
        version: u32,
    ) -> Result<Vec<ModuleRef>, StoreError> {
        flows::consumed_modules(&self.pool, org, flow, version).await
    }
    async fn module_edges(&self, org: Uuid) -> Result<Vec<ModuleEdge>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        flows::module_edges(&mut conn, org).await
    }
    async fn checkout_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| lifecycle::checkout(&self.pool, org, id, client)).await
    }
    async fn checkin_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| lifecycle::checkin(&self.pool, org, id, client)).await
    }
    async fn publish_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
        version: Option<u32>,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| lifecycle::publish(&self.pool, org, id, client, version, guard)).await
    }
    async fn revert_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| lifecycle::revert(&self.pool, org, id, client)).await
    }
    async fn unlock_flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError> {
        retrying(|| lifecycle::unlock(&self.pool, org, id)).await
    }
    async fn deactivate_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| lifecycle::deactivate(&self.pool, org, id, client)).await
    }
    async fn delete_flow_as(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError> {
        retrying(|| flows::delete_flow(&self.pool, org, id, None, Some(client))).await
    }
    async fn consumers_page(
        &self,
        org: Uuid,
        module: Uuid,
        query: &ConsumerQuery,
    ) -> Result<Page<Consumer>, StoreError> {
        dependencies::consumers_page(&self.pool, org, module, query).await
    }
    async fn stale_dependencies(
        &self,
        org: Uuid,
        kind: StaleKind,
        filter: ConsumerFilter,
    ) -> Result<Vec<StaleDependency>, StoreError> {
        dependencies::stale_dependencies(&self.pool, org, kind, filter).await
    }
    async fn insert_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError> {
        executions::insert_execution(&self.pool, execution).await
    }
    async fn get_execution(&self, org: Uuid, id: Uuid) -> Result<ExecutionRecord, StoreError> {
        executions::get_execution(&self.pool, org, id).await
    }
    async fn list_executions(
        &self,
        org: Uuid,
        flow: Uuid,
        page: PageRequest,
    ) -> Result<Page<ExecutionRecord>, StoreError> {
        executions::list_executions(&self.pool, org, flow, page).await
    }
}
