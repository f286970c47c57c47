//! The Genesys flow type enum: UPPERCASE on the wire out, any case (plus seed 001's aliases) in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Genesys flow type. Serializes as the UPPERCASE Genesys name; parses any case and the
/// aliases `common` (= `commonmodule`) and `inbound` (= `inboundcall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowType {
    Bot,
    BusinessProcess,
    CommonModule,
    DigitalBot,
    EmailSend,
    InboundCall,
    InboundChat,
    InboundEmail,
    InboundShortMessage,
    InQueueCall,
    InQueueEmail,
    InQueueShortMessage,
    OutboundCall,
    SecureCall,
    Speech,
    SurveyInvite,
    Voice,
    Voicemail,
    VoiceSurvey,
    Workflow,
    Workitem,
}

/// An input string that names no flow type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFlowTypeError(pub String);

impl std::error::Error for ParseFlowTypeError {}

impl fmt::Display for ParseFlowTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown flow type '{}'; known types: {}",
            self.0,
            FlowType::ALL
                .iter()
                .map(|t| t.as_lower())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl FlowType {
    /// Every flow type, in the Genesys enum order.
    pub const ALL: [FlowType; 21] = [
        FlowType::Bot,
        FlowType::BusinessProcess,
        FlowType::CommonModule,
        FlowType::DigitalBot,
        FlowType::EmailSend,
        FlowType::InboundCall,
        FlowType::InboundChat,
        FlowType::InboundEmail,
        FlowType::InboundShortMessage,
        FlowType::InQueueCall,
        FlowType::InQueueEmail,
        FlowType::InQueueShortMessage,
        FlowType::OutboundCall,
        FlowType::SecureCall,
        FlowType::Speech,
        FlowType::SurveyInvite,
        FlowType::Voice,
        FlowType::Voicemail,
        FlowType::VoiceSurvey,
        FlowType::Workflow,
        FlowType::Workitem,
    ];

    /// The UPPERCASE Genesys wire name, e.g. `COMMONMODULE`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowType::Bot => "BOT",
            FlowType::BusinessProcess => "BUSINESSPROCESS",
            FlowType::CommonModule => "COMMONMODULE",
            FlowType::DigitalBot => "DIGITALBOT",
            FlowType::EmailSend => "EMAILSEND",
            FlowType::InboundCall => "INBOUNDCALL",
            FlowType::InboundChat => "INBOUNDCHAT",
            FlowType::InboundEmail => "INBOUNDEMAIL",
            FlowType::InboundShortMessage => "INBOUNDSHORTMESSAGE",
            FlowType::InQueueCall => "INQUEUECALL",
            FlowType::InQueueEmail => "INQUEUEEMAIL",
            FlowType::InQueueShortMessage => "INQUEUESHORTMESSAGE",
            FlowType::OutboundCall => "OUTBOUNDCALL",
            FlowType::SecureCall => "SECURECALL",
            FlowType::Speech => "SPEECH",
            FlowType::SurveyInvite => "SURVEYINVITE",
            FlowType::Voice => "VOICE",
            FlowType::Voicemail => "VOICEMAIL",
            FlowType::VoiceSurvey => "VOICESURVEY",
            FlowType::Workflow => "WORKFLOW",
            FlowType::Workitem => "WORKITEM",
        }
    }

    /// The lowercase spelling used in query parameters, e.g. `commonmodule`.
    pub fn as_lower(self) -> String {
        self.as_str().to_ascii_lowercase()
    }

    /// Whether flows of this type are shared modules (callable from other flows).
    pub fn is_module(self) -> bool {
        self == FlowType::CommonModule
    }

    /// The dependency-tracking object type (`<TYPE>FLOW`, but `WORKFLOW` stays `WORKFLOW`).
    pub fn dependency_type(self) -> String {
        match self {
            FlowType::Workflow => "WORKFLOW".to_string(),
            other => format!("{}FLOW", other.as_str()),
        }
    }
}

impl FromStr for FlowType {
    type Err = ParseFlowTypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "common" => return Ok(FlowType::CommonModule),
            "inbound" => return Ok(FlowType::InboundCall),
            _ => {}
        }
        FlowType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(&lower))
            .ok_or_else(|| ParseFlowTypeError(s.to_string()))
    }
}

impl fmt::Display for FlowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FlowType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl utoipa::PartialSchema for FlowType {
    /// The UPPERCASE names, as answered. Requests also take any case and the aliases, which
    /// the document leaves out so that generated clients send the canonical names.
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(FlowType::ALL.iter().map(|t| t.as_str())))
            .description(Some("A Genesys flow type (UPPERCASE on the wire)."))
            .into()
    }
}

impl utoipa::ToSchema for FlowType {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("FlowType")
    }
}

impl<'de> Deserialize<'de> for FlowType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_aliases() {
        assert_eq!("inboundcall".parse::<FlowType>(), Ok(FlowType::InboundCall));
        assert_eq!("InboundCall".parse::<FlowType>(), Ok(FlowType::InboundCall));
        assert_eq!(
            "COMMONMODULE".parse::<FlowType>(),
            Ok(FlowType::CommonModule)
        );
        assert_eq!("common".parse::<FlowType>(), Ok(FlowType::CommonModule));
        assert_eq!("Inbound".parse::<FlowType>(), Ok(FlowType::InboundCall));
        assert!("nope".parse::<FlowType>().is_err());
    }

    #[test]
    fn serializes_uppercase_and_round_trips_every_type() {
        for t in FlowType::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            let back: FlowType = serde_json::from_str(&json.to_lowercase()).unwrap();
            assert_eq!(back, t);
        }
    }

    #[test]
    fn dependency_type_names() {
        assert_eq!(FlowType::CommonModule.dependency_type(), "COMMONMODULEFLOW");
        assert_eq!(FlowType::Workflow.dependency_type(), "WORKFLOW");
    }
}
