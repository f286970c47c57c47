//! Parameter structs: each is the extractor a handler takes ([`Query`](crate::extract::Query)
//! for the query string, axum's `Path` for path segments) and, through `#[derive(IntoParams)]`,
//! the parameters its `#[utoipa::path]` annotation documents (`params(FlowListParams)`). One
//! struct, one source: a parameter cannot be documented without being a field, and the tests
//! below check that every documented query parameter is one the parser reads.

use flowlink_api::FlowType;
use flowlink_store::{FlowQuery, FlowSort, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::schemas::{SortBy, SortOrder};
use crate::error::ApiError;
use crate::extract::{FromQuery, QueryParams};
use crate::query::{page, text_filter};

/// The flow id path segment of `/api/v2/flows/{id}`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FlowPath {
    /// Flow ID
    pub id: String,
}

/// The module id path segment of `/api/v2/flows/flowmodules/{id}`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ModulePath {
    /// Module (COMMONMODULE flow) ID
    pub id: String,
}

/// The flow and version path segments of `/api/v2/flows/{id}/versions/{v}`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FlowVersionPath {
    /// Flow ID
    pub id: String,
    /// Version ID (`2.0` or `2`)
    pub v: String,
}

/// `GET` of one flow or module: whether a deleted one is found too.
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetFlowParams {
    /// Also find a deleted flow (default false)
    pub deleted: Option<bool>,
}

impl FromQuery for GetFlowParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        Ok(GetFlowParams {
            deleted: q.bool("deleted")?,
        })
    }
}

/// The filters, sort and page of `GET /api/v2/flows/flowmodules` (the flow listing without
/// `type`: the path fixes it).
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ModuleListParams {
    /// Only these flow IDs (repeated or comma-separated)
    #[param(style = Form, explode, value_type = Option<Vec<String>>)]
    pub id: Vec<String>,
    /// Name contains (case-insensitive; `*` matches anything)
    #[param(max_length = 1000)]
    pub name: Option<String>,
    /// Description contains
    #[param(max_length = 1000)]
    pub description: Option<String>,
    /// Name or description contains
    #[param(max_length = 1000)]
    pub name_or_description: Option<String>,
    /// Include deleted flows (default false)
    pub deleted: Option<bool>,
    /// Only active (published, not deactivated) or only inactive flows
    pub active: Option<bool>,
    /// Sort key (default id)
    pub sort_by: Option<SortBy>,
    /// Sort order (default asc)
    pub sort_order: Option<SortOrder>,
    /// Page size, 1 to 500 (default 25)
    #[param(minimum = 1, maximum = 500, value_type = Option<u32>)]
    pub page_size: u32,
    /// Page number, from 1 (default 1)
    #[param(minimum = 1, maximum = 8589934, value_type = Option<u32>)]
    pub page_number: u32,
}

impl FromQuery for ModuleListParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        let sort_by = match q.get("sortBy").map(str::to_ascii_lowercase).as_deref() {
            None => None,
            Some("id") => Some(SortBy::Id),
            Some("name") => Some(SortBy::Name),
            Some("type") => Some(SortBy::Type),
            Some("description") => Some(SortBy::Description),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "query parameter sortBy must be one of id, name, type, description, not \
                     '{other}'"
                )))
            }
        };
        let sort_order = match q.get("sortOrder").map(str::to_ascii_lowercase).as_deref() {
            None => None,
            Some("asc") | Some("ascending") => Some(SortOrder::Asc),
            Some("desc") | Some("descending") => Some(SortOrder::Desc),
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "query parameter sortOrder must be asc or desc, not '{other}'"
                )))
            }
        };
        let name = text_filter(q, "name")?;
        let description = text_filter(q, "description")?;
        let name_or_description = text_filter(q, "nameOrDescription")?;
        let deleted = q.bool("deleted")?;
        let active = q.bool("active")?;
        let PageRequest { number, size } = page(q)?;
        Ok(ModuleListParams {
            id: q.list("id"),
            name,
            description,
            name_or_description,
            deleted,
            active,
            sort_by,
            sort_order,
            page_size: size,
            page_number: number,
        })
    }
}

