//! The Genesys `ErrorBody` every non-OAuth error answers with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One detail of an error: which entity or field is concerned.
///
/// `message` is a flowlink extension (the Genesys `Detail` has no free text) so a human reading
/// a validation error learns what is wrong with each node without a second lookup.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    /// flowlink extension: what is wrong, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The rate-limit that was hit (`limit` on a 429).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Limit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
}

/// The Genesys `ErrorBody`. `contextId` equals the `ININ-Correlation-Id` response header.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_with_params: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_params: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub context_id: String,
    #[serde(default)]
    pub details: Vec<Detail>,
    #[serde(default)]
    #[schema(no_recursion)]
    pub errors: Vec<ErrorBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
}
