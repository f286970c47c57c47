//! The Genesys `Flow` object with flowlink's extensions, the writable subset a POST/PUT body
//! carries, and the small reference types around them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::Detail;
use crate::flow_type::FlowType;

/// A reference to another entity (`{id, name, selfUri}`), e.g. `lockedClient`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainEntityRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// The division a flow lives in. flowlink has one `Home` division per organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WritableDivision {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// `supportedLanguages` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupportedLanguage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

/// Kind of a flow version: a draft save, a check-in, or a publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum FlowVersionType {
    Publish,
    Checkin,
    Save,
}

impl FlowVersionType {
    /// The wire and storage spelling (`SAVE`, `CHECKIN`, `PUBLISH`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlowVersionType::Save => "SAVE",
            FlowVersionType::Checkin => "CHECKIN",
            FlowVersionType::Publish => "PUBLISH",
        }
    }

    /// Parses [`FlowVersionType::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            FlowVersionType::Save,
            FlowVersionType::Checkin,
            FlowVersionType::Publish,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A Genesys `FlowVersion`: one immutable logic version of a flow, id `"N.0"`.
///
/// `dateCreated`, `dateCheckedIn` and `dateSaved` are int64 epoch milliseconds while
/// `datePublished` is an ISO-8601 string, exactly as the real API (and its SDKs) have it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowVersion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_version: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub version_type: Option<FlowVersionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by_client: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_uri: Option<String>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_created: Option<i64>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_checked_in: Option<i64>,
    /// Epoch milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_saved: Option<i64>,
    /// ISO-8601 date-time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// A Genesys `Operation`: the (here always synchronous) result of an action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_details: Option<Vec<Detail>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message_params: Option<BTreeMap<String, String>>,
    /// `CREATE|CHECKIN|CHECKOUT|DEBUG|DELETE|HISTORY|PUBLISH|REVERT|SAVE|STATE_CHANGE|UPDATE|VALIDATE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_name: Option<String>,
    /// `LOCKED|UNLOCKED|STARTED|PENDING_GENERATION|PENDING_BACKEND_NOTIFICATION|SUCCESS|FAILURE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_status: Option<String>,
}

/// The Genesys `Flow` as flowlink answers it.
///
/// Extensions: `version` (optimistic-concurrency token, bumped by every accepted change),
/// `definition` (graph dialect), `actions` + `variables` (action-list dialect) or `archy` (the
/// exact Archy YAML text) holding the flow's current logic, and `errorHandling` (`disconnect` |
/// `continue`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division: Option<WritableDivision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<FlowType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_user: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_client: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_version: Option<FlowVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_version: Option<FlowVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_version: Option<FlowVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_version: Option<FlowVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_by: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_operation: Option<Operation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_languages: Option<Vec<SupportedLanguage>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// flowlink extension: optimistic-concurrency token, bumped by every accepted change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// flowlink extension: logic in the graph dialect (`{nodes, edges, entry, variables}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<Value>,
    /// flowlink extension: logic in the action-list dialect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Value>,
    /// flowlink extension: declared variables of an action-list flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Value>,
    /// flowlink extension: logic as Archy YAML, the exact text a version imported from Archy
    /// was written in (absent for logic written in a JSON dialect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archy: Option<String>,
    /// flowlink extension: `disconnect` (default) or `continue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_handling: Option<String>,
}

/// The fields of a POST/PUT flow body the server acts on. Everything else in a `Flow` is
/// read-only and ignored, so an SDK that sends back the whole object it read is fine.
///
/// `null` and absent mean the same: "not mentioned, keep it".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowWrite {
    /// Ignored (the path names the flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Not blank, no control characters; unique per organization and type (ignoring case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: Option<String>,
    /// No NUL characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Required to create on `/api/v2/flows`; cannot change afterwards.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<FlowType>,
    /// flowlink extension: the `version` last read; a stale one is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// flowlink extension: new logic in the graph dialect (`{nodes, edges, entry, variables}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<Value>,
    /// flowlink extension: new logic in the action-list dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Value>,
    /// flowlink extension: declared variables of an action-list flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Value>,
    /// flowlink extension: new logic as Archy YAML (instead of `definition`/`actions`); its
    /// root key must be the flow's type and its `name` the flow's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archy: Option<String>,
    /// flowlink extension: `disconnect` (default) or `continue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(disconnect|continue)$")]
    pub error_handling: Option<String>,
}

impl From<&Flow> for FlowWrite {
    fn from(f: &Flow) -> Self {
        FlowWrite {
            id: f.id.clone(),
            name: f.name.clone(),
            description: f.description.clone(),
            flow_type: f.flow_type,
            version: f.version,
            definition: f.definition.clone(),
            actions: f.actions.clone(),
            variables: f.variables.clone(),
            archy: f.archy.clone(),
            error_handling: f.error_handling.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flow_omits_absent_fields_and_uses_genesys_names() {
        let f = Flow {
            id: Some("x".into()),
            name: Some("Main".into()),
            flow_type: Some(FlowType::InboundCall),
            published_version: Some(FlowVersion {
                id: Some("1.0".into()),
                date_created: Some(1_716_200_000_000),
                date_published: Some("2024-05-20T10:00:00.000Z".into()),
                ..Default::default()
            }),
            version: Some(3),
            ..Default::default()
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v,
            json!({"id":"x","name":"Main","type":"INBOUNDCALL","version":3,
                   "publishedVersion":{"id":"1.0","dateCreated":1_716_200_000_000_i64,
                                       "datePublished":"2024-05-20T10:00:00.000Z"}})
        );
    }

    #[test]
    fn flow_write_ignores_read_only_fields_and_nulls() {
        let w: FlowWrite = serde_json::from_value(json!({
            "id":"x","name":"n","type":"inbound","description":null,"selfUri":"/x",
            "publishedVersion":{"id":"1.0","weird":true},"system":false
        }))
        .unwrap();
        assert_eq!(w.flow_type, Some(FlowType::InboundCall));
        assert_eq!(w.description, None);
        assert_eq!(w.name.as_deref(), Some("n"));
    }
}
