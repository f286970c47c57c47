//! Who may write a flow, and when: deleted flows are `Gone`, a stale `version` is a
//! `StaleVersion` conflict, a flow checked out by another client is `Locked`; an update's
//! logic must pass the call checks; a module still called cannot be deleted. Backends read
//! the row (under their lock) and call these before any write, so a refusal writes nothing.

use flowlink_api::FlowType;
use uuid::Uuid;

use super::calls::check_logic;
use super::RuleTx;
use crate::error::{Conflict, Consumer, StoreError};
use crate::records::{ConsumerFilter, FlowRecord, FlowUpdate, LogicWrite, VersionKind};
use crate::rows::json_text;
use crate::store::LinkGuard;

/// An update that passed every check of [`check_update`], ready for
/// [`RuleTx::write_update`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckedUpdate {
    pub name: String,
    pub description: Option<String>,
    pub error_handling: Option<String>,
    /// The logic version to write (already a draft when the writer holds the lock), if any.
    pub logic: Option<LogicWrite>,
    pub client_id: Option<Uuid>,
    pub expected_version: Option<i64>,
    /// The logic document as stored text, when it was rendered before the write (a bulk edit
    /// renders on its edit threads, not on the batch's one writer); `None`: rendered at the
    /// write, from `logic`.
    pub document_text: Option<String>,
}

impl CheckedUpdate {
    /// The text to store for the new logic version's document (`None` without one): the one
    /// rendered before the write, else rendered now.
    pub(crate) fn take_document_text(&mut self) -> Result<Option<String>, StoreError> {
        match (self.document_text.take(), &self.logic) {
            (Some(text), _) => Ok(Some(text)),
            (None, Some(logic)) => json_text(&logic.document, "logic document").map(Some),
            (None, None) => Ok(None),
        }
    }
}

/// A `StaleVersion` conflict.
pub(crate) fn stale(expected: i64, current: i64) -> StoreError {
    StoreError::Conflict(Conflict::StaleVersion { expected, current })
}

/// A `Locked` conflict naming the holder.
pub(crate) fn locked(holder: Uuid) -> StoreError {
    StoreError::Conflict(Conflict::Locked { client_id: holder })
}

/// A `DuplicateName` conflict (the backend saw its unique index refuse the name).
pub(crate) fn duplicate(flow_type: FlowType, name: &str) -> StoreError {
    StoreError::Conflict(Conflict::DuplicateName {
        flow_type,
        name: name.to_string(),
    })
}

/// The answer when a conditional write of `cur` (read in this transaction) matched no row:
/// someone changed it meanwhile. The backends' locks make it unreachable; it stays as the
/// optimistic lock's last line of defence.
pub(crate) fn lost_race(expected: Option<i64>, cur: &FlowRecord) -> StoreError {
    stale(expected.unwrap_or(cur.version), cur.version)
}

/// May `client` change `cur`? Not when it is deleted, nor when another client holds the
/// checkout lock. `client: None` acts for whoever holds the lock (an unconditional or
/// administrative write).
pub(crate) fn writable(cur: &FlowRecord, client: Option<Uuid>) -> Result<(), StoreError> {
    if cur.deleted {
        return Err(StoreError::Gone);
    }
    match (cur.locked_client_id, client) {
        (Some(holder), Some(me)) if holder != me => Err(locked(holder)),
        _ => Ok(()),
    }
}

/// Why a conditional lifecycle update (`... AND deleted = false AND lock free or mine`)
/// matched no row, from the row read again: absent, deleted, or locked by whom.
pub(crate) fn why_not<E: From<StoreError>>(reread: Result<FlowRecord, E>) -> E {
    match reread {
        Err(e) => e,
        Ok(cur) if cur.deleted => StoreError::Gone.into(),
        Ok(FlowRecord {
            locked_client_id: Some(holder),
            ..
        }) => locked(holder).into(),
        // Unreachable under the backends' locks; reported as a lost race if it happens.
        Ok(cur) => stale(cur.version, cur.version).into(),
    }
}

