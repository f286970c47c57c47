//! Bulk logic edits ([`crate::Store::edit_flows`]): one change (e.g. "link module M") applied to
//! many flows in one write transaction, each flow's new logic computed from its current logic
//! *inside* that transaction, so it always applies to the newest version and needs no
//! optimistic-lock retries. Each flow is written by the same code as a single update, with the
//! same rules (lock holder writes a draft, others are refused; module references and the cycle
//! guard checked; dependency rows written with the version).

use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;
use crate::records::{FlowRecord, LogicWrite};
use crate::store::LinkGuard;

/// A flow's new logic as computed by a [`FlowEdit`], with the guard its write runs under.
pub struct EditedLogic {
    /// The new logic version (its `kind` is `Publish`; the store turns it into a draft when
    /// the writer holds the flow's checkout lock).
    pub logic: LogicWrite,
    /// Checked inside the transaction against the organization's module graph.
    pub guard: Box<dyn LinkGuard>,
}

/// Computes one flow's change from its current state; runs inside the write transaction, so
/// it must be quick and do no I/O.
pub trait FlowEdit: Send + Sync {
    /// `flow` is the flow's row, `document` its current logic version's document (the draft
    /// while checked out). `Ok(None)`: nothing to change. `Err`: this flow fails with that
    /// error; the other flows of the batch go on.
    fn edit(&self, flow: &FlowRecord, document: &Value) -> Result<Option<EditedLogic>, StoreError>;
}

/// What [`crate::Store::edit_flows`] did to one flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// A new logic version was written; the flow as it is now.
    Updated(FlowRecord),
    /// The edit found nothing to change; the flow as it is.
    Unchanged(FlowRecord),
}

/// One flow's result in a bulk edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditResult {
    /// The flow id as asked.
    pub id: Uuid,
    /// What happened: `NotFound` for ids that are not flows of the organization, `Gone` for
    /// deleted flows, `Conflict::Locked` for flows checked out by another client, `Invalid`
    /// for logic the edit or the reference checks refused.
    pub outcome: Result<EditOutcome, StoreError>,
}

/// Whether an error met while *checking* one flow of a batch (before anything of it was
/// written) fails that flow alone. Backend errors abort the whole batch instead: the
/// transaction may be unusable after them (PostgreSQL aborts it on any failed statement).
pub(crate) fn fails_flow_alone(e: &StoreError) -> bool {
    !matches!(e, StoreError::Backend(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_backend_errors_abort_a_batch() {
        assert!(fails_flow_alone(&StoreError::NotFound));
        assert!(fails_flow_alone(&StoreError::Gone));
        assert!(!fails_flow_alone(&StoreError::Backend("disk".into())));
    }
}
