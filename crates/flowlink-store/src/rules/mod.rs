//! The store's business rules, written once for every backend.
//!
//! A backend reads rows (with whatever locks its isolation model needs), asks these functions
//! what to do, and runs the SQL they decide on: the optimistic-lock and checkout decisions
//! ([`checks`]), the version pointers a write moves ([`pointers`]), module-call validation
//! ([`calls`]), the publishing lifecycle's choices ([`lifecycle`]) and the bulk edit loop
//! ([`batch`]). The few reads a rule needs inside the caller's transaction go through
//! [`RuleTx`], which each backend implements on its connection type; everything else here is
//! pure and unit-tested beside the rule.

pub(crate) mod batch;
pub(crate) mod calls;
pub(crate) mod checks;
pub(crate) mod lifecycle;
pub(crate) mod pointers;

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use uuid::Uuid;

use crate::error::{Consumer, StoreError};
use crate::records::{ConsumerFilter, FlowRecord, ModuleEdge, ModuleRef};

pub(crate) use self::calls::Target;
pub(crate) use self::checks::CheckedUpdate;

/// What the rules read and write inside a backend's open transaction. Implemented on the
/// backend's connection type; each method is one statement (plus the backend's locks).
#[async_trait]
pub(crate) trait RuleTx: Send {
    /// The backend's in-transaction error: converts from [`StoreError`], may carry more (a
    /// PostgreSQL deadlock to retry).
    type Error: From<StoreError> + Send;

    /// The live state of the flows `ids` of `org` that a write calls (the backend may lock
    /// them against deletion until commit). Absent ids are simply missing.
    async fn call_targets(
        &mut self,
        org: Uuid,
        ids: &BTreeSet<Uuid>,
    ) -> Result<HashMap<Uuid, Target>, Self::Error>;

    /// The organization's module→module edges among current versions of live modules.
    async fn module_edges(&mut self, org: Uuid) -> Result<Vec<ModuleEdge>, Self::Error>;

    /// Live flows whose versions selected by `filter` call `module`.
    async fn module_consumers(
        &mut self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, Self::Error>;

    /// The module calls version `n` of flow `id` makes, from the dependency index (each named
    /// `version {n}.0` as its node, for messages).
    async fn version_calls(
        &mut self,
        org: Uuid,
        id: Uuid,
        n: u32,
    ) -> Result<Vec<ModuleRef>, Self::Error>;

    /// Writes a checked update of `cur`: the new logic version and its dependency rows, then
    /// the row itself, conditional on `version` and the checkout lock; the flow as written.
    async fn write_update(
        &mut self,
        org: Uuid,
        cur: &FlowRecord,
        checked: CheckedUpdate,
    ) -> Result<FlowRecord, Self::Error>;

    /// Writes checked updates of several flows of a batch (none a module), each as
    /// [`RuleTx::write_update`] would; the flows as written, in order. By default one
    /// `write_update` each; a backend may write them set-based (a few statements in all).
    async fn write_updates(
        &mut self,
        org: Uuid,
        items: Vec<(FlowRecord, CheckedUpdate)>,
    ) -> Result<Vec<FlowRecord>, Self::Error> {
        let mut out = Vec::with_capacity(items.len());
        for (cur, checked) in items {
            out.push(self.write_update(org, &cur, checked).await?);
        }
        Ok(out)
    }

    /// `Ok` with the refusal when `e` fails one flow of a batch alone (it was met before
    /// anything of that flow was written and left the transaction usable); `Err` with `e`
    /// when the whole batch must go.
    fn refusal(e: Self::Error) -> Result<StoreError, Self::Error>;
}
