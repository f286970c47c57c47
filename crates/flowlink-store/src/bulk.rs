//! Bulk logic edits ([`crate::Store::edit_flows`]): one change (e.g. "link module M") applied to
//! many flows in one write transaction, each flow's new logic computed from its current logic
//! *inside* that transaction, so it always applies to the newest version and needs no
//! optimistic-lock retries. Each flow is written by the same code as a single update, with the
//! same rules (lock holder writes a draft, others are refused; module references and the cycle
//! guard checked; dependency rows written with the version). The loop is
//! `rules::batch`.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

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

/// Why a [`FlowEdit`] refused one flow: the editor's own error, carried through the store
/// untouched (the store only needs to know the flow fails alone) and handed back in that
/// flow's [`EditResult`], where the editor takes it back with [`EditRefusal::downcast`].
#[derive(Debug)]
pub struct EditRefusal(Box<dyn Error + Send + Sync>);

impl EditRefusal {
    /// Wraps the editor's error.
    pub fn new<E: Error + Send + Sync + 'static>(e: E) -> Self {
        EditRefusal(Box::new(e))
    }

    /// The editor's error as its own type; `Err(self)` if it is of another type.
    pub fn downcast<E: Error + 'static>(self) -> Result<E, Self> {
        self.0.downcast::<E>().map(|e| *e).map_err(EditRefusal)
    }
}

impl fmt::Display for EditRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Computes one flow's change from its current state; runs inside the write transaction, so
/// it must be quick and do no I/O.
pub trait FlowEdit: Send + Sync {
    /// `flow` is the flow's row, `document` its current logic version's document (the draft
    /// while checked out), handed over: the edit may take it apart instead of copying it.
    /// `Ok(None)`: nothing to change. `Err`: this flow fails with that refusal; the other
    /// flows of the batch go on.
    fn edit(&self, flow: &FlowRecord, document: Value) -> Result<Option<EditedLogic>, EditRefusal>;
}

/// What [`crate::Store::edit_flows`] did to one flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// A new logic version was written: the flow as it is now, and the new version's logic
    /// document (handed back, so a caller can keep it: it is the flow's current one).
    Updated(FlowRecord, Arc<Value>),
    /// The edit found nothing to change; the flow as it is.
    Unchanged(FlowRecord),
}

/// Why one flow of a bulk edit was not edited.
#[derive(Debug)]
pub enum EditFailure {
    /// The store refused it: `NotFound` for ids that are not flows of the organization,
    /// `Gone` for deleted flows, `Conflict::Locked` for flows checked out by another client,
    /// `Invalid` for logic the reference checks or the cycle guard refused.
    Store(StoreError),
    /// The [`FlowEdit`] refused it.
    Refused(EditRefusal),
}

impl From<StoreError> for EditFailure {
    fn from(e: StoreError) -> Self {
        EditFailure::Store(e)
    }
}

/// One flow's result in a bulk edit.
#[derive(Debug)]
pub struct EditResult {
    /// The flow id as asked.
    pub id: Uuid,
    /// What happened.
    pub outcome: Result<EditOutcome, EditFailure>,
}
