//! `GET /api/v2/organizations/me`.

use axum::extract::State;
use axum::Json;
use flowlink_api::Organization;

use crate::auth::scopes::ORG_READ;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// The caller's organization.
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
