//! Authentication and authorization: the token endpoint (with its failed-login limits),
//! bearer-token checking (with the per-token rate limit right after it) and the scope checks
//! handlers call.

pub mod cache;
pub mod principal;
pub mod scopes;
pub mod secrets;
pub mod throttle;
pub mod token;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use flowlink_store::StoreError;

use crate::error::ApiError;
use crate::state::AppState;
use cache::Cached;
pub use principal::Principal;
use scopes::ScopeSet;

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
/// then the per-token rate limit, then the body read within its deadline
/// ([`crate::deadline::read_body_then`]).
pub async fn authenticate(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let hash = secrets::token_hash(bearer(req.headers())?);
    let principal = principal_for(&state, hash).await?;
    req.extensions_mut().insert(principal);
    // Then the body, within its deadline: refused before it is waited for.
    Ok(crate::deadline::read_body_then(&state, req, next).await)
}

/// The principal of the token whose hash is `hash` (through [`cache::TokenCache`]), with the
/// per-token rate limit spent: what the API's bearer auth and the console's session cookie
/// both run, so both authorize alike.
pub async fn principal_for(state: &AppState, hash: [u8; 32]) -> Result<Principal, ApiError> {
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
    Ok(principal)
}
