//! Flow execution (simulated call) bodies: launch request/response and the runtime execution.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::flow::{DomainEntityRef, FlowVersion};

/// flowlink extension: how to simulate the interaction (caller number, dialled number, the digits the
/// caller presses in order, and mocked data-action answers by name:
/// `{outputs: {...}}` or `{fail: true}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Simulation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ani: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_actions: Option<BTreeMap<String, Value>>,
    /// Archy simulation (SPEC §9): data table rows, `{<table>: {<key>: {<column>: value}}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_tables: Option<BTreeMap<String, Map<String, Value>>>,
    /// The simulated clock, ISO-8601 UTC (default: the real clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// Schedule group answers by name: `open` | `closed` | `holiday` | `emergency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules: Option<BTreeMap<String, String>>,
    /// Queues that exist: `{<name>: {estimatedWaitSeconds}}` (absent: every queue exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<BTreeMap<String, Value>>,
    /// The interaction's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Participant data present before the call starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_data: Option<Map<String, Value>>,
}

/// `POST /api/v2/flows/executions` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowExecutionLaunchRequest {
    /// Required (an empty one is a 400).
    #[serde(default)]
    #[schema(required = true, min_length = 1)]
    pub flow_id: String,
    /// Omitted → the flow's published version. `"2.0"` or `"2"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_data: Option<BTreeMap<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// flowlink extension: simulation inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<Simulation>,
}

/// Answer to a launch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowExecutionLaunchResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_version: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// `GET /api/v2/flows/executions/{id}`. `status`: `UNKNOWN|RUNNING|ERROR|TERMINATED|COMPLETED|FAILED`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowRuntimeExecution {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_version: Option<FlowVersion>,
    /// ISO-8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_launched: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// ISO-8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_completed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_error_info: Option<ErrorBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_data: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// flowlink extension: the execution trace (steps, module enter/exit, prompts, tags, data, outcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Value>,
}
