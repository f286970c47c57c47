//! flowlink extension (not in the Genesys API; Genesys clients never call it): bulk link and
//! unlink of one shared module, `POST /api/v2/flows/flowmodules/{id}/actions/link`.
//!
//! For each target flow (by id, or every flow a type/active filter matches) the store reads
//! the flow's *current* logic inside its write transaction and this module's [`LinkEdit`]
//! applies `flowlink_model::link::link_module` / `unlink_module` to it, then turns the result
//! into a logic write exactly as a PUT carrying that logic would ([`plan_update`]); the store
//! writes it with the PUT's rules (checkout holder → draft, other holders → "locked", module
//! references, cycle guard, dependency rows). Flows go [`BATCH`] to a transaction, so a
//! thousand flows cost a handful of commits instead of a thousand. Scopes are a PUT's, per
//! flow; the request is one request for the rate limit.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use axum::extract::{Path, State};
use axum::Json;
use flowlink_api::{
    BulkLinkError, BulkLinkRequest, BulkLinkResponse, BulkLinkResult, BulkLinkStatus, FlowType,
    FlowWrite, BULK_LINK_MAX_FLOWS,
};
use flowlink_model::link::{link_module, unlink_module, LinkOutcome, WireLogic};
use flowlink_store::{
    Dialect, EditOutcome, EditedLogic, FlowEdit, FlowQuery, FlowRecord, InvalidDetail, PageRequest,
    StoreError,
};
use serde_json::Value;
use uuid::Uuid;

use super::flows::{load_flow, write_scopes, Family};
use super::lifecycle::name_holder;
use super::logic::{plan_update, CycleGuard};
use crate::archy_names::ModuleNames;
use crate::archy_write::relink;
use crate::auth::{scopes, Principal};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;

/// Flows per write transaction: one commit (one fsync on SQLite) each. Large enough that the
/// commit cost vanishes, small enough that other writers wait at most a few milliseconds.
pub const BATCH: usize = 250;

/// Page size used to collect a filter's matches.
const FILTER_PAGE: u32 = 1000;

/// The change one request applies to every target flow.
struct LinkEdit<'a> {
    who: &'a Principal,
    module_id: String,
    version: Option<u32>,
    call_name: String,
    unlink: bool,
    /// The module's name and the organization's modules, for Archy flows (calls by name).
    module_name: String,
    names: ModuleNames,
    /// Flows refused for lack of a write scope, with their type (the store's error type has
    /// no 403, so the answer is looked up here).
    forbidden: Mutex<HashMap<Uuid, FlowType>>,
}

