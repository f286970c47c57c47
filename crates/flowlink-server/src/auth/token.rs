//! The client-credentials grant behind `POST /oauth/token` (SPEC §7, reference §1; the
//! handler is [`crate::routes::oauth`]).
//!
//! Credentials come from HTTP Basic (what the SDKs send) or the form fields `client_id` /
//! `client_secret` (seed 000). An optional `scope` narrows the token to a subset of what the
//! client's grants imply. Errors use the OAuth body shape, not `ErrorBody`.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flowlink_api::TokenResponse;
use flowlink_store::{AccessToken, StoreError};
use uuid::Uuid;

use super::scopes::{self, ScopeSet};
use super::secrets;
use crate::error::ApiError;
use crate::state::AppState;

struct Credentials {
    id: String,
    secret: String,
}

fn basic(headers: &HeaderMap) -> Option<Credentials> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some(Credentials {
        id: id.to_string(),
        secret: secret.to_string(),
    })
}

fn oauth(status: u16, error: &'static str, description: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        description: description.into(),
    }
}

/// Checks a token request (the raw form body and the headers that may carry HTTP Basic
/// credentials) and issues a token. Errors use the OAuth body shape where OAuth defines one.
pub async fn issue(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<TokenResponse, ApiError> {
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
            ApiError::PayloadTooLarge {
                limit: state.config.max_body_bytes,
            }
        }
        other => ApiError::bad_request(format!("could not read the request body: {other}")),
    })?;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| oauth(400, "invalid_request", "the body must be form-urlencoded"))?;
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => {
            return Err(oauth(
                400,
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported",
            ))
        }
        None => return Err(oauth(400, "invalid_request", "grant_type is required")),
    }
    let creds = basic(headers)
        .or_else(|| {
            Some(Credentials {
                id: field("client_id")?.to_string(),
                secret: field("client_secret")?.to_string(),
            })
        })
        .ok_or_else(ApiError::invalid_client)?;
    let client_id = Uuid::parse_str(creds.id.trim()).map_err(|_| ApiError::invalid_client())?;
    let client = match state.store.get_client(client_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(ApiError::invalid_client()),
        Err(e) => return Err(e.into()),
    };
    // Argon2 is deliberately slow: keep it off the async workers.
    let phc = client.secret_hash.clone();
    let ok = tokio::task::spawn_blocking(move || secrets::verify_secret(&creds.secret, &phc))
        .await
        .map_err(|e| ApiError::Internal(format!("secret check failed: {e}")))?;
    if !ok {
        return Err(ApiError::invalid_client());
    }

    let granted = ScopeSet::from_granted(&client.scopes);
    let token_scopes = match field("scope") {
        Some(requested) if !requested.trim().is_empty() => {
            let requested: Vec<String> = requested
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(bad) = requested
                .iter()
                .find(|s| !scopes::is_known(s) || !granted.contains(s))
            {
                return Err(oauth(
                    400,
                    "invalid_scope",
                    format!("scope '{bad}' is not granted to this client"),
                ));
            }
            requested
        }
        _ => client.scopes.clone(),
    };

    let token = secrets::random_secret();
    let expires_in = state
        .config
        .token_lifetime_secs
        .unwrap_or(client.token_lifetime_secs);
    state
        .store
        .insert_token(&AccessToken {
            token_hash: secrets::token_hash(&token).to_vec(),
            client_id: client.id,
            org_id: client.org_id,
            scopes: token_scopes,
            expires_ms: chrono::Utc::now().timestamp_millis() + expires_in * 1000,
        })
        .await?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "bearer".into(),
        expires_in,
    })
}
