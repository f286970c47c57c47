//! The bulk edit loop ([`crate::Store::edit_flows`]) for every backend: each flow of the batch
//! is offered to the [`FlowEdit`], then checked and written by the same rules as a single
//! update, inside the one transaction the backend opened and read the batch in; a batch of
//! non-module flows is written together, set-based ([`RuleTx::write_updates`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use super::checks::{check_update, CheckedUpdate};
use super::{RuleTx, Target};
use crate::bulk::{EditFailure, EditOutcome, EditRefusal, EditResult, EditedLogic, FlowEdit};
use crate::error::{Consumer, StoreError};
use crate::records::{ConsumerFilter, FlowRecord, FlowUpdate, ModuleEdge, ModuleRef};
use crate::rows::{corrupt, json_text};

/// Whether an error met while *checking* one flow of a batch (before anything of it was
/// written) fails that flow alone. Database errors (a failure, an unreachable database, a full
/// disk) abort the whole batch instead: the transaction may be unusable after them (PostgreSQL
/// aborts it on any failed statement).
pub(crate) fn fails_flow_alone(e: &StoreError) -> bool {
    !matches!(
        e,
        StoreError::Backend(_) | StoreError::Unavailable(_) | StoreError::StorageFull(_)
    )
}

/// What checking one flow of a batch decided.
enum Checked {
    /// Nothing to write: unchanged, or refused before anything of it was written.
    Done(Result<EditOutcome, EditFailure>),
    /// Checked; this update is to be written (its document already rendered into
    /// `document_text`), and this is its document.
    Write(FlowRecord, CheckedUpdate, Arc<Value>),
}

/// One flow's edit as its edit thread leaves it: the new logic, with its document already
/// rendered to the text the store writes, so the batch's one writer thread neither decodes nor
/// encodes documents.
struct Prepared {
    edited: EditedLogic,
    text: String,
}

/// One flow's edit result from [`edit_all`]: `Ok(None)` unchanged, `Err` the edit's refusal.
type EditAnswer = Result<Option<Prepared>, EditRefusal>;

/// Checks the edit of one flow (already computed, [`edit_all`]) inside the batch's
/// transaction. `Err` aborts the batch.
async fn check_one<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    client: Uuid,
    cur: FlowRecord,
    answer: EditAnswer,
) -> Result<Checked, T::Error> {
    let Prepared { edited, text } = match answer {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(Checked::Done(Ok(EditOutcome::Unchanged(cur)))),
        Err(refusal) => return Ok(Checked::Done(Err(EditFailure::Refused(refusal)))),
    };
    let update = FlowUpdate {
        // The row was just read (and locked) in this transaction: the edit applies to it.
        expected_version: Some(cur.version),
        logic: Some(edited.logic),
        client_id: Some(client),
        ..Default::default()
    };
    match check_update(tx, org, &cur, update, edited.guard.as_ref()).await {
        Ok(mut checked) => {
            // The write stores the text; the document goes back to the caller.
            checked.document_text = Some(text);
            let document = checked
                .logic
                .as_mut()
                .map(|l| std::mem::take(&mut l.document))
                .unwrap_or_default();
            Ok(Checked::Write(cur, checked, document))
        }
        Err(e) => T::refusal(e).map(|e| Checked::Done(Err(e.into()))),
    }
}

/// Fewest flows worth a thread of their own in [`edit_all`].
const EDITS_PER_THREAD: usize = 64;

