//! Store records → wire objects: `Flow`, `FlowVersion`, version ids and dates.

use chrono::{DateTime, SecondsFormat};
use flowlink_api::{DomainEntityRef, Flow, FlowVersion, WritableDivision};
use flowlink_store::{Dialect, FlowRecord, FlowVersionRecord, VersionKind};
use serde_json::{json, Value};

use crate::logic::stored_error_handling;
use uuid::Uuid;

/// `"N.0"`, the id Genesys shows for flow version N.
pub fn version_id(n: u32) -> String {
    format!("{n}.0")
}

/// Parses a version id as written in a path or body: `"2.0"`, `"2"` (`None` if neither).
pub fn parse_version_id(s: &str) -> Option<u32> {
    let s = s.trim();
    let digits = s.strip_suffix(".0").unwrap_or(s);
    digits.parse::<u32>().ok().filter(|n| *n >= 1)
}

/// ISO-8601 UTC with milliseconds, e.g. `2024-05-20T10:00:00.000Z`.
pub fn iso(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `/api/v2/flows/{id}`.
pub fn flow_uri(id: Uuid) -> String {
    format!("/api/v2/flows/{id}")
}

fn version_uri(flow: Uuid, n: u32) -> String {
    format!("/api/v2/flows/{flow}/versions/{}", version_id(n))
}

/// The short version reference a `Flow` carries in `publishedVersion` & co.
fn version_ref(flow: Uuid, n: u32, kind: VersionKind, published_ms: Option<i64>) -> FlowVersion {
    FlowVersion {
        id: Some(version_id(n)),
        name: Some(version_id(n)),
        version_type: Some(kind),
        secure: Some(false),
        debug: Some(false),
        configuration_uri: Some(format!("{}/configuration", version_uri(flow, n))),
        date_published: published_ms.map(iso),
        self_uri: Some(version_uri(flow, n)),
        ..Default::default()
    }
}

/// A full `FlowVersion` from its record.
pub fn render_version(v: &FlowVersionRecord) -> FlowVersion {
    let n = v.number;
    FlowVersion {
        id: Some(version_id(n)),
        name: Some(version_id(n)),
        commit_version: Some(version_id(n)),
        configuration_version: Some(version_id(n)),
        version_type: Some(v.kind),
        secure: Some(false),
        debug: Some(false),
        created_by_client: v.created_by_client.map(|c| DomainEntityRef {
            id: Some(c.to_string()),
            name: None,
            self_uri: Some(format!("/api/v2/oauth/clients/{c}")),
        }),
        configuration_uri: Some(format!("{}/configuration", version_uri(v.flow_id, n))),
        date_created: Some(v.created_ms),
        date_checked_in: matches!(v.kind, VersionKind::Checkin | VersionKind::Publish)
            .then_some(v.created_ms),
        date_saved: Some(v.created_ms),
        date_published: v.published_ms.map(iso),
        self_uri: Some(version_uri(v.flow_id, n)),
    }
}

/// Empty graph-dialect logic, as a flow without logic shows it.
pub fn empty_definition() -> Value {
    json!({"nodes": [], "edges": []})
}

/// A `Flow` from its record; `logic` is its current logic version's document (single-flow
/// answers carry the logic, listings do not).
pub fn render_flow(rec: &FlowRecord, logic: Option<&Value>) -> Flow {
    let mut flow = Flow {
        id: Some(rec.id.to_string()),
        name: Some(rec.name.clone()),
        division: Some(WritableDivision {
            id: Some(rec.org_id.to_string()),
            name: Some("Home".into()),
            self_uri: Some(format!("/api/v2/authorization/divisions/{}", rec.org_id)),
        }),
        description: rec.description.clone(),
        flow_type: Some(rec.flow_type),
        locked_client: rec.locked_client_id.map(|c| DomainEntityRef {
            id: Some(c.to_string()),
            name: None,
            self_uri: Some(format!("/api/v2/oauth/clients/{c}")),
        }),
        active: Some(rec.active),
        system: Some(false),
        deleted: Some(rec.deleted),
        published_version: rec
            .published_version
            .map(|n| version_ref(rec.id, n, VersionKind::Publish, rec.published_ms)),
        saved_version: rec
            .saved_version
            .map(|n| version_ref(rec.id, n, VersionKind::Save, None)),
        checked_in_version: rec
            .checked_in_version
            .map(|n| version_ref(rec.id, n, VersionKind::Checkin, None)),
        self_uri: Some(flow_uri(rec.id)),
        version: Some(rec.version),
        error_handling: Some(stored_error_handling(rec).as_str().to_string()),
        ..Default::default()
    };
    if let Some(doc) = logic {
        match rec.dialect {
            Some(Dialect::Graph) => flow.definition = doc.get("definition").cloned(),
            Some(Dialect::Actions) => {
                flow.actions = Some(doc.get("actions").cloned().unwrap_or_else(|| json!([])));
                flow.variables = doc.get("variables").cloned();
            }
            // No route stores Archy text yet (the flow jobs API does, in its own branch).
            Some(Dialect::Archy) => {}
            None => {
                flow.definition = Some(empty_definition());
                flow.actions = Some(json!([]));
            }
        }
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids() {
        assert_eq!(parse_version_id("2.0"), Some(2));
        assert_eq!(parse_version_id("2"), Some(2));
        assert_eq!(parse_version_id("0"), None);
        assert_eq!(parse_version_id("2.5"), None);
        assert_eq!(parse_version_id("x"), None);
        assert_eq!(version_id(3), "3.0");
    }

    #[test]
    fn iso_has_millis_and_z() {
        assert_eq!(iso(1_716_199_200_000), "2024-05-20T10:00:00.000Z");
    }
}
