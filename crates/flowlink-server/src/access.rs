//! Flow access shared by the handlers in [`crate::routes`]: which path family a request came
//! in on, the scopes a flow's type needs, loading a flow scoped to the caller's organization,
//! rendering it with its current logic, and naming the client that holds its lock (the store
//! knows only the client id).
//!
//! This module sits below the routes: handlers import it, it imports no handler.

use flowlink_api::{Flow, FlowType};
use flowlink_store::FlowRecord;
use uuid::Uuid;

use crate::auth::scopes::{FLOW_DELETE, FLOW_READ, FLOW_WRITE, MODULE_READ, MODULE_WRITE};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::render::render_flow;
use crate::state::AppState;

/// Which path family a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/api/v2/flows`: any flow type.
    Flows,
    /// `/api/v2/flows/flowmodules`: only `commonmodule` flows; others are 404 there.
    Modules,
}

impl Family {
    /// The listing URI of the family (`selfUri` base of its pages).
    pub fn base(self) -> &'static str {
        match self {
            Family::Flows => "/api/v2/flows",
            Family::Modules => "/api/v2/flows/flowmodules",
        }
    }
}

/// Scopes that allow reading flows of type `t` (modules also accept the module family).
pub fn read_scopes(t: FlowType) -> &'static [&'static str] {
    if t.is_module() {
        &[MODULE_READ, FLOW_READ]
    } else {
        &[FLOW_READ]
    }
}

/// Scopes that allow writing flows of type `t`.
pub fn write_scopes(t: FlowType) -> &'static [&'static str] {
    if t.is_module() {
        &[MODULE_WRITE, FLOW_WRITE]
    } else {
        &[FLOW_WRITE]
    }
}

/// Scopes that allow deleting flows of type `t`.
pub fn delete_scopes(t: FlowType) -> &'static [&'static str] {
    if t.is_module() {
        &[MODULE_WRITE, FLOW_DELETE]
    } else {
        &[FLOW_DELETE]
    }
}

/// Loads a flow of the caller's organization by path id. Ids of other organizations, ids that
/// are not UUIDs and non-modules on the module paths are all 404; deleted flows are 410
/// unless `allow_deleted`.
pub async fn load_flow(
    state: &AppState,
    who: &Principal,
    id: &str,
    family: Family,
    allow_deleted: bool,
) -> Result<FlowRecord, ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    let rec = state.store.get_flow(who.org_id, id).await?;
    if family == Family::Modules && !rec.flow_type.is_module() {
        return Err(ApiError::NotFound);
    }
    if rec.deleted && !allow_deleted {
        return Err(ApiError::FlowDeleted);
    }
    Ok(rec)
}

/// The flow with its current logic document (the draft while checked out; from
/// [`crate::state::DocumentCache`] when read before) and the name of the client holding its lock.
pub async fn with_logic(state: &AppState, rec: &FlowRecord) -> Result<Flow, ApiError> {
    let document = current_document(state, rec).await?;
    Ok(with_document(state, rec, &document).await)
}

/// The logic document of `rec`'s current version (the draft while checked out): from
/// [`crate::state::DocumentCache`] when read before (a version never changes), else from the
/// store, then cached.
pub async fn current_document(
    state: &AppState,
    rec: &FlowRecord,
) -> Result<std::sync::Arc<serde_json::Value>, ApiError> {
    let number = rec.current_version();
    if let Some(document) = state.documents.get(rec.org_id, rec.id, number) {
        return Ok(document);
    }
    let v = state.store.get_version(rec.org_id, rec.id, number).await?;
    let document = std::sync::Arc::new(v.document);
    state
        .documents
        .insert(rec.org_id, rec.id, number, document.clone());
    Ok(document)
}

/// The flow with the logic document `document` already in hand (no re-read) and the name of
/// the client holding its lock.
pub async fn with_document(
    state: &AppState,
    rec: &FlowRecord,
    document: &serde_json::Value,
) -> Flow {
    let mut flow = render_flow(rec, Some(document));
    fill_locked_client(state, &mut flow).await;
    flow
}

/// Adds the holder's name to a lock conflict (the store only knows the client id).
pub async fn name_holder(state: &AppState, e: ApiError) -> ApiError {
    match e {
        ApiError::Locked {
            client_id,
            client_name: None,
        } => {
            let client_name = match Uuid::parse_str(&client_id) {
                Ok(id) => state.store.get_client(id).await.ok().map(|c| c.name),
                Err(_) => None,
            };
            ApiError::Locked {
                client_id,
                client_name,
            }
        }
        other => other,
    }
}

/// Fills `lockedClient.name` (the record carries only the id). One store read at most.
async fn fill_locked_client(state: &AppState, flow: &mut Flow) {
    let Some(holder) = flow.locked_client.as_mut() else {
        return;
    };
    let id = holder.id.as_deref().and_then(|i| Uuid::parse_str(i).ok());
    if let Some(id) = id {
        // A client deleted since it took the lock keeps showing by id only.
        if let Ok(c) = state.store.get_client(id).await {
            holder.name = Some(c.name);
        }
    }
}
