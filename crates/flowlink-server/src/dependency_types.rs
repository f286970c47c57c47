//! Architect dependency-tracking object types for flows (reference §5): the flow type →
//! object type naming rule (`<TYPE>FLOW`, except `WORKFLOW`; `SPEECH` has none), the
//! `DependencyType` catalogue, and the query parameters that name object types.

use flowlink_api::{DependencyType, FlowType};

use crate::error::ApiError;
use crate::extract::QueryParams;

/// Base path of the dependency-tracking API.
pub const BASE: &str = "/api/v2/architect/dependencytracking";

/// Display names of the flow object types, in the Genesys flow type order.
const NAMES: [(FlowType, &str); 20] = [
    (FlowType::Bot, "Bot Flow"),
    (FlowType::BusinessProcess, "Business Process Flow"),
    (FlowType::CommonModule, "Common Module Flow"),
    (FlowType::DigitalBot, "Digital Bot Flow"),
    (FlowType::EmailSend, "Email Send Flow"),
    (FlowType::InboundCall, "Inbound Call Flow"),
    (FlowType::InboundChat, "Inbound Chat Flow"),
    (FlowType::InboundEmail, "Inbound Email Flow"),
    (FlowType::InboundShortMessage, "Inbound Short Message Flow"),
    (FlowType::InQueueCall, "In-Queue Call Flow"),
    (FlowType::InQueueEmail, "In-Queue Email Flow"),
    (FlowType::InQueueShortMessage, "In-Queue Short Message Flow"),
    (FlowType::OutboundCall, "Outbound Call Flow"),
    (FlowType::SecureCall, "Secure Call Flow"),
    (FlowType::SurveyInvite, "Survey Invite Flow"),
    (FlowType::Voice, "Voice Flow"),
    (FlowType::Voicemail, "Voicemail Flow"),
    (FlowType::VoiceSurvey, "Voice Survey Flow"),
    (FlowType::Workflow, "Workflow"),
    (FlowType::Workitem, "Workitem Flow"),
];

/// The object type of a flow type (`INBOUNDCALL` → `INBOUNDCALLFLOW`, `WORKFLOW` →
/// `WORKFLOW`). `SPEECH` flows have no dependency type; they are reported as `SPEECHFLOW`
/// for want of a better name, and never appear as module callers (speech flows cannot call
/// modules in Architect).
pub fn object_type(t: FlowType) -> String {
    t.dependency_object_type()
}

/// The flow type an object type names (any case), if it names one.
pub fn parse_object_type(s: &str) -> Option<FlowType> {
    FlowType::from_dependency_object_type(s)
}

fn unknown(param: &str, value: &str) -> ApiError {
    ApiError::bad_request(format!(
        "query parameter {param}: '{value}' is not a tracked object type; flowlink tracks the \
         flow types: {}",
        NAMES
            .iter()
            .map(|(t, _)| object_type(*t))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A required object-type parameter (400 if absent or not a flow type).
pub fn required_type(q: &QueryParams, param: &str) -> Result<FlowType, ApiError> {
    let v = q
        .get(param)
        .ok_or_else(|| ApiError::bad_request(format!("query parameter {param} is required")))?;
    parse_object_type(v).ok_or_else(|| unknown(param, v))
}

/// An optional single object-type parameter.
pub fn optional_type(q: &QueryParams, param: &str) -> Result<Option<FlowType>, ApiError> {
    q.get(param)
        .map(|v| parse_object_type(v).ok_or_else(|| unknown(param, v)))
        .transpose()
}

/// A list of object types (comma lists and repeated keys; empty = any).
pub fn type_list(q: &QueryParams, param: &str) -> Result<Vec<FlowType>, ApiError> {
    q.list(param)
        .iter()
        .map(|v| parse_object_type(v).ok_or_else(|| unknown(param, v)))
        .collect()
}

/// The `DependencyType` of a flow type.
pub fn dependency_type(t: FlowType) -> DependencyType {
    let id = object_type(t);
    DependencyType {
        name: NAMES
            .iter()
            .find(|(n, _)| *n == t)
            .map(|(_, name)| (*name).to_string()),
        versioned: Some(true),
        self_uri: Some(format!("{BASE}/types/{id}")),
        id: Some(id),
    }
}

/// Every tracked type, in the Genesys order.
pub fn all_types() -> Vec<DependencyType> {
    NAMES.iter().map(|(t, _)| dependency_type(*t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_rule_and_parsing() {
        assert_eq!(object_type(FlowType::InboundCall), "INBOUNDCALLFLOW");
        assert_eq!(object_type(FlowType::CommonModule), "COMMONMODULEFLOW");
        assert_eq!(object_type(FlowType::Workflow), "WORKFLOW");
        assert_eq!(
            parse_object_type("commonmoduleflow"),
            Some(FlowType::CommonModule)
        );
        assert_eq!(parse_object_type("WORKFLOW"), Some(FlowType::Workflow));
        assert_eq!(parse_object_type("INBOUNDCALL"), None);
        assert_eq!(parse_object_type("QUEUE"), None);
        assert_eq!(all_types().len(), 20);
        assert!(all_types().iter().all(|t| t.versioned == Some(true)));
    }
}
