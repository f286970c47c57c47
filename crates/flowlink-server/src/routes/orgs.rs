//! `GET /api/v2/organizations/me`.

use axum::extract::State;
use axum::Json;
use flowlink_api::Organization;

use crate::auth::scopes::ORG_READ;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller's organization.
#[utoipa::path(
    get,
    path = "/api/v2/organizations/me",
    operation_id = "getOrganizationsMe",
    tag = "Organization",
    summary = "The caller's organization",
    responses(
        (status = 200, description = "The organization", body = flowlink_api::Organization),
        crate::vocabulary::Forbidden, crate::vocabulary::Authenticated
    ),
    security(("PureCloud OAuth" = ["organization:read"]))
)]
pub async fn me(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Organization>, ApiError> {
    who.require_any(&[ORG_READ])?;
    let org = state.store.get_org(who.org_id).await?;
    Ok(Json(Organization {
        id: Some(org.id.to_string()),
        name: Some(org.name),
        default_language: Some("en-us".into()),
        domain: None,
        state: Some("active".into()),
        self_uri: Some(format!("/api/v2/organizations/{}", org.id)),
    }))
}
