//! Architect dependency-tracking bodies (reference §5).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::flow::DomainEntityRef;

/// One consumed or consuming resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Object type, e.g. `COMMONMODULEFLOW`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_unknown: Option<bool>,
    /// flowlink extension: for a module call, whether it floats (runs the module's published version at
    /// the moment of the call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floating: Option<bool>,
    /// flowlink extension: for a pinned module call, the module version it is pinned to (`"2.0"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// A tracked object with (optionally) what it consumes and who consumes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_unknown: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumed_resources: Option<Vec<Dependency>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consuming_resources: Option<Vec<Dependency>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// A dependency object type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyType {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

/// State of the dependency index; flowlink's is always `OPERATIONAL` (kept exact on write).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<DomainEntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_completed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

impl crate::FlowType {
    /// The dependency-tracking object type of this flow type (reference §5 naming rule):
    /// `<TYPE>FLOW` (`INBOUNDCALL` → `INBOUNDCALLFLOW`, `COMMONMODULE` → `COMMONMODULEFLOW`),
    /// except `WORKFLOW`, which stays `WORKFLOW`.
    pub fn dependency_object_type(self) -> String {
        match self {
            crate::FlowType::Workflow => "WORKFLOW".into(),
            other => format!("{}FLOW", other.as_str()),
        }
    }

    /// The flow type a dependency-tracking object type names (any case); `None` for object
    /// types that are not flows (and for `SPEECH`, which has no dependency type).
    pub fn from_dependency_object_type(s: &str) -> Option<Self> {
        let s = s.trim();
        crate::FlowType::ALL
            .into_iter()
            .filter(|t| *t != crate::FlowType::Speech)
            .find(|t| t.dependency_object_type().eq_ignore_ascii_case(s))
    }
}

#[cfg(test)]
mod tests {
    use crate::FlowType;

    #[test]
    fn object_types_follow_the_naming_rule() {
        assert_eq!(
            FlowType::InboundCall.dependency_object_type(),
            "INBOUNDCALLFLOW"
        );
        assert_eq!(FlowType::Workflow.dependency_object_type(), "WORKFLOW");
        assert_eq!(
            FlowType::from_dependency_object_type("commonmoduleflow"),
            Some(FlowType::CommonModule)
        );
        assert_eq!(FlowType::from_dependency_object_type("SPEECHFLOW"), None);
        assert_eq!(FlowType::from_dependency_object_type("QUEUE"), None);
    }
}
