//! The Genesys entity-listing envelope (reference §3.1), generic over the entity type.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::dependency::{Dependency, DependencyObject, DependencyType};
use crate::execution::FlowRuntimeExecution;
use crate::flow::{Flow, FlowVersion};

/// A page of entities. URIs are relative (`/api/v2/...`); `nextUri`/`previousUri` are omitted
/// when there is no such page; `pageCount = ceil(total / pageSize)` (0 when `total` is 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityListing<T> {
    pub entities: Vec<T>,
    pub page_size: i64,
    pub page_number: i64,
    pub total: i64,
    pub page_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_uri: Option<String>,
}

impl<T> EntityListing<T> {
    /// Builds the envelope for page `page_number` of `total` items at `page_size` per page.
    /// `base` is the relative path the URIs point at (e.g. `/api/v2/flows`); like the real API,
    /// the URIs carry only `pageSize` and `pageNumber`, not the filters.
    pub fn new(entities: Vec<T>, base: &str, page_number: i64, page_size: i64, total: i64) -> Self {
        let page_size_nz = page_size.max(1);
        let page_count = (total + page_size_nz - 1) / page_size_nz;
        let uri = |n: i64| format!("{base}?pageSize={page_size}&pageNumber={n}");
        EntityListing {
            entities,
            page_size,
            page_number,
            total,
            page_count,
            first_uri: Some(uri(1)),
            self_uri: Some(uri(page_number)),
            last_uri: Some(uri(page_count.max(1))),
            next_uri: (page_number < page_count).then(|| uri(page_number + 1)),
            previous_uri: (page_number > 1).then(|| uri((page_number - 1).min(page_count.max(1)))),
        }
    }
}

/// `FlowEntityListing`.
pub type FlowEntityListing = EntityListing<Flow>;
/// `FlowVersionEntityListing`.
pub type FlowVersionEntityListing = EntityListing<FlowVersion>;
/// `FlowRuntimeExecutionEntityListing` (flowlink extension: executions of one flow).
pub type FlowRuntimeExecutionEntityListing = EntityListing<FlowRuntimeExecution>;
/// `ConsumingResourcesEntityListing` (and the answer of `consumedresources`).
pub type ConsumingResourcesEntityListing = EntityListing<Dependency>;
/// `DependencyObjectEntityListing`.
pub type DependencyObjectEntityListing = EntityListing<DependencyObject>;
/// `DependencyTypeEntityListing`.
pub type DependencyTypeEntityListing = EntityListing<DependencyType>;

/// The OpenAPI schema of a page of `T`s: the envelope's fields, `entities` referring to `T`.
/// Each concrete listing gets its Genesys name below (a derive would name them all
/// `EntityListing`).
pub fn listing_schema<T: ToSchema>() -> RefOr<Schema> {
    let int = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
    };
    let uri = || ObjectBuilder::new().schema_type(Type::String);
    ObjectBuilder::new()
        .property(
            "entities",
            ArrayBuilder::new().items(Ref::from_schema_name(T::name())),
        )
        .required("entities")
        .property("pageSize", int())
        .required("pageSize")
        .property("pageNumber", int())
        .required("pageNumber")
        .property("total", int())
        .required("total")
        .property("pageCount", int())
        .required("pageCount")
        .property("firstUri", uri())
        .property("selfUri", uri())
        .property("lastUri", uri())
        .property("nextUri", uri())
        .property("previousUri", uri())
        .into()
}

/// `ToSchema` for the listing of one entity type under its Genesys name.
macro_rules! named_listing {
    ($entity:ty, $name:literal) => {
        impl PartialSchema for EntityListing<$entity> {
            fn schema() -> RefOr<Schema> {
                listing_schema::<$entity>()
            }
        }

        impl ToSchema for EntityListing<$entity> {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                schemas.push((<$entity>::name().into_owned(), <$entity>::schema()));
                <$entity>::schemas(schemas);
            }
        }
    };
}

named_listing!(Flow, "FlowEntityListing");
named_listing!(FlowVersion, "FlowVersionEntityListing");
named_listing!(FlowRuntimeExecution, "FlowRuntimeExecutionEntityListing");
named_listing!(Dependency, "ConsumingResourcesEntityListing");
named_listing!(DependencyObject, "DependencyObjectEntityListing");
named_listing!(DependencyType, "DependencyTypeEntityListing");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_count_and_links() {
        let l = EntityListing::new(vec![1, 2], "/api/v2/flows", 2, 2, 5);
        assert_eq!(l.page_count, 3);
        assert_eq!(
            l.next_uri.as_deref(),
            Some("/api/v2/flows?pageSize=2&pageNumber=3")
        );
        assert_eq!(
            l.previous_uri.as_deref(),
            Some("/api/v2/flows?pageSize=2&pageNumber=1")
        );
        assert_eq!(
            l.last_uri.as_deref(),
            Some("/api/v2/flows?pageSize=2&pageNumber=3")
        );
        let last = EntityListing::new(vec![5], "/api/v2/flows", 3, 2, 5);
        assert_eq!(last.next_uri, None);
        let empty = EntityListing::<i32>::new(vec![], "/api/v2/flows", 1, 25, 0);
        assert_eq!(empty.page_count, 0);
        assert_eq!(empty.next_uri, None);
        assert_eq!(empty.previous_uri, None);
        let json = serde_json::to_value(&empty).unwrap();
        assert!(json.get("nextUri").is_none());
    }
}
