//! The bulk edit loop ([`crate::Store::edit_flows`]) for every backend: each flow of the batch
//! is offered to the [`FlowEdit`], then checked and written by the same rules as a single
//! update, inside the one transaction the backend opened and read the batch in.

use std::collections::HashMap;

use serde_json::Value;
use uuid::Uuid;

use super::checks::check_update;
use super::RuleTx;
use crate::bulk::{EditFailure, EditOutcome, EditResult, FlowEdit};
use crate::error::StoreError;
use crate::records::{FlowRecord, FlowUpdate};

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

/// Edits one flow inside the batch's transaction. The outer `Err` aborts the batch; the inner
/// one fails this flow alone (it was refused before anything of it was written).
async fn edit_one<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    client: Uuid,
    cur: FlowRecord,
    document: &Value,
    edit: &dyn FlowEdit,
) -> Result<Result<EditOutcome, EditFailure>, T::Error> {
    if cur.deleted {
        return Ok(Err(StoreError::Gone.into()));
    }
    let edited = match edit.edit(&cur, document) {
        Ok(Some(e)) => e,
        Ok(None) => return Ok(Ok(EditOutcome::Unchanged(cur))),
        Err(refusal) => return Ok(Err(EditFailure::Refused(refusal))),
    };
    let update = FlowUpdate {
        // The row was just read (and locked) in this transaction: the edit applies to it.
        expected_version: Some(cur.version),
        logic: Some(edited.logic),
        client_id: Some(client),
        ..Default::default()
    };
    let checked = match check_update(tx, org, &cur, &update, edited.guard.as_ref()).await {
        Ok(c) => c,
        Err(e) => return T::refusal(e).map(|e| Err(e.into())),
    };
    // Anything failing from here on has written part of this flow: the batch must go.
    let rec = tx.write_update(org, &cur, checked).await?;
    Ok(Ok(EditOutcome::Updated(rec)))
}

/// Runs `edit` over `ids` (in order) against `current`, the batch's flows of the organization
/// with their current logic documents as the backend read them in this transaction. Ids not
/// in `current` (unknown, another organization's, or repeated) are `NotFound`.
pub(crate) async fn edit_batch<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    client: Uuid,
    ids: &[Uuid],
    mut current: HashMap<Uuid, (FlowRecord, Value)>,
    edit: &dyn FlowEdit,
) -> Result<Vec<EditResult>, T::Error> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let outcome = match current.remove(&id) {
            Some((cur, document)) => edit_one(tx, org, client, cur, &document, edit).await?,
            None => Err(StoreError::NotFound.into()),
        };
        out.push(EditResult { id, outcome });
    }
    Ok(out)
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
