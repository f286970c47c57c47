//! Wire types of the Genesys Cloud Platform API subset flowlink serves, shared by the server and
//! the client so both sides agree byte for byte.
//!
//! Field names follow the Genesys models (camelCase); optional fields are omitted when absent,
//! like the real API. Extensions that the real API does not have (`version`, `definition`,
//! `actions`, `variables`, `errorHandling` on [`Flow`]; `simulation`/`trace` on executions) are
//! marked as such. This crate is serde only: no I/O, no HTTP. The types also derive
//! `utoipa::ToSchema` under their Genesys names (listings are named in [`listing`]), which the
//! server's OpenAPI document is built from; doc comments starting "flowlink extension" mark
//! additions there.

// Tests may unwrap: a panic there is a test failure with a message, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bulk_link;
pub mod dependency;
pub mod error;
pub mod execution;
pub mod flow;
pub mod flow_type;
pub mod jobs;
pub mod listing;
pub mod logic;
pub mod oauth;
pub mod org;
pub mod trace;

pub use bulk_link::{
    BulkLinkError, BulkLinkFilter, BulkLinkRequest, BulkLinkResponse, BulkLinkResult,
    BulkLinkStatus, BULK_LINK_MAX_FLOWS,
};
pub use dependency::{Dependency, DependencyObject, DependencyStatus, DependencyType};
pub use error::{Detail, ErrorBody, Limit};
pub use execution::{
    FlowExecutionLaunchRequest, FlowExecutionLaunchResponse, FlowRuntimeExecution, Simulation,
};
pub use flow::{
    DomainEntityRef, Flow, FlowVersion, FlowVersionType, FlowWrite, Operation, SupportedLanguage,
    WritableDivision,
};
pub use flow_type::{FlowType, ParseFlowTypeError};
pub use jobs::{
    AddressableEntityRef, ArchitectExportJobStateResponse, ArchitectFlowReference,
    ArchitectJobMessage, ArchitectJobStateResponse, ExportDetails, RegisterArchitectExportJob,
    RegisterArchitectExportJobResponse, RegisterArchitectJobRequest, RegisterArchitectJobResponse,
};
pub use listing::{EntityListing, FlowEntityListing, FlowVersionEntityListing};
pub use logic::{Dialect, WireLogic};
pub use oauth::{OAuthErrorBody, TokenResponse};
pub use org::Organization;
pub use trace::ExecutionTrace;
