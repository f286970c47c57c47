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

use axum::extract::{Path, State};
use axum::Json;
use flowlink_api::{
    BulkLinkError, BulkLinkRequest, BulkLinkResponse, BulkLinkResult, BulkLinkStatus, Detail,
    FlowType, BULK_LINK_MAX_FLOWS,
};
use flowlink_model::link::{link_module, unlink_module, LinkOutcome, WireLogic};
use flowlink_store::{
    Dialect, EditFailure, EditOutcome, EditRefusal, EditedLogic, FlowEdit, FlowQuery, FlowRecord,
    PageRequest,
};
use serde_json::Value;
use uuid::Uuid;

use crate::access::{load_flow, name_holder, write_scopes, Family};
use crate::auth::{scopes, Principal};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::logic::{plan_update, CycleGuard};
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
}

/// A flow's stored logic document as the link transforms take it: the dialect it was last
/// written in; a flow without logic counts as an empty action list (as the client sees it).
fn wire_logic(dialect: Option<Dialect>, document: &Value) -> WireLogic {
    match dialect {
        Some(Dialect::Graph) => {
            WireLogic::Graph(document.get("definition").cloned().unwrap_or(Value::Null))
        }
        Some(Dialect::Actions) | Some(Dialect::Archy) | None => WireLogic::Actions(
            document
                .get("actions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        ),
    }
}

impl LinkEdit<'_> {
    /// The edit of one flow, refused with the error a PUT of the new logic would answer.
    fn try_edit(
        &self,
        flow: &FlowRecord,
        document: &Value,
    ) -> Result<Option<EditedLogic>, ApiError> {
        if !self.who.scopes.any(write_scopes(flow.flow_type)) {
            return Err(ApiError::MissingPermissions {
                scopes: scopes::satisfying(write_scopes(flow.flow_type)),
            });
        }
        if flow.id.to_string() == self.module_id {
            let message = "a module cannot call itself";
            return Err(ApiError::BadRequest {
                message: message.into(),
                details: vec![Detail {
                    error_code: Some("module.call.cycle".into()),
                    entity_id: Some(self.module_id.clone()),
                    message: Some(message.into()),
                    ..Default::default()
                }],
            });
        }
        let logic = wire_logic(flow.dialect, document);
        let outcome = if self.unlink {
            unlink_module(&logic, &self.module_id)
        } else {
            link_module(&logic, &self.module_id, self.version, &self.call_name)
        }?;
        let LinkOutcome::Changed(new) = outcome else {
            return Ok(None);
        };
        let Some(write) = plan_update(&new.into_write(), flow.dialect, document)? else {
            return Ok(None);
        };
        let guard = CycleGuard::for_write(&write);
        Ok(Some(EditedLogic {
            logic: write,
            guard: Box::new(guard),
        }))
    }
}

impl FlowEdit for LinkEdit<'_> {
    fn edit(
        &self,
        flow: &FlowRecord,
        document: &Value,
    ) -> Result<Option<EditedLogic>, EditRefusal> {
        self.try_edit(flow, document).map_err(EditRefusal::new)
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
        crate::vocabulary::BadRequest, crate::vocabulary::Forbidden, crate::vocabulary::NotFound, crate::vocabulary::Gone, crate::vocabulary::TooLarge, crate::vocabulary::NotJson, crate::vocabulary::Authenticated
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
                Err(EditFailure::Store(e)) => {
                    failure(r.id.to_string(), None, name_holder(&state, e.into()).await)
                }
                // The edit's own refusal is already the answer a PUT would give.
                Err(EditFailure::Refused(refusal)) => {
                    let e = refusal
                        .downcast::<ApiError>()
                        .unwrap_or_else(|other| ApiError::Internal(other.to_string()));
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