/// One flow's edit on an edit thread: its stored document decoded, the edit, the new document
/// rendered. A stored document that is not JSON aborts the batch (`Err`).
fn edit_one(
    edit: &dyn FlowEdit,
    flow: &FlowRecord,
    stored: String,
) -> Result<EditAnswer, StoreError> {
    let document: Value = serde_json::from_str(&stored)
        .map_err(|e| corrupt(&format!("logic document of flow {}", flow.id), e))?;
    drop(stored);
    // The document is handed to its edit (and dropped on this thread), not copied.
    match edit.edit(flow, document) {
        Ok(Some(edited)) => {
            let text = json_text(&edited.logic.document, "logic document")?;
            Ok(Ok(Some(Prepared { edited, text })))
        }
        Ok(None) => Ok(Ok(None)),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Runs [`edit_one`] over `flows` (rows with their stored documents' text) on every core,
/// answers in order. An edit is pure (a flow's row and document in, its new logic out) and,
/// with decoding and rendering the documents, is most of a bulk link's CPU, so a batch of
/// thousands shares it out; the checks and writes that follow stay in order.
fn edit_all(
    edit: &dyn FlowEdit,
    flows: &mut [(FlowRecord, String)],
) -> Result<Vec<EditAnswer>, StoreError> {
    let one =
        |(flow, stored): &mut (FlowRecord, String)| edit_one(edit, flow, std::mem::take(stored));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(flows.len() / EDITS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return flows.iter_mut().map(one).collect();
    }
    let chunk = flows.len().div_ceil(threads);
    let mut chunks = flows.chunks_mut(chunk);
    let first = chunks.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || chunk.iter_mut().map(one).collect::<Vec<_>>()))
            .collect();
        let mut out: Vec<_> = first.iter_mut().map(one).collect();
        for other in others {
            match other.join() {
                Ok(done) => out.extend(done),
                // An edit that panicked panics here, as it would have on this thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out.into_iter().collect()
    })
}

/// Runs `edit` over `ids` (in order) against `current`, the batch's flows of the organization
/// with the text of their current logic documents as the backend read them in this
/// transaction. Ids not in `current` (unknown, another organization's, or repeated) are
/// `NotFound`.
///
/// When no flow of the batch is a module, no flow's write can change what another's check
/// reads (only modules are call targets or in the module graph), so every flow is checked
/// first — call targets read once for the batch — and all the updates are then written
/// together by [`RuleTx::write_updates`] (set-based where the backend has it). A batch with a
/// module writes each flow before checking the next, so later checks see earlier writes.
pub(crate) async fn edit_batch<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    mut current: HashMap<Uuid, (FlowRecord, String)>,
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, T::Error> {
    let deferred = current.values().all(|(f, _)| !f.flow_type.is_module());
    let mut outcomes: Vec<Option<Result<EditOutcome, EditFailure>>> = Vec::with_capacity(ids.len());
    let mut pending = Vec::new();
    {
        let mut memo = MemoTargets {
            tx: &mut *tx,
            targets: HashMap::new(),
        };
        // The batch's live flows, in order, edited on every core first.
        let mut slots = Vec::with_capacity(ids.len());
        let mut live = Vec::with_capacity(ids.len());
        for &id in ids {
            slots.push(match current.remove(&id) {
                None => Err(StoreError::NotFound),
                Some((cur, _)) if cur.deleted => Err(StoreError::Gone),
                Some(flow) => {
                    live.push(flow);
                    Ok(())
                }
            });
        }
        let edits = edit_all(edit, &mut live)?;
        let mut live = live.into_iter().zip(edits);
        for slot in slots {
            if let Err(e) = slot {
                outcomes.push(Some(Err(e.into())));
                continue;
            }
            let Some(((cur, _), answer)) = live.next() else {
                return Err(StoreError::Backend("a bulk edit lost a flow".into()).into());
            };
            let checked = if deferred {
                check_one(&mut memo, org, client, cur, answer).await?
            } else {
                check_one(&mut *memo.tx, org, client, cur, answer).await?
            };
            match checked {
                Checked::Done(outcome) => outcomes.push(Some(outcome)),
                Checked::Write(cur, checked, document) if !deferred => {
                    // Anything failing from here on has written part of this flow: the batch
                    // must go.
                    let rec = memo.tx.write_update(org, &cur, checked).await?;
                    outcomes.push(Some(Ok(EditOutcome::Updated(rec, document))));
                }
                Checked::Write(cur, checked, document) => {
                    pending.push((outcomes.len(), cur, checked, document));
                    outcomes.push(None);
                }
            }
        }
    }
    let mut slots = Vec::with_capacity(pending.len());
    let mut writes = Vec::with_capacity(pending.len());
    let mut documents = Vec::with_capacity(pending.len());
    for (slot, cur, checked, document) in pending {
        slots.push(slot);
        writes.push((cur, checked));
        documents.push(document);
    }
    if !writes.is_empty() {
        let written = tx.write_updates(org, writes).await?;
        for ((slot, rec), document) in slots.into_iter().zip(written).zip(documents) {
            outcomes[slot] = Some(Ok(EditOutcome::Updated(rec, document)));
        }
    }
    ids.iter()
        .zip(outcomes)
        .map(|(&id, outcome)| match outcome {
            Some(outcome) => Ok(EditResult { id, outcome }),
            None => {
                Err(StoreError::Backend(format!("flow {id} of the batch was not written")).into())
            }
        })
        .collect()
}

/// A [`RuleTx`] that reads each call target once per batch: the batch holds no module, so
/// none of its writes changes a target, and the backend's lock on a target (PostgreSQL: `FOR
/// KEY SHARE`) lasts until commit.
struct MemoTargets<'a, T: ?Sized> {
    tx: &'a mut T,
    targets: HashMap<Uuid, Option<Target>>,
}

#[async_trait]
impl<T: RuleTx + ?Sized> RuleTx for MemoTargets<'_, T> {
    type Error = T::Error;

    async fn call_targets(
        &mut self,
        org: Uuid,
        ids: &BTreeSet<Uuid>,
    ) -> Result<HashMap<Uuid, Target>, Self::Error> {
        let missing: BTreeSet<Uuid> = ids
            .iter()
            .filter(|id| !self.targets.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            let mut found = self.tx.call_targets(org, &missing).await?;
            for id in missing {
                let target = found.remove(&id);
                self.targets.insert(id, target);
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| {
                let target = self.targets.get(id)?.clone()?;
                Some((*id, target))
            })
            .collect())
    }

    async fn module_edges(&mut self, org: Uuid) -> Result<Vec<ModuleEdge>, Self::Error> {
        self.tx.module_edges(org).await
    }

    async fn module_consumers(
        &mut self,
        org: Uuid,
        module: Uuid,
        filter: ConsumerFilter,
    ) -> Result<Vec<Consumer>, Self::Error> {
        self.tx.module_consumers(org, module, filter).await
    }

    async fn version_calls(
        &mut self,
        org: Uuid,
        id: Uuid,
        n: u32,
    ) -> Result<Vec<ModuleRef>, Self::Error> {
        self.tx.version_calls(org, id, n).await
    }

    async fn write_update(
        &mut self,
        org: Uuid,
        cur: &FlowRecord,
        checked: CheckedUpdate,
    ) -> Result<FlowRecord, Self::Error> {
        self.tx.write_update(org, cur, checked).await
    }

    fn refusal(e: Self::Error) -> Result<StoreError, Self::Error> {
        T::refusal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_database_errors_abort_a_batch() {
        assert!(fails_flow_alone(&StoreError::NotFound));
        assert!(fails_flow_alone(&StoreError::Gone));
        assert!(!fails_flow_alone(&StoreError::Backend("disk".into())));
        assert!(!fails_flow_alone(&StoreError::Unavailable("gone".into())));
        assert!(!fails_flow_alone(&StoreError::StorageFull("full".into())));
    }
}