/// The row checks of update `u` of `cur`, in order: deleted, optimistic lock, checkout lock
/// (a writer without a client id counts as "not the holder"). Then the merged fields, the
/// lock holder's logic turned into a draft: nothing live changes until it publishes.
pub(crate) fn admit_update(cur: &FlowRecord, u: FlowUpdate) -> Result<CheckedUpdate, StoreError> {
    if cur.deleted {
        return Err(StoreError::Gone);
    }
    if let Some(expected) = u.expected_version {
        if expected != cur.version {
            return Err(stale(expected, cur.version));
        }
    }
    if let Some(holder) = cur.locked_client_id {
        if u.client_id != Some(holder) {
            return Err(locked(holder));
        }
    }
    // Taken by value: the logic (its whole document) moves on instead of being copied.
    let logic = u.logic.map(|logic| LogicWrite {
        kind: if cur.locked_client_id.is_some() {
            VersionKind::Save
        } else {
            logic.kind
        },
        ..logic
    });
    Ok(CheckedUpdate {
        name: u.name.unwrap_or_else(|| cur.name.clone()),
        description: u.description.or_else(|| cur.description.clone()),
        error_handling: u.error_handling.or_else(|| cur.error_handling.clone()),
        logic,
        client_id: u.client_id,
        expected_version: u.expected_version,
        document_text: None,
    })
}

/// Every check of update `u` of `cur` (read in this transaction), writing nothing: the row
/// checks of [`admit_update`], then the module references and the cycle guard of its logic.
/// A refusal leaves the transaction usable, so a bulk edit can go on with other flows.
pub(crate) async fn check_update<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    cur: &FlowRecord,
    u: FlowUpdate,
    guard: &dyn LinkGuard,
) -> Result<CheckedUpdate, T::Error> {
    let checked = admit_update(cur, u)?;
    if let Some(logic) = &checked.logic {
        check_logic(tx, org, cur.id, &checked.name, cur.flow_type, logic, guard).await?;
    }
    Ok(checked)
}

/// The row checks of a delete of `cur`: deleted, optimistic lock, and (with `client`) the
/// checkout lock.
pub(crate) fn admit_delete(
    cur: &FlowRecord,
    expected_version: Option<i64>,
    client: Option<Uuid>,
) -> Result<(), StoreError> {
    if cur.deleted {
        return Err(StoreError::Gone);
    }
    if let Some(expected) = expected_version {
        if expected != cur.version {
            return Err(stale(expected, cur.version));
        }
    }
    writable(cur, client)
}

/// A module still called by a current version of another live flow cannot go: `InUse`
/// listing those consumers (a module's calls to itself do not count).
pub(crate) fn refuse_in_use(id: Uuid, consumers: Vec<Consumer>) -> Result<(), StoreError> {
    let consumers: Vec<Consumer> = consumers.into_iter().filter(|c| c.flow_id != id).collect();
    if consumers.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InUse { consumers })
    }
}

