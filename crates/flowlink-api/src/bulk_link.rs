//! flowlink extension (Genesys has no such endpoint; its clients never see it): bulk link and
//! unlink of one shared module, `POST /api/v2/flows/flowmodules/{moduleId}/actions/link`.
//! The server applies the change to each target flow's current logic, with the rules of a PUT,
//! many flows per transaction, and answers one result per flow.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::flow_type::FlowType;

/// Most flow ids one bulk request may name (a client sends more in several requests).
pub const BULK_LINK_MAX_FLOWS: usize = 1000;

/// Which flows a filter-driven bulk link targets (like the `GET /api/v2/flows` filters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkLinkFilter {
    /// Flow types (any case; `inbound` and `common` aliases accepted); empty: every type.
    #[serde(rename = "type", default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<FlowType>,
    /// Only active (or only inactive) flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Body of the bulk link request: the targets (`flowIds` or `filter`, exactly one), the pin
/// and the name of the inserted call, or `unlink: true` to remove the module's calls instead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkLinkRequest {
    /// Target flows by id (at most [`BULK_LINK_MAX_FLOWS`]; duplicates count once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_ids: Option<Vec<String>>,
    /// Target flows by filter (every match, all pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<BulkLinkFilter>,
    /// Pin the call to this module logic version; absent or `null` floats. Link only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Name of the inserted call node/action (default `Call <module name>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_name: Option<String>,
    /// `true`: remove every call to the module instead of linking it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlink: Option<bool>,
}

/// What happened to one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum BulkLinkStatus {
    /// The call was inserted (or its pin changed): a new logic version was written.
    Linked,
    /// The flow already called the module as asked; nothing was written.
    AlreadyLinked,
    /// The module's calls were removed: a new logic version was written.
    Unlinked,
    /// The flow did not call the module; nothing was written.
    NotLinked,
    /// The flow was not changed; `error` says why.
    Failed,
}

/// Why one flow failed: what a single PUT of it would have answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkLinkError {
    /// HTTP status a PUT would have had (404, 409, 400, 410...).
    pub status: u16,
    /// Genesys error code, e.g. `architect.flow.locked`.
    pub code: String,
    /// Human-readable reason.
    pub message: String,
}

/// The result for one target flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkLinkResult {
    /// The flow id (as given, for ids that are not flows).
    pub flow_id: String,
    /// The flow's name, when it is a flow of the caller's organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_name: Option<String>,
    /// What happened.
    pub status: BulkLinkStatus,
    /// The flow's `version` (optimistic-concurrency token) afterwards, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Why it failed (only with `status: failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<BulkLinkError>,
}

/// Answer of the bulk link request: one result per distinct target, in request order (filter
/// matches in id order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkLinkResponse {
    /// The module linked or unlinked.
    pub module_id: String,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_name: Option<String>,
    /// The pin asked for, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// One entry per target flow.
    pub results: Vec<BulkLinkResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_and_result_shapes() {
        let r: BulkLinkRequest = serde_json::from_value(json!({
            "filter": {"type": ["inbound"], "active": true}, "version": null, "unlink": false
        }))
        .unwrap();
        assert_eq!(
            r.filter.unwrap().types,
            vec![FlowType::InboundCall],
            "aliases accepted"
        );
        assert_eq!(r.version, None);
        let res = BulkLinkResult {
            flow_id: "f".into(),
            flow_name: None,
            status: BulkLinkStatus::AlreadyLinked,
            version: Some(3),
            error: None,
        };
        assert_eq!(
            serde_json::to_value(&res).unwrap(),
            json!({"flowId": "f", "status": "alreadyLinked", "version": 3})
        );
    }
}
