//! Authentication and authorization: the token endpoint, bearer-token checking (with the
//! per-token rate limit right after it) and the scope checks handlers call.

pub mod cache;
pub mod scopes;
pub mod secrets;
pub mod token;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use flowlink_store::StoreError;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use cache::Cached;
use scopes::ScopeSet;

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

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::AuthenticationRequired)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(ApiError::AuthenticationRequired)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::AuthenticationRequired);
    }
    Ok(token.trim())
}

/// Middleware on `/api/v2`: bearer token → [`Principal`] (through [`cache::TokenCache`]),
/// then the per-token rate limit.
pub async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let hash = secrets::token_hash(bearer(req.headers())?);
    let now = chrono::Utc::now().timestamp_millis();
    let principal = match state.tokens.get(&hash, now) {
        Cached::Valid(p) => p,
        Cached::Expired => return Err(ApiError::CredentialsExpired),
        Cached::Unknown => {
            let token = match state.store.get_token(&hash).await {
                Ok(t) => t,
                Err(StoreError::NotFound) => return Err(ApiError::BadCredentials),
                Err(e) => return Err(e.into()),
            };
            if token.expires_ms <= now {
                return Err(ApiError::CredentialsExpired);
            }
            let p = Principal {
                org_id: token.org_id,
                client_id: token.client_id,
                scopes: ScopeSet::from_granted(&token.scopes),
            };
            state.tokens.insert(hash, p.clone(), token.expires_ms, now);
            p
        }
    };
    if let Some(limiter) = &state.limiter {
        limiter.check(&hash)?;
    }
    req.extensions_mut().insert(principal);
    Ok(next.run(req).await)
}
