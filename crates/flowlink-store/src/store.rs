//! The storage trait the server is written against.

use async_trait::async_trait;
use uuid::Uuid;

use crate::bulk::{EditResult, FlowEdit};
use crate::error::StoreError;
use crate::jobs::JobStore;
use crate::lifecycle::{ConsumerQuery, StaleDependency, StaleKind};
use crate::records::*;

/// Checks a logic write against the organization's module call graph *inside* the write's
/// transaction, so two concurrent writes cannot together create a cycle.
///
/// The store calls it only when the flow being written is a module whose new logic calls
/// modules. `edges` are the current module→module edges of the organization, excluding those
/// of the flow being written (whose new calls the guard knows).
pub trait LinkGuard: Send + Sync {
    /// Returns an error (typically [`StoreError::Invalid`]) to abort the write.
    fn check(&self, flow_id: Uuid, flow_name: &str, edges: &[ModuleEdge])
        -> Result<(), StoreError>;
}

/// A guard that accepts everything (for writes that cannot create cycles, and tests).
pub struct NoLinkGuard;

impl LinkGuard for NoLinkGuard {
    fn check(&self, _: Uuid, _: &str, _: &[ModuleEdge]) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Everything flowlink persists. Implementations must keep the invariants listed in the crate
/// docs. Methods taking `org` never see or touch another organization's rows.
#[async_trait]
pub trait Store: JobStore + Send + Sync + 'static {
    /// Closes the backend's connections, waiting for in-flight statements (graceful shutdown).
    async fn close(&self);

    /// Runs a trivial query (`SELECT 1`): whether the database answers now (`/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    // ---- organizations -------------------------------------------------------------------
    /// Creates an organization.
    async fn create_org(&self, name: &str) -> Result<Organization, StoreError>;
    /// One organization by id.
    async fn get_org(&self, id: Uuid) -> Result<Organization, StoreError>;
    /// All organizations, oldest first.
    async fn list_orgs(&self) -> Result<Vec<Organization>, StoreError>;

    // ---- OAuth clients and tokens --------------------------------------------------------
    /// Registers a client; the store assigns its id.
    async fn create_client(&self, client: NewClient) -> Result<OAuthClient, StoreError>;
    /// A client by id, across organizations: this is how a login finds its client.
    async fn get_client(&self, id: Uuid) -> Result<OAuthClient, StoreError>;
    /// Replaces a client's stored secret hash with `new` if it still is `expected` (a login
    /// upgrading the form an earlier release stored; a concurrent change wins). Whether it
    /// was replaced.
    async fn replace_client_secret_hash(
        &self,
        id: Uuid,
        expected: &str,
        new: &str,
    ) -> Result<bool, StoreError>;
    /// The clients of one organization.
    async fn list_clients(&self, org: Uuid) -> Result<Vec<OAuthClient>, StoreError>;
    /// Stores an issued token (by hash).
    async fn insert_token(&self, token: &AccessToken) -> Result<(), StoreError>;
    /// A token by the SHA-256 of its value (expired ones too: the caller tells them apart).
    async fn get_token(&self, token_hash: &[u8]) -> Result<AccessToken, StoreError>;
    /// Deletes one token before its expiry (the console's sign-out); `true` if it existed.
    async fn revoke_token(&self, token_hash: &[u8]) -> Result<bool, StoreError>;
    /// Deletes tokens that expired before `now_ms`; returns how many.
    async fn purge_expired_tokens(&self, now_ms: i64) -> Result<u64, StoreError>;