/// Every precondition of deleting `cur` (read in this transaction under the backend's
/// delete lock): [`admit_delete`], then for a module [`refuse_in_use`].
pub(crate) async fn check_delete<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    cur: &FlowRecord,
    expected_version: Option<i64>,
    client: Option<Uuid>,
) -> Result<(), T::Error> {
    admit_delete(cur, expected_version, client)?;
    if cur.flow_type.is_module() {
        let consumers = tx
            .module_consumers(org, cur.id, ConsumerFilter::Current)
            .await?;
        refuse_in_use(cur.id, consumers)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Dialect;

    fn flow() -> FlowRecord {
        FlowRecord {
            id: Uuid::new_v4(),
            org_id: Uuid::nil(),
            flow_type: FlowType::CommonModule,
            name: "M".into(),
            description: Some("d".into()),
            version: 4,
            dialect: Some(Dialect::Actions),
            active: true,
            deleted: false,
            locked_client_id: None,
            published_version: Some(1),
            saved_version: None,
            checked_in_version: Some(1),
            latest_version: 1,
            published_ms: None,
            error_handling: Some("eh".into()),
            created_ms: 0,
            modified_ms: 0,
        }
    }

    fn logic() -> LogicWrite {
        LogicWrite {
            document: serde_json::json!({"actions": []}).into(),
            dialect: Some(Dialect::Actions),
            calls: vec![],
            kind: VersionKind::Publish,
        }
    }

    #[test]
    fn update_checks_come_in_order_deleted_stale_locked() {
        let holder = Uuid::new_v4();
        let mut cur = flow();
        cur.deleted = true;
        cur.locked_client_id = Some(holder);
        let u = FlowUpdate {
            expected_version: Some(1),
            ..Default::default()
        };
        assert_eq!(admit_update(&cur, u.clone()), Err(StoreError::Gone));
        cur.deleted = false;
        assert_eq!(admit_update(&cur, u.clone()), Err(stale(1, 4)));
        let u = FlowUpdate {
            expected_version: Some(4),
            ..Default::default()
        };
        assert_eq!(admit_update(&cur, u.clone()), Err(locked(holder)));
    }

    #[test]
    fn the_holders_logic_becomes_a_draft_and_fields_merge() {
        let me = Uuid::new_v4();
        let mut cur = flow();
        cur.locked_client_id = Some(me);
        let u = FlowUpdate {
            client_id: Some(me),
            description: Some("new".into()),
            logic: Some(logic()),
            ..Default::default()
        };
        let c = admit_update(&cur, u.clone()).unwrap();
        assert_eq!(c.logic.map(|l| l.kind), Some(VersionKind::Save));
        assert_eq!(
            (c.name.as_str(), c.description.as_deref()),
            ("M", Some("new"))
        );
        assert_eq!(c.error_handling.as_deref(), Some("eh"));
        // Without the lock the kind is the writer's.
        let c = admit_update(&flow(), u.clone()).unwrap();
        assert_eq!(c.logic.map(|l| l.kind), Some(VersionKind::Publish));
    }

    #[test]
    fn writable_refuses_deleted_and_other_holders_only() {
        let (holder, other) = (Uuid::new_v4(), Uuid::new_v4());
        let mut cur = flow();
        assert_eq!(writable(&cur, Some(other)), Ok(()));
        cur.locked_client_id = Some(holder);
        assert_eq!(writable(&cur, Some(holder)), Ok(()));
        assert_eq!(writable(&cur, Some(other)), Err(locked(holder)));
        assert_eq!(writable(&cur, None), Ok(()));
        cur.deleted = true;
        assert_eq!(writable(&cur, Some(holder)), Err(StoreError::Gone));
    }

    #[test]
    fn why_not_names_the_reason() {
        let holder = Uuid::new_v4();
        let mut cur = flow();
        assert_eq!(
            why_not::<StoreError>(Err(StoreError::NotFound)),
            StoreError::NotFound
        );
        assert_eq!(why_not::<StoreError>(Ok(cur.clone())), stale(4, 4));
        cur.locked_client_id = Some(holder);
        assert_eq!(why_not::<StoreError>(Ok(cur.clone())), locked(holder));
        cur.deleted = true;
        assert_eq!(why_not::<StoreError>(Ok(cur)), StoreError::Gone);
    }

    #[test]
    fn delete_checks_and_in_use_ignore_self_calls() {
        let cur = flow();
        assert_eq!(admit_delete(&cur, Some(3), None), Err(stale(3, 4)));
        assert_eq!(admit_delete(&cur, Some(4), Some(Uuid::new_v4())), Ok(()));
        let consumer = |id| Consumer {
            flow_id: id,
            name: "C".into(),
            flow_type: FlowType::InboundCall,
            version: 1,
            pinned_version: None,
        };
        assert_eq!(refuse_in_use(cur.id, vec![consumer(cur.id)]), Ok(()));
        let other = Uuid::new_v4();
        assert_eq!(
            refuse_in_use(cur.id, vec![consumer(cur.id), consumer(other)]),
            Err(StoreError::InUse {
                consumers: vec![consumer(other)]
            })
        );
    }
}
