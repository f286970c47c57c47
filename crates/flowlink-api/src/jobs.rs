//! Architect jobs (SPEC §9, `reference/flow-jobs-api.md`): the wire shapes of flow import jobs
//! (`POST /api/v2/flows/jobs`, the signed upload, `GET /api/v2/flows/jobs/{id}`) and export
//! jobs (`POST /api/v2/flows/export/jobs`, `GET /api/v2/flows/export/jobs/{id}`), under their
//! Genesys schema names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// `Registered` → `Started` → `Success` | `Failure`.
pub const JOB_STATUSES: [&str; 4] = ["Registered", "Started", "Success", "Failure"];

/// Body of `POST /api/v2/flows/jobs` (optional; SDK v267+).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterArchitectJobRequest {
    /// Create an empty, published stub common module for every module the file calls by a
    /// name that has no module yet (otherwise such a file fails naming the module).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_stubs: Option<bool>,
}

/// Answer of `POST /api/v2/flows/jobs`: where to `PUT` the file, with which headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterArchitectJobResponse {
    pub id: String,
    /// A flowlink URL carrying its own short-lived, single-use signature: `PUT` the raw file
    /// there with no bearer token; 200 on success.
    pub presigned_url: String,
    /// Headers the upload must carry (always present; may be empty).
    pub headers: BTreeMap<String, String>,
    pub self_uri: String,
}

/// `{id, selfUri}` of the flow a job created or updated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddressableEntityRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// One message of a job: what went wrong and where (line:column, action).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchitectJobMessage {
    /// ISO-8601 UTC with milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    /// `Error` | `Warning`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Answer of `GET /api/v2/flows/jobs/{jobId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchitectJobStateResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The flow created or updated (once known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<AddressableEntityRef>,
    /// `Registered` | `Started` | `Success` | `Failure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Publish` | `Create` | `Update`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// With `expand=messages` (and always on `Failure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<ArchitectJobMessage>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// Which flow to export: by `id`, or by `name` and `type`; `version` (`"2.0"` or `2`)
/// defaults to the published version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchitectFlowReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub version: Option<Value>,
}

/// One flow of an export job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDetails {
    pub flow: ArchitectFlowReference,
    /// File name in the download (letters, digits, `_` and `-`; `.yaml` is added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// `Yaml` (default; the only one flowlink writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_type: Option<String>,
}

/// Body of `POST /api/v2/flows/export/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterArchitectExportJob {
    pub flows: Vec<ExportDetails>,
}

/// Answer of `POST /api/v2/flows/export/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterArchitectExportJobResponse {
    pub id: String,
    pub status: String,
    pub total_flows: i64,
    pub self_uri: String,
}

/// Answer of `GET /api/v2/flows/export/jobs/{jobId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArchitectExportJobStateResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Started` until done, then `Success` | `Failure` (never `Registered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Export`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// On `Success`: a signed URL needing no token; one YAML file, or a zip of
    /// `<name>-<type>-<id>.yaml` files for several flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<ArchitectJobMessage>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}