/// A flow's stored logic document as the link transforms take it: the dialect it was last
/// written in; a flow without logic counts as an empty action list (as the client sees it).
fn wire_logic(dialect: Option<Dialect>, document: &Value) -> Result<WireLogic, StoreError> {
    match dialect {
        Some(Dialect::Graph) => Ok(WireLogic::Graph(
            document.get("definition").cloned().unwrap_or(Value::Null),
        )),
        Some(Dialect::Archy) => Err(StoreError::Backend(
            "Archy logic takes the text edit, not the JSON transforms".into(),
        )),
        Some(Dialect::Actions) | None => Ok(WireLogic::Actions(
            document
                .get("actions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        )),
    }
}

/// The body a client would PUT to carry `logic` (its dialect's side only).
fn write_body(logic: WireLogic) -> FlowWrite {
    match logic {
        WireLogic::Graph(def) => FlowWrite {
            definition: Some(def),
            ..Default::default()
        },
        WireLogic::Actions(a) => FlowWrite {
            actions: Some(Value::Array(a)),
            ..Default::default()
        },
    }
}

/// A refusal of the logic (a 400 of a PUT) as the store's error.
fn invalid(e: ApiError) -> StoreError {
    match e {
        ApiError::BadRequest { message, details } => StoreError::Invalid {
            message,
            details: details
                .into_iter()
                .map(|d| InvalidDetail {
                    code: d.error_code.unwrap_or_default(),
                    entity_id: d.entity_id,
                    entity_name: d.entity_name,
                    field: d.field_name,
                    message: d.message.unwrap_or_default(),
                })
                .collect(),
        },
        other => StoreError::Backend(other.to_string()),
    }
}

impl FlowEdit for LinkEdit<'_> {
    fn edit(&self, flow: &FlowRecord, document: &Value) -> Result<Option<EditedLogic>, StoreError> {
        if !self.who.scopes.any(write_scopes(flow.flow_type)) {
            if let Ok(mut f) = self.forbidden.lock() {
                f.insert(flow.id, flow.flow_type);
            }
            return Err(StoreError::NotFound);
        }
        if flow.id.to_string() == self.module_id {
            return Err(StoreError::invalid(InvalidDetail {
                code: "module.call.cycle".into(),
                entity_id: Some(self.module_id.clone()),
                message: "a module cannot call itself".into(),
                ..Default::default()
            }));
        }
        if flow.dialect == Some(Dialect::Archy) {
            let write = relink(
                document,
                &self.module_name,
                self.version,
                self.unlink,
                &self.names,
            )?;
            return Ok(write.map(|logic| EditedLogic {
                guard: Box::new(CycleGuard::for_write(&logic)),
                logic,
            }));
        }
        let logic = wire_logic(flow.dialect, document)?;
        let outcome = if self.unlink {
            unlink_module(&logic, &self.module_id)
        } else {
            link_module(&logic, &self.module_id, self.version, &self.call_name)
        }
        .map_err(|e| invalid(e.into()))?;
        let LinkOutcome::Changed(new) = outcome else {
            return Ok(None);
        };
        let Some(write) = plan_update(&write_body(new), flow.dialect, document).map_err(invalid)?
        else {
            return Ok(None);
        };
        let guard = CycleGuard::for_write(&write);
        Ok(Some(EditedLogic {
            logic: write,
            guard: Box::new(guard),
        }))
    }
}

/// The targets of a request, deduplicated in request order (filter matches in id order):
/// parsed ids, and the ids given that are not flow ids at all.
async fn targets(
    state: &AppState,
    who: &Principal,
    req: &BulkLinkRequest,
) -> Result<Vec<Result<Uuid, String>>, ApiError> {
    match (&req.flow_ids, &req.filter) {
        (Some(ids), None) => {
            if ids.len() > BULK_LINK_MAX_FLOWS {
                return Err(ApiError::bad_request(format!(
                    "flowIds names {} flows; at most {BULK_LINK_MAX_FLOWS} per request",
                    ids.len()
                )));
            }
            // Duplicates count once, however the UUID is spelled (the store wants distinct ids).
            let mut seen = HashSet::new();
            Ok(ids
                .iter()
                .map(|id| Uuid::parse_str(id.trim()).map_err(|_| id.clone()))
                .filter(|t| seen.insert(t.clone()))
                .collect())
        }
        (None, Some(filter)) => {
            let mut out = Vec::new();
            for number in 1.. {
                let query = FlowQuery {
                    types: filter.types.clone(),
                    active: filter.active,
                    page: PageRequest {
                        number,
                        size: FILTER_PAGE,
                    },
                    ..Default::default()
                };
                let page = state.store.list_flows(who.org_id, &query).await?;
                let got = page.items.len();
                out.extend(page.items.into_iter().map(|f| Ok(f.id)));
                if got < FILTER_PAGE as usize {
                    break;
                }
            }
            Ok(out)
        }
        _ => Err(ApiError::bad_request(
            "give the target flows as either flowIds or filter (exactly one of them)",
        )),
    }
}

fn failure(id: String, name: Option<String>, e: ApiError) -> BulkLinkResult {
    let (status, body) = e.status_and_body();
    BulkLinkResult {
        flow_id: id,
        flow_name: name,
        status: BulkLinkStatus::Failed,
        version: None,
        error: Some(BulkLinkError {
            status: status.as_u16(),
            code: body.code,
            message: body.message,
        }),
    }
}

/// `POST /api/v2/flows/flowmodules/{id}/actions/link` (flowlink extension).
#[utoipa::path(
    post,
    path = "/api/v2/flows/flowmodules/{id}/actions/link",
    operation_id = "postFlowsFlowmoduleActionsLink",
    tag = "Architect",
    summary = "flowlink extension: link (or unlink) a module into many flows at once",
    description = "flowlink extension, not part of the Genesys API. Applies the link (a call \
                   at each flow's entry, exactly once, optionally pinned) or the unlink to each \
                   target flow's current logic with the rules of a PUT, many flows per \
                   transaction, and answers one result per flow: linked, alreadyLinked, \
                   unlinked, notLinked, or failed with the error a PUT would have met.",
    params(("id" = String, Path, description = "Module (COMMONMODULE flow) ID")),
    request_body(content = BulkLinkRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One result per target flow", body = BulkLinkResponse),
        crate::openapi::BadRequest, crate::openapi::Forbidden, crate::openapi::NotFound, crate::openapi::Gone, crate::openapi::TooLarge, crate::openapi::NotJson, crate::openapi::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flowmodule:write"])),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn link_flows(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<BulkLinkRequest>,
) -> Result<Json<BulkLinkResponse>, ApiError> {
    let module = load_flow(&state, &who, &id, Family::Modules, false).await?;
    // Some write scope up front (a reader learns nothing flow by flow); which one each flow
    // needs depends on its type and is checked per flow.
    who.require_any(write_scopes(FlowType::CommonModule))?;
    let unlink = req.unlink.unwrap_or(false);
    if unlink && req.version.is_some() {
        return Err(ApiError::bad_request("version applies to link only"));
    }
    if let Some(v) = req.version {
        if v == 0 || v > module.latest_version {
            return Err(ApiError::bad_request(format!(
                "module '{}' has no version {v} (latest is {}.0)",
                module.name, module.latest_version
            )));
        }
    }
    let call_name = match req.call_name.as_deref().map(str::trim) {
        None => format!("Call {}", module.name),
        Some("") => return Err(ApiError::bad_request("callName cannot be blank")),
        // Like flow names: no client can show or type control characters.
        Some(n) if n.chars().any(char::is_control) => {
            return Err(ApiError::bad_request(
                "callName must not contain control characters",
            ))
        }
        Some(n) => n.to_string(),
    };
    let targets = targets(&state, &who, &req).await?;
    let edit = LinkEdit {
        who: &who,
        module_id: module.id.to_string(),
        version: req.version,
        call_name,
        unlink,
        module_name: module.name.clone(),
        names: ModuleNames::load(state.store.as_ref(), who.org_id).await?,
        forbidden: Mutex::new(HashMap::new()),
    };
    let ids: Vec<Uuid> = targets
        .iter()
        .filter_map(|t| t.as_ref().ok().copied())
        .collect();
    let mut done: HashMap<Uuid, BulkLinkResult> = HashMap::with_capacity(ids.len());
    for batch in ids.chunks(BATCH) {
        let results = match state
            .store
            .edit_flows(who.org_id, who.client_id, batch, &edit)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                // The batch wrote nothing; its flows fail (a retry is safe) and the next
                // batches still run.
                let e = ApiError::from(e);
                for id in batch {
                    done.insert(*id, failure(id.to_string(), None, e.clone()));
                }
                continue;
            }
        };
        for r in results {
            let result = match r.outcome {
                Ok(EditOutcome::Updated(f)) => BulkLinkResult {
                    flow_id: f.id.to_string(),
                    flow_name: Some(f.name),
                    status: if unlink {
                        BulkLinkStatus::Unlinked
                    } else {
                        BulkLinkStatus::Linked
                    },
                    version: Some(f.version),
                    error: None,
                },
                Ok(EditOutcome::Unchanged(f)) => BulkLinkResult {
                    flow_id: f.id.to_string(),
                    flow_name: Some(f.name),
                    status: if unlink {
                        BulkLinkStatus::NotLinked
                    } else {
                        BulkLinkStatus::AlreadyLinked
                    },
                    version: Some(f.version),
                    error: None,
                },
                Err(e) => {
                    let forbidden = edit
                        .forbidden
                        .lock()
                        .ok()
                        .and_then(|f| f.get(&r.id).copied());
                    let e = match forbidden {
                        Some(t) => ApiError::MissingPermissions {
                            scopes: scopes::satisfying(write_scopes(t)),
                        },
                        None => name_holder(&state, e.into()).await,
                    };
                    failure(r.id.to_string(), None, e)
                }
            };
            done.insert(r.id, result);
        }
    }
    let results = targets
        .into_iter()
        .map(|t| match t {
            Ok(id) => done
                .remove(&id)
                .unwrap_or_else(|| failure(id.to_string(), None, ApiError::NotFound)),
            // Not a flow id at all: what a PUT to it answers.
            Err(given) => failure(given, None, ApiError::NotFound),
        })
        .collect();
    Ok(Json(BulkLinkResponse {
        module_id: module.id.to_string(),
        module_name: Some(module.name),
        version: req.version,
        results,
    }))
}