impl ModuleListParams {
    /// The store query of these parameters, limited to `types` (none: every type). An `id`
    /// list is exclusive: the store ignores the other filters when it is given.
    pub fn store_query(&self, types: Vec<FlowType>) -> FlowQuery {
        // An id that is not a UUID matches nothing; it is not an error (the real API ignores
        // it).
        let mut ids: Vec<Uuid> = self
            .id
            .iter()
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect();
        if !self.id.is_empty() && ids.is_empty() {
            ids.push(Uuid::nil());
        }
        FlowQuery {
            ids,
            types,
            name: self.name.clone(),
            description: self.description.clone(),
            name_or_description: self.name_or_description.clone(),
            include_deleted: self.deleted.unwrap_or(false),
            active: self.active,
            sort: match self.sort_by {
                None | Some(SortBy::Id) => FlowSort::Id,
                Some(SortBy::Name) => FlowSort::Name,
                Some(SortBy::Type) => FlowSort::Type,
                Some(SortBy::Description) => FlowSort::Description,
            },
            descending: self.sort_order == Some(SortOrder::Desc),
            page: PageRequest {
                number: self.page_number,
                size: self.page_size,
            },
        }
    }
}

/// The `type` filter of `GET /api/v2/flows`.
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypeFilter {
    /// Only these flow types (any case, repeated or comma-separated)
    #[param(rename = "type", style = Form, explode, value_type = Option<Vec<FlowType>>)]
    pub types: Vec<FlowType>,
}

impl FromQuery for TypeFilter {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        let types = q
            .list("type")
            .iter()
            .map(|t| {
                t.parse::<FlowType>()
                    .map_err(|e| ApiError::bad_request(format!("query parameter type: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TypeFilter { types })
    }
}

/// The filters, sort and page of `GET /api/v2/flows` (reference §4.2): the module listing's
/// parameters after `type`. Its documentation is the two derived lists, in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowListParams {
    /// `type`.
    pub types: TypeFilter,
    /// Everything else.
    pub rest: ModuleListParams,
}

impl FromQuery for FlowListParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        // `type` is checked first, as it always was.
        let types = TypeFilter::from_query(q)?;
        let rest = ModuleListParams::from_query(q)?;
        Ok(FlowListParams { types, rest })
    }
}

impl IntoParams for FlowListParams {
    fn into_params(
        parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        let mut all = TypeFilter::into_params(&parameter_in_provider);
        all.extend(ModuleListParams::into_params(&parameter_in_provider));
        all
    }
}

impl FlowListParams {
    /// The store query of these parameters.
    pub fn store_query(&self) -> FlowQuery {
        self.rest.store_query(self.types.types.clone())
    }
}

/// The flow a lifecycle action applies to (`POST /api/v2/flows/actions/...?flow=ID`).
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlowActionParams {
    /// Flow ID
    pub flow: String,
}

fn required_flow(q: &QueryParams) -> Result<String, ApiError> {
    q.get("flow")
        .map(|f| f.trim().to_string())
        .ok_or_else(|| ApiError::bad_request("query parameter flow (the flow id) is required"))
}

impl FromQuery for FlowActionParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        Ok(FlowActionParams {
            flow: required_flow(q)?,
        })
    }
}

/// `POST /api/v2/flows/actions/publish?flow=ID[&version=N]`. The version is checked by the
/// handler, after the flow is found (an unknown flow is a 404 whatever the version says).
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishParams {
    /// Flow ID
    pub flow: String,
    /// Version to publish (`2.0` or `2`; default: the current one)
    pub version: Option<String>,
}

impl FromQuery for PublishParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        Ok(PublishParams {
            flow: required_flow(q)?,
            version: q.get("version").map(str::to_string),
        })
    }
}

/// The job id path segment of the flow jobs paths (`/api/v2/flows/jobs/{jobId}`,
/// `/api/v2/flows/export/jobs/{jobId}`, and the signed upload and download URLs).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct JobPath {
    /// Job ID
    #[serde(rename = "jobId")]
    #[param(rename = "jobId")]
    pub job_id: String,
}

