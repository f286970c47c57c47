//! Which logic versions a flow's row points at (published, checked in, draft) after a write,
//! and what a written row looks like: one definition for every backend.

use uuid::Uuid;

use crate::records::{Dialect, FlowRecord, LogicWrite, VersionKind};

/// The version pointers of a flow's row (and the fields that move with them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pointers {
    pub published: Option<u32>,
    pub saved: Option<u32>,
    pub checked_in: Option<u32>,
    pub published_ms: Option<i64>,
    pub active: bool,
}

impl Pointers {
    /// The pointers `cur` has now.
    pub fn of(cur: &FlowRecord) -> Self {
        Pointers {
            published: cur.published_version,
            saved: cur.saved_version,
            checked_in: cur.checked_in_version,
            published_ms: cur.published_ms,
            active: cur.active,
        }
    }

    /// The pointers after a logic write of `kind` as version `n` of `cur` (`None`: a new
    /// flow) at `now`.
    pub fn after(cur: Option<&FlowRecord>, kind: VersionKind, n: u32, now: i64) -> Self {
        let mut p = cur.map(Pointers::of).unwrap_or(Pointers {
            published: None,
            saved: None,
            checked_in: None,
            published_ms: None,
            active: false,
        });
        match kind {
            // Publishing is an implicit check-in and leaves no draft behind.
            VersionKind::Publish => {
                p.published = Some(n);
                p.checked_in = Some(n);
                p.saved = None;
                p.published_ms = Some(now);
                p.active = true;
            }
            VersionKind::Checkin => {
                p.checked_in = Some(n);
                p.saved = None;
            }
            VersionKind::Save => p.saved = Some(n),
        }
        p
    }
}

/// A flow row's logic columns after an update of `cur` that writes `logic` (if any) at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowAfter {
    /// The number of the new logic version, when there is one to insert.
    pub new_version: Option<u32>,
    pub latest: u32,
    pub dialect: Option<Dialect>,
    pub pointers: Pointers,
}

impl RowAfter {
    pub fn of(cur: &FlowRecord, logic: Option<&LogicWrite>, now: i64) -> Self {
        match logic {
            Some(logic) => {
                let n = cur.latest_version + 1;
                RowAfter {
                    new_version: Some(n),
                    latest: n,
                    dialect: logic.dialect.or(cur.dialect),
                    pointers: Pointers::after(Some(cur), logic.kind, n, now),
                }
            }
            None => RowAfter {
                new_version: None,
                latest: cur.latest_version,
                dialect: cur.dialect,
                pointers: Pointers::of(cur),
            },
        }
    }
}

/// How a dependency row of version `n` of a flow describes its consumer (the columns the
/// dependency listings filter and sort on): the consumer's type and name key, and which of its
/// pointers reach version `n`. Computed from the flow's row as written; the same values the
/// backends' describe triggers read from that row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DependencyRoles {
    pub consumer_type: &'static str,
    pub consumer_name_key: String,
    pub in_published: bool,
    pub in_checked_in: bool,
    pub in_current: bool,
}

impl DependencyRoles {
    /// The roles of version `n` of `consumer` (its row as written).
    pub fn of(consumer: &FlowRecord, n: u32) -> Self {
        let live = !consumer.deleted;
        let is_n = |p: Option<u32>| p == Some(n);
        DependencyRoles {
            consumer_type: consumer.flow_type.as_str(),
            consumer_name_key: consumer.name.to_lowercase(),
            in_published: live && is_n(consumer.published_version),
            in_checked_in: live && is_n(consumer.checked_in_version),
            in_current: live
                && (is_n(consumer.published_version)
                    || is_n(consumer.checked_in_version)
                    || is_n(consumer.saved_version)),
        }
    }
}

/// The distinct (module, pin) pairs of a version's calls: the dependency index answers "who
/// calls what", not "how often". Module ids are lowercased (SQLite stores them as text);
/// the caller has checked they parse.
pub(crate) fn dependency_rows(
    logic: &LogicWrite,
) -> std::collections::BTreeSet<(Uuid, Option<u32>)> {
    logic
        .calls
        .iter()
        .filter_map(|c| Uuid::parse_str(&c.module_id).ok().map(|m| (m, c.version)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ModuleRef;
    use flowlink_api::FlowType;

    fn flow() -> FlowRecord {
        FlowRecord {
            id: Uuid::nil(),
            org_id: Uuid::nil(),
            flow_type: FlowType::InboundCall,
            name: "f".into(),
            description: None,
            version: 3,
            dialect: Some(Dialect::Actions),
            active: true,
            deleted: false,
            locked_client_id: None,
            published_version: Some(1),
            saved_version: None,
            checked_in_version: Some(2),
            latest_version: 2,
            published_ms: Some(5),
            error_handling: None,
            created_ms: 0,
            modified_ms: 0,
        }
    }

    #[test]
    fn a_new_flow_published_is_active_and_checked_in() {
        let p = Pointers::after(None, VersionKind::Publish, 1, 9);
        assert_eq!(
            p,
            Pointers {
                published: Some(1),
                saved: None,
                checked_in: Some(1),
                published_ms: Some(9),
                active: true
            }
        );
        let draft = Pointers::after(None, VersionKind::Save, 1, 9);
        assert_eq!(
            (draft.saved, draft.published, draft.active),
            (Some(1), None, false)
        );
    }

    #[test]
    fn checkin_clears_the_draft_and_keeps_the_published_version() {
        let mut cur = flow();
        cur.saved_version = Some(2);
        let p = Pointers::after(Some(&cur), VersionKind::Checkin, 3, 9);
        assert_eq!(
            (p.checked_in, p.saved, p.published),
            (Some(3), None, Some(1))
        );
        assert_eq!(p.published_ms, Some(5));
    }

    #[test]
    fn a_draft_moves_only_the_draft_pointer() {
        let p = Pointers::after(Some(&flow()), VersionKind::Save, 3, 9);
        assert_eq!(
            p,
            Pointers {
                saved: Some(3),
                ..Pointers::of(&flow())
            }
        );
    }

    #[test]
    fn row_after_without_logic_changes_nothing() {
        let cur = flow();
        let r = RowAfter::of(&cur, None, 9);
        assert_eq!(
            (r.new_version, r.latest, r.dialect),
            (None, 2, Some(Dialect::Actions))
        );
        assert_eq!(r.pointers, Pointers::of(&cur));
    }

    #[test]
    fn row_after_a_logic_write_is_the_next_version_and_keeps_an_unset_dialect() {
        let cur = flow();
        let logic = LogicWrite {
            document: serde_json::json!({}).into(),
            dialect: None,
            kind: VersionKind::Publish,
            calls: vec![],
        };
        let r = RowAfter::of(&cur, Some(&logic), 9);
        assert_eq!((r.new_version, r.latest), (Some(3), 3));
        assert_eq!(r.dialect, Some(Dialect::Actions));
        assert_eq!(r.pointers.published, Some(3));
    }

    #[test]
    fn dependency_rows_are_distinct_per_module_and_pin() {
        let m = Uuid::new_v4();
        let call = |v| ModuleRef {
            node_id: "n".into(),
            module_id: m.to_string().to_uppercase(),
            version: v,
        };
        let logic = LogicWrite {
            document: serde_json::json!({}).into(),
            dialect: None,
            kind: VersionKind::Publish,
            calls: vec![call(None), call(None), call(Some(1))],
        };
        let rows: Vec<_> = dependency_rows(&logic).into_iter().collect();
        assert_eq!(rows, vec![(m, None), (m, Some(1))]);
    }
}
