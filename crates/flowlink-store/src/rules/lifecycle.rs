//! The publishing lifecycle's decisions (SPEC §4): which version a check-in, publish or revert
//! moves to, and what a publish must check first. The backends run the conditional updates.

use uuid::Uuid;

use super::calls::check_links;
use super::RuleTx;
use crate::error::{InvalidDetail, StoreError};
use crate::records::FlowRecord;
use crate::store::LinkGuard;

/// Which version a publish promotes: the one asked for (it must exist), else the draft, else
/// the checked-in version.
pub(crate) fn publish_target(cur: &FlowRecord, version: Option<u32>) -> Result<u32, StoreError> {
    match version {
        Some(v) if v >= 1 && v <= cur.latest_version => Ok(v),
        Some(v) => Err(StoreError::invalid(InvalidDetail {
            code: "unknown.flow.version".into(),
            entity_id: Some(cur.id.to_string()),
            entity_name: Some(cur.name.clone()),
            field: Some("version".into()),
            message: format!(
                "flow '{}' has no version {v}.0 to publish (latest is {}.0)",
                cur.name, cur.latest_version
            ),
        })),
        None => Ok(cur.current_version()),
    }
}

/// What a publish of `cur` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Publish {
    /// The version published (and checked in).
    pub target: u32,
    /// A draft other than the published version survives, unlocked.
    pub saved: Option<u32>,
    /// The version whose dialect the row takes: the surviving draft's, else the target's.
    pub dialect_of: u32,
}

/// Checks a publish of `version` of `cur` (read in this transaction, [`super::checks::writable`]
/// by the publisher): the version must exist, what it calls must still be live, and for a
/// module it must not close a cycle with today's module graph (the version may be old).
pub(crate) async fn check_publish<T: RuleTx + ?Sized>(
    tx: &mut T,
    org: Uuid,
    cur: &FlowRecord,
    version: Option<u32>,
    guard: &dyn LinkGuard,
) -> Result<Publish, T::Error> {
    let target = publish_target(cur, version)?;
    let calls = tx.version_calls(org, cur.id, target).await?;
    check_links(tx, org, cur.id, &cur.name, cur.flow_type, &calls, guard).await?;
    let saved = cur.saved_version.filter(|s| *s != target);
    Ok(Publish {
        target,
        saved,
        dialect_of: saved.unwrap_or(target),
    })
}

/// What a check-in of `cur` does: the draft (if any) is relabelled and becomes the checked-in
/// version; without a draft the checked-in version stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkin {
    pub relabel: Option<u32>,
    pub checked_in: Option<u32>,
}

pub(crate) fn checkin(cur: &FlowRecord) -> Checkin {
    match cur.saved_version {
        Some(draft) => Checkin {
            relabel: Some(draft),
            checked_in: Some(draft),
        },
        None => Checkin {
            relabel: None,
            checked_in: cur.checked_in_version,
        },
    }
}

/// The version a revert returns `cur` to (whose dialect the row takes): current without the
/// draft. The draft stays in the history.
pub(crate) fn revert_target(cur: &FlowRecord) -> u32 {
    FlowRecord {
        saved_version: None,
        ..cur.clone()
    }
    .current_version()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowlink_api::FlowType;

    fn flow(saved: Option<u32>, checked_in: Option<u32>, published: Option<u32>) -> FlowRecord {
        FlowRecord {
            id: Uuid::nil(),
            org_id: Uuid::nil(),
            flow_type: FlowType::InboundCall,
            name: "F".into(),
            description: None,
            version: 1,
            dialect: None,
            active: true,
            deleted: false,
            locked_client_id: None,
            published_version: published,
            saved_version: saved,
            checked_in_version: checked_in,
            latest_version: 3,
            published_ms: None,
            error_handling: None,
            created_ms: 0,
            modified_ms: 0,
        }
    }

    #[test]
    fn publish_target_defaults_to_current_and_checks_the_range() {
        assert_eq!(
            publish_target(&flow(Some(3), Some(2), Some(1)), None),
            Ok(3)
        );
        assert_eq!(
            publish_target(&flow(None, Some(2), Some(1)), Some(1)),
            Ok(1)
        );
        for bad in [0, 4] {
            match publish_target(&flow(None, None, None), Some(bad)) {
                Err(StoreError::Invalid { message, details }) => {
                    assert_eq!(details[0].code, "unknown.flow.version");
                    assert_eq!(
                        message,
                        format!("flow 'F' has no version {bad}.0 to publish (latest is 3.0)")
                    );
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn checkin_promotes_the_draft_or_keeps_the_checked_in_version() {
        assert_eq!(
            checkin(&flow(Some(3), Some(2), None)),
            Checkin {
                relabel: Some(3),
                checked_in: Some(3)
            }
        );
        assert_eq!(
            checkin(&flow(None, Some(2), None)),
            Checkin {
                relabel: None,
                checked_in: Some(2)
            }
        );
    }

    #[test]
    fn revert_goes_back_past_the_draft() {
        assert_eq!(revert_target(&flow(Some(3), Some(2), Some(1))), 2);
        assert_eq!(revert_target(&flow(Some(3), None, Some(1))), 1);
        assert_eq!(revert_target(&flow(Some(3), None, None)), 3);
    }
}