/// `GET` of a flow job: what to expand.
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// `messages` to include the job's messages (always included on Failure)
    #[param(style = Form, explode, value_type = Option<Vec<String>>)]
    pub expand: Vec<String>,
}

impl JobParams {
    /// Whether `expand` asks for `messages`.
    pub fn wants_messages(&self) -> bool {
        self.expand
            .iter()
            .any(|e| e.eq_ignore_ascii_case("messages"))
    }
}

impl FromQuery for JobParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        Ok(JobParams {
            expand: q.list("expand"),
        })
    }
}

/// The signature of a signed job URL (upload of an import, download of an export). Parsed
/// leniently: a missing or malformed part is the signature check's 403, not a 400.
#[derive(Debug, Clone, PartialEq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedUrlParams {
    /// Expiry, epoch milliseconds (part of the signed URL)
    #[param(value_type = i64, required = true)]
    pub expires: Option<String>,
    /// The URL's signature
    #[param(value_type = String, required = true)]
    pub signature: Option<String>,
}

impl FromQuery for SignedUrlParams {
    fn from_query(q: &QueryParams) -> Result<Self, ApiError> {
        Ok(SignedUrlParams {
            expires: q.get("expires").map(str::to_string),
            signature: q.get("signature").map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use super::*;

    /// Every documented parameter changes what `T` parses (or makes it fail) for at least one
    /// probe value, so none is documented but ignored; required ones are given in the base.
    fn every_documented_parameter_is_read<T: FromQuery + IntoParams + PartialEq + Debug>() {
        let params = T::into_params(|| None);
        assert!(!params.is_empty());
        let required: Vec<(String, String)> = params
            .iter()
            .filter(|p| p.required == utoipa::openapi::Required::True)
            .map(|p| (p.name.clone(), "1".to_string()))
            .collect();
        let base = T::from_query(&QueryParams(required.clone())).unwrap();
        for p in &params {
            let read = ["true", "7", "inboundcall", "x,y", ""].iter().any(|probe| {
                let mut pairs = required.clone();
                pairs.push((p.name.clone(), probe.to_string()));
                T::from_query(&QueryParams(pairs)).map_or(true, |parsed| parsed != base)
            });
            assert!(read, "{} is documented but not parsed", p.name);
        }
        for (name, _) in &required {
            let without: Vec<_> = required
                .iter()
                .filter(|(n, _)| n != name)
                .cloned()
                .collect();
            assert!(T::from_query(&QueryParams(without)).is_err(), "{name}");
        }
    }

    #[test]
    fn documented_parameters_are_parsed() {
        every_documented_parameter_is_read::<GetFlowParams>();
        every_documented_parameter_is_read::<ModuleListParams>();
        every_documented_parameter_is_read::<TypeFilter>();
        every_documented_parameter_is_read::<FlowListParams>();
        every_documented_parameter_is_read::<FlowActionParams>();
        every_documented_parameter_is_read::<PublishParams>();
        every_documented_parameter_is_read::<JobParams>();
    }

    fn flow_query(raw: &str) -> Result<FlowQuery, ApiError> {
        let q = QueryParams::parse(raw).unwrap();
        FlowListParams::from_query(&q).map(|p| p.store_query())
    }

    #[test]
    fn parses_the_genesys_parameters() {
        let fq = flow_query(
            "type=INBOUNDCALL,common&type=inbound&sortBy=Name&sortOrder=descending&pageSize=5\
             &deleted=true&active=false&nameOrDescription=x",
        )
        .unwrap();
        assert_eq!(
            fq.types,
            [
                FlowType::InboundCall,
                FlowType::CommonModule,
                FlowType::InboundCall
            ]
        );
        assert_eq!(fq.sort, FlowSort::Name);
        assert!(fq.descending && fq.include_deleted);
        assert_eq!(fq.active, Some(false));
        assert_eq!(fq.page, PageRequest { number: 1, size: 5 });
        for bad in [
            "pageSize=0",
            "pageSize=501",
            "pageNumber=0",
            "sortBy=x",
            "type=nope",
            "name=a%00",
            "nameOrDescription=%00",
        ] {
            assert!(flow_query(bad).is_err(), "{bad}");
        }
    }
}
