//! The OpenAPI vocabulary the handlers' `#[utoipa::path]` annotations use: the error-response
//! markers ([`responses`]), the parameter structs that are both the handlers' extractors and
//! their documented parameters ([`params`]), the schemas of enums and bodies ([`schemas`]),
//! and the constants the document is built around. It sits below the routes (they import it;
//! it imports no handler); the document assembled from every route table sits above them
//! ([`crate::openapi`]).
//!
//! flowlink's additions to the Genesys API are marked: fields whose description starts with
//! [`EXTENSION_PREFIX`] and extension-only operations carry [`EXTENSION`]` = true`.

pub mod params;
pub mod responses;
pub mod schemas;

pub use responses::{
    Authenticated, BadRequest, Busy, Conflict, Forbidden, Gone, Internal, LoginThrottled, NotFound,
    NotJson, TooLarge,
};
pub use schemas::{
    ConsumedResourcesEntityListing, FlowFilter, GrantType, NewFlow, NewFlowModule, ObjectType,
    SortBy, SortOrder, TokenRequest,
};

/// Where the document is served.
pub const DOC_PATH: &str = "/api/v2/docs/openapi.json";

/// Name of the OAuth 2 security scheme (the one the Genesys document uses).
pub const SECURITY_SCHEME: &str = "PureCloud OAuth";

/// The vendor extension that marks flowlink's additions to the Genesys API.
pub const EXTENSION: &str = "x-flowlink-extension";

/// Descriptions of flowlink's additions start with this (the marker the document looks for).
pub const EXTENSION_PREFIX: &str = "flowlink extension";
