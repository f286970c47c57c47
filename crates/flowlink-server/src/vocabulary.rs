//! The OpenAPI vocabulary the handlers' `#[utoipa::path]` annotations use: the error-response
//! markers (`responses(BadRequest, ...)`), the enums and schema stand-ins of query parameters
//! and bodies, and the constants the document is built around. It sits below the routes (they
//! import it; it imports no handler); the document assembled from every route table sits
//! above them ([`crate::openapi`]).
//!
//! flowlink's additions to the Genesys API are marked: fields whose description starts with
//! [`EXTENSION_PREFIX`] and extension-only operations carry [`EXTENSION`]` = true`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use flowlink_api::{ErrorBody, FlowWrite};
use serde::Deserialize;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

/// Where the document is served.
pub const DOC_PATH: &str = "/api/v2/docs/openapi.json";

/// Name of the OAuth 2 security scheme (the one the Genesys document uses).
pub const SECURITY_SCHEME: &str = "PureCloud OAuth";

/// The vendor extension that marks flowlink's additions to the Genesys API.
pub const EXTENSION: &str = "x-flowlink-extension";

/// Descriptions of flowlink's additions start with this (the marker the document looks for).
pub const EXTENSION_PREFIX: &str = "flowlink extension";

// ---- responses shared by many operations ------------------------------------------------------

fn error_response(
    status: u16,
    description: &str,
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
        )
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

/// One error status answered with an `ErrorBody`, usable in `responses(...)`.
macro_rules! error_status {
    ($(#[$doc:meta])* $name:ident, $status:literal, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                error_response($status, $description)
            }
        }
    };
}

error_status!(
    /// 400 `bad.request`.
    BadRequest,
    400,
    "`bad.request`: a malformed or invalid body, query parameter or flow logic; `details` \
     name the fields or nodes"
);
error_status!(
    /// 403 `missing.any.permissions`.
    Forbidden,
    403,
    "`missing.any.permissions`: the token holds none of the scopes that would allow this"
);
error_status!(
    /// 404 `not.found`.
    NotFound,
    404,
    "`not.found`: no such object in the caller's organization"
);
error_status!(
    /// 409: stale `version`, duplicate name, lock held by another client, module in use.
    Conflict,
    409,
    "`general.conflict` (stale `version`), `general.resource.conflict` (duplicate name), \
     `architect.flow.locked` (checked out by another client) or `architect.flow.in.use` \
     (a module still called)"
);
error_status!(
    /// 410 `architect.flow.deleted`.
    Gone,
    410,
    "`architect.flow.deleted`: the flow was deleted"
);
error_status!(
    /// 413 `request.entity.too.large`.
    TooLarge,
    413,
    "`request.entity.too.large`: the body is over the server's limit"
);
error_status!(
    /// 415 `unsupported.media.type`.
    NotJson,
    415,
    "`unsupported.media.type`: a body that is not `application/json`"
);
error_status!(
    /// 500 `internal.server.error`.
    Internal,
    500,
    "`internal.server.error`: an unexpected failure (the cause is logged under the \
     `contextId`)"
);

/// The statuses every authenticated operation can answer: 401, 429, 500.
pub struct Authenticated;

impl IntoResponses for Authenticated {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let mut all = error_response(
            401,
            "`authentication.required` (no bearer token), `bad.credentials` (unknown token) \
             or `credentials.expired`",
        );
        all.extend(error_response(
            429,
            "`too.many.requests.retry.after`: the token's per-minute budget is spent; see \
             `Retry-After`",
        ));
        all.extend(Internal::responses());
        all
    }
}

// ---- query parameter vocabularies -------------------------------------------------------------

/// `sortBy` of flow listings.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    Id,
    Name,
    Type,
    Description,
}

/// `sortOrder` of flow listings (`ascending`/`descending` are accepted too).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// `flowFilter` of dependency queries: which consumer versions count (absent: every current
/// version: published, checked in or draft).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum FlowFilter {
    Published,
    CheckedIn,
}

/// A dependency-tracking object type (a flow type's `<TYPE>FLOW`, or `WORKFLOW`). Any case
/// is accepted; the document lists the canonical names.
pub struct ObjectType;

impl PartialSchema for ObjectType {
    fn schema() -> RefOr<Schema> {
        let names: Vec<String> = crate::dependency_types::all_types()
            .into_iter()
            .filter_map(|t| t.id)
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(names))
            .description(Some("A tracked object type (flows only)"))
            .into()
    }
}

impl ToSchema for ObjectType {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ObjectType")
    }
}

/// `grant_type` of the token request: the client-credentials grant only.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
}

/// The body of `POST /api/v2/flows`: a `FlowWrite` with `name` and `type` required.
pub struct NewFlow;

/// The body of `POST /api/v2/flows/flowmodules`: a `FlowWrite` with `name` required (the
/// type is COMMONMODULE whatever is sent).
pub struct NewFlowModule;

/// `FlowWrite`'s schema with `required` added.
fn flow_write_requiring(required: &[&str], description: &str) -> RefOr<Schema> {
    let mut schema = FlowWrite::schema();
    if let RefOr::T(Schema::Object(o)) = &mut schema {
        o.required.extend(required.iter().map(|r| r.to_string()));
        o.description = Some(description.to_string());
    }
    schema
}

impl PartialSchema for NewFlow {
    fn schema() -> RefOr<Schema> {
        flow_write_requiring(
            &["name", "type"],
            "A new flow: `FlowWrite` with `name` and `type` required. A whole `Flow` is \
             accepted too; its read-only fields are ignored.",
        )
    }
}

impl ToSchema for NewFlow {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewFlow")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FlowWrite::name().into_owned(), FlowWrite::schema()));
        FlowWrite::schemas(schemas);
    }
}

impl PartialSchema for NewFlowModule {
    fn schema() -> RefOr<Schema> {
        flow_write_requiring(
            &["name"],
            "A new common module: `FlowWrite` with `name` required (`type` is COMMONMODULE \
             whatever is sent).",
        )
    }
}

impl ToSchema for NewFlowModule {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewFlowModule")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        NewFlow::schemas(schemas);
    }
}

/// The form body of `POST /oauth/token`. Credentials go in HTTP Basic (what the SDKs send) or
/// in `client_id`/`client_secret`.
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub grant_type: GrantType,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space- or comma-separated subset of the client's scopes.
    pub scope: Option<String>,
}

/// `ConsumedResourcesEntityListing`: the same page of `Dependency`s as
/// `ConsumingResourcesEntityListing` (`EntityListing<Dependency>`), under the name Genesys
/// gives the answer of `consumedresources`.
pub struct ConsumedResourcesEntityListing;

impl PartialSchema for ConsumedResourcesEntityListing {
    fn schema() -> RefOr<Schema> {
        flowlink_api::listing::listing_schema::<flowlink_api::Dependency>()
    }
}

impl ToSchema for ConsumedResourcesEntityListing {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ConsumedResourcesEntityListing")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        <flowlink_api::listing::EntityListing<flowlink_api::Dependency>>::schemas(schemas);
    }
}