    // ---- flows ---------------------------------------------------------------------------
    /// Creates a flow with logic version 1. `DuplicateName` conflict if the name is taken.
    async fn create_flow(
        &self,
        flow: NewFlow,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError>;
    /// A flow by id, deleted or not (the caller decides whether a deleted one is `Gone`).
    async fn get_flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError>;
    /// The rows of those of the flows `ids` of `org` that exist, deleted ones included, in no
    /// particular order: one query for all (a backend that keeps rows in memory asks only for
    /// the ones it lacks).
    async fn get_flows(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<FlowRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .list_flows(org, &FlowQuery::by_ids(ids.to_vec()))
            .await?
            .items)
    }
    /// A page of flows matching `query`.
    async fn list_flows(
        &self,
        org: Uuid,
        query: &FlowQuery,
    ) -> Result<Page<FlowRecord>, StoreError>;
    /// Applies `update` atomically: checks the optimistic lock, writes the new logic version
    /// (and its dependency rows) if any, bumps `version`. `Gone` for deleted flows.
    async fn update_flow(
        &self,
        org: Uuid,
        id: Uuid,
        update: FlowUpdate,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError>;
    /// Applies `edit` to each flow of `ids` (distinct) in ONE write transaction (one commit;
    /// the caller sizes the batch): each flow's new logic is computed from its current logic
    /// inside the transaction and written as [`Store::update_flow`] on behalf of `client` would
    /// (optimistic version = the row just read; drafts for the lock holder, `Locked` for
    /// others; references, cycle guard and dependency rows alike). Results are in `ids` order;
    /// a flow refused by a check fails alone. `Err` only when the batch as a whole failed (then
    /// nothing of it was written).
    async fn edit_flows(
        &self,
        org: Uuid,
        client: Uuid,
        ids: &[Uuid],
        edit: &dyn FlowEdit,
    ) -> Result<Vec<EditResult>, StoreError>;
    /// How many [`Store::edit_flows`] batches of disjoint flows a caller may run at once, so
    /// that one batch's database work overlaps another's edits. SQLite has one writer, which a
    /// batch holds from its first read to its commit: 1. A backend whose batches run on
    /// connections of their own, locking their rows in one order, may say more.
    fn concurrent_edit_batches(&self) -> usize {
        1
    }
    /// Soft-deletes a flow. A module still called by a current version of a live flow →
    /// `InUse` listing the consumers, and nothing changes.
    async fn delete_flow(
        &self,
        org: Uuid,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<FlowRecord, StoreError>;

    // ---- logic versions ------------------------------------------------------------------
    /// A page of a flow's logic versions, newest first.
    async fn list_versions(
        &self,
        org: Uuid,
        flow: Uuid,
        page: PageRequest,
    ) -> Result<Page<FlowVersionRecord>, StoreError>;
    /// One logic version.
    async fn get_version(
        &self,
        org: Uuid,
        flow: Uuid,
        number: u32,
    ) -> Result<FlowVersionRecord, StoreError>;

    // ---- dependency index ----------------------------------------------------------------
    /// Live flows whose selected versions call `module`.
    async fn module_consumers(
        &self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, StoreError>;
    /// The module calls one logic version of a flow makes.
    async fn consumed_modules(
        &self,
        org: Uuid,
        flow: Uuid,
        version: u32,
    ) -> Result<Vec<ModuleRef>, StoreError>;
    /// The organization's module→module edges among current versions of live modules.
    async fn module_edges(&self, org: Uuid) -> Result<Vec<ModuleEdge>, StoreError>;

    // ---- publishing lifecycle (SPEC §4) ----------------------------------------------------
    // Each is one transaction whose final write is conditional on the lock column
    // (`locked_client_id IS NULL OR = client`), so the lock holds across replicas. A flow
    // locked by another client → `Conflict::Locked` naming the holder; deleted → `Gone`.
    /// Locks the flow to `client` (idempotent for the holder).
    async fn checkout_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError>;
    /// Checks the draft in (it becomes `checked_in_version`, unpublished) and releases the lock.
    async fn checkin_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError>;
    /// Publishes `version` (default: the draft, else the checked-in version), makes the flow
    /// active and releases the lock. The version's module calls must still resolve and, for a
    /// module, `guard` must accept them (`Invalid` otherwise).
    async fn publish_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
        version: Option<u32>,
        guard: &dyn LinkGuard,
    ) -> Result<FlowRecord, StoreError>;
    /// Drops the draft (it stays in the history) and releases the lock.
    async fn revert_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError>;
    /// Releases the lock whoever holds it (the caller checked the admin scope).
    async fn unlock_flow(&self, org: Uuid, id: Uuid) -> Result<FlowRecord, StoreError>;
    /// Sets `active = false`: executions and module calls into it fail.
    async fn deactivate_flow(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError>;
    /// [`Store::delete_flow`] on behalf of `client`: refused with `Conflict::Locked` while
    /// another client holds the lock.
    async fn delete_flow_as(
        &self,
        org: Uuid,
        id: Uuid,
        client: Uuid,
    ) -> Result<FlowRecord, StoreError>;

    // ---- dependency index queries (SPEC §5) ------------------------------------------------
    /// A page of the calls into `module` (one entry per consumer version and binding),
    /// answered from one index range.
    async fn consumers_page(
        &self,
        org: Uuid,
        module: Uuid,
        query: &ConsumerQuery,
    ) -> Result<Page<Consumer>, StoreError>;
    /// Every stale call of the organization among the consumer versions `filter` selects.
    async fn stale_dependencies(
        &self,
        org: Uuid,
        kind: StaleKind,
        filter: ConsumerFilter,
    ) -> Result<Vec<StaleDependency>, StoreError>;

    // ---- executions ----------------------------------------------------------------------
    /// Records a finished (or failed) execution.
    async fn insert_execution(&self, execution: &ExecutionRecord) -> Result<(), StoreError>;
    /// One execution.
    async fn get_execution(&self, org: Uuid, id: Uuid) -> Result<ExecutionRecord, StoreError>;
    /// A flow's executions, newest first.
    async fn list_executions(
        &self,
        org: Uuid,
        flow: Uuid,
        page: PageRequest,
    ) -> Result<Page<ExecutionRecord>, StoreError>;
}

use crate::error::Consumer;
