//! The bulk link and unlink of one shared module into many flows (the work behind `POST
//! /api/v2/flows/flowmodules/{id}/actions/link` and the console's link form): one call,
//! [`link_into_flows`], shared by both so they cannot drift apart.
//!
//! For each target flow (by id, or every flow a type/active filter matches) the store reads
//! the flow's *current* logic inside its write transaction and this module's [`LinkEdit`]
//! applies `flowlink_model::link::link_module` / `unlink_module` to it, then turns the result
//! into a logic write exactly as a PUT carrying that logic would ([`plan_update`]); the store
//! writes it with the PUT's rules (checkout holder → draft, other holders → "locked", module
//! references, cycle guard, dependency rows). Flows go [`BATCH`] to a transaction, so a
//! thousand flows cost a handful of commits instead of a thousand. Scopes are a PUT's, per
//! flow.
//!
//! This module sits below the routes: handlers import it, it imports no handler.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;

use flowlink_api::{
    BulkLinkError, BulkLinkRequest, BulkLinkResponse, BulkLinkResult, BulkLinkStatus, Detail,
    FlowType, BULK_LINK_MAX_FLOWS,
};
use flowlink_model::link::{link_module_parsed, unlink_module_parsed, WireLogic};
use flowlink_store::{
    Dialect, EditFailure, EditOutcome, EditRefusal, EditedLogic, FlowEdit, FlowQuery, FlowRecord,
    PageRequest,
};
use serde_json::Value;
use uuid::Uuid;

use crate::access::{load_flow, name_holder, write_scopes, Family};
use crate::archy_names::ModuleNames;
use crate::archy_write::relink;
use crate::auth::{scopes, Principal};
use crate::error::ApiError;
use crate::logic::{plan_rewrite, CycleGuard};
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
}

/// A flow's stored logic document split for the link transforms: the logic they take, moved
/// out of the document (a bulk link of a thousand flows copied a thousand documents here), and
/// the rest of it (an action list's `variables`), which the rewrite keeps. The dialect is the
/// one it was last written in; a flow without logic counts as an empty action list (as the
/// client sees it). Archy logic takes the text edit ([`relink`]), never these JSON transforms.
fn take_wire_logic(
    dialect: Option<Dialect>,
    mut document: Value,
) -> Result<(WireLogic, Value), ApiError> {
    let mut take = |key: &str| document.as_object_mut().and_then(|m| m.remove(key));
    let logic = match dialect {
        Some(Dialect::Graph) => WireLogic::Graph(take("definition").unwrap_or(Value::Null)),
        Some(Dialect::Archy) => {
            return Err(ApiError::Internal(
                "Archy logic takes the text edit, not the JSON transforms".into(),
            ))
        }
        Some(Dialect::Actions) | None => WireLogic::Actions(match take("actions") {
            Some(Value::Array(actions)) => actions,
            _ => Vec::new(),
        }),
    };
    Ok((logic, document))
}

impl LinkEdit<'_> {
    /// The edit of one flow, refused with the error a PUT of the new logic would answer.
    fn try_edit(
        &self,
        flow: &FlowRecord,
        document: Value,
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
        if flow.dialect == Some(Dialect::Archy) {
            let write = relink(
                &document,
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
        let (logic, rest) = take_wire_logic(flow.dialect, document)?;
        let outcome = if self.unlink {
            unlink_module_parsed(logic, &self.module_id)
        } else {
            link_module_parsed(logic, &self.module_id, self.version, &self.call_name)
        }?;
        let Some((new, parsed)) = outcome else {
            return Ok(None);
        };
        // The transform validated the new logic: it is not parsed a second time. It answers
        // `None` when nothing changes, so the rewrite needs only the rest of the document.
        let Some(write) = plan_rewrite(new, &parsed, flow.dialect, &rest)? else {
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
    fn edit(&self, flow: &FlowRecord, document: Value) -> Result<Option<EditedLogic>, EditRefusal> {
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

/// Links (or unlinks) module `id` into the flows `req` names, with the rules of a PUT per
/// flow: one result per target flow, in request order.
pub async fn link_into_flows(
    state: &AppState,
    who: &Principal,
    id: &str,
    req: BulkLinkRequest,
) -> Result<BulkLinkResponse, ApiError> {
    let module = load_flow(state, who, id, Family::Modules, false).await?;
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
    let targets = targets(state, who, &req).await?;
    let edit = LinkEdit {
        who,
        module_id: module.id.to_string(),
        version: req.version,
        call_name,
        unlink,
        module_name: module.name.clone(),
        names: ModuleNames::load(state.store.as_ref(), who.org_id).await?,
    };
    let ids: Vec<Uuid> = targets
        .iter()
        .filter_map(|t| t.as_ref().ok().copied())
        .collect();
    let mut done: HashMap<Uuid, BulkLinkResult> = HashMap::with_capacity(ids.len());
    // Batches hold disjoint flows; where the store runs several at once, one's database work
    // overlaps another's edits. Each is answered as it ends.
    let edit = &edit;
    // Owned batches: a future borrowing its slice of `ids` trips the Send check of the route.
    let owned: Vec<Vec<Uuid>> = ids.chunks(BATCH).map(<[Uuid]>::to_vec).collect();
    let mut batches = futures::stream::iter(owned)
        .map(|batch| async move {
            let results = state
                .store
                .edit_flows(who.org_id, who.client_id, &batch, edit)
                .await;
            (batch, results)
        })
        .buffer_unordered(state.store.concurrent_edit_batches().max(1));
    while let Some((batch, results)) = batches.next().await {
        let results = match results {
            Ok(r) => r,
            Err(e) => {
                // The batch wrote nothing; its flows fail (a retry is safe) and the next
                // batches still run.
                let e = ApiError::from(e);
                for id in batch {
                    done.insert(id, failure(id.to_string(), None, e.clone()));
                }
                continue;
            }
        };
        for r in results {
            let result = match r.outcome {
                Ok(EditOutcome::Updated(f, document)) => {
                    // The new version is the flow's current one: the next read of the flow
                    // (a per-flow client's GET, say) needs no store read of it.
                    state
                        .documents
                        .insert(f.org_id, f.id, f.latest_version, document);
                    BulkLinkResult {
                        flow_id: f.id.to_string(),
                        flow_name: Some(f.name),
                        status: if unlink {
                            BulkLinkStatus::Unlinked
                        } else {
                            BulkLinkStatus::Linked
                        },
                        version: Some(f.version),
                        error: None,
                    }
                }
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
                    failure(r.id.to_string(), None, name_holder(state, e.into()).await)
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
    Ok(BulkLinkResponse {
        module_id: module.id.to_string(),
        module_name: Some(module.name),
        version: req.version,
        results,
    })
}
