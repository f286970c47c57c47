//! Who is calling ([`Principal`]) and the scope check handlers run on it. Put on the request
//! by [`super::authenticate`]; handlers take it as an extractor.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use super::scopes::{self, ScopeSet};
use crate::error::ApiError;

/// Who is calling: the token's organization, client and (implication-closed) scopes.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org_id: Uuid,
    pub client_id: Uuid,
    pub scopes: ScopeSet,
}

impl Principal {
    /// Passes if any of `needed` is held; else 403 naming every scope that would do.
    pub fn require_any(&self, needed: &[&str]) -> Result<(), ApiError> {
        if self.scopes.any(needed) {
            Ok(())
        } else {
            Err(ApiError::MissingPermissions {
                scopes: scopes::satisfying(needed),
            })
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Present on every /api/v2 route (the auth middleware put it there); absence is a bug
        // in the route table, not the caller's fault.
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::Internal("route is missing the auth middleware".into()))
    }
}
