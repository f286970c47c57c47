//! flowlink extension (not in the Genesys API; Genesys clients never call it): bulk link and
//! unlink of one shared module, `POST /api/v2/flows/flowmodules/{id}/actions/link`.
//!
//! For each target flow (by id, or every flow a type/active filter matches) the store reads
//! the flow's *current* logic inside its write transaction and this module's [`LinkEdit`]
//! applies `flowlink_model::link::link_module` / `unlink_module` to it, then turns the result
//! into a logic write exactly as a PUT carrying that logic would (`plan_rewrite`); the store
//! writes it with the PUT's rules (checkout holder → draft, other holders → "locked", module
//! references, cycle guard, dependency rows). Flows go [`BATCH`] to a transaction, so a
//! thousand flows cost a handful of commits instead of a thousand. Scopes are a PUT's, per
//! flow; the request is one request for the rate limit.

use axum::extract::{Path, State};
use axum::Json;
use flowlink_api::{BulkLinkRequest, BulkLinkResponse};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::module_link::link_into_flows;
use crate::state::AppState;

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
    Ok(Json(link_into_flows(&state, &who, &id, req).await?))
}
