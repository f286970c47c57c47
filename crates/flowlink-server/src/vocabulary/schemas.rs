//! Schemas of the enums and bodies the annotations name that are not wire types of
//! `flowlink-api`: the spellings of `sortBy`/`sortOrder`/`flowFilter`, tracked object types,
//! the create bodies with their required fields, the token form.

use std::borrow::Cow;

use flowlink_api::FlowWrite;
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// `sortBy` of flow listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    Id,
    Name,
    Type,
    Description,
}

/// `sortOrder` of flow listings (`ascending`/`descending` are accepted too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
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
