//! The client-credentials grant behind `POST /oauth/token` (SPEC §7, reference §1; the
//! handler is [`crate::routes::oauth`]).
//!
//! Credentials come from HTTP Basic (what the SDKs send) or the form fields `client_id` /
//! `client_secret` (seed 000). An optional `scope` narrows the token to a subset of what the
//! client's grants imply. Errors use the OAuth body shape, not `ErrorBody` (but for the 429 of
//! the failed-login limits, [`super::throttle`], and the 503 of a busy legacy check).
//!
//! A secret is checked against its stored fast hash in constant time ([`super::secrets`]);
//! a hash written by an earlier release (argon2) is checked once, in a bounded slot, and
//! replaced by the fast form on success.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flowlink_api::TokenResponse;
use flowlink_store::{AccessToken, StoreError};
use uuid::Uuid;

use super::principal::Principal;
use super::scopes::{self, ScopeSet};
use super::secrets::{self, Verified};
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

/// After a successful check against an argon2 hash of an earlier release: stores the fast
/// form, so the next login is cheap. A failure only costs the next login another slow check.
async fn upgrade_hash(state: &AppState, client: Uuid, stored: &str, secret: &str) {
    let new = secrets::hash_secret(secret);
    match state
        .store
        .replace_client_secret_hash(client, stored, &new)
        .await
    {
        Ok(_) => tracing::info!(%client, "client secret hash upgraded from argon2"),
        Err(e) => tracing::warn!(%client, error = %e, "could not upgrade the client secret hash"),
    }
}

fn oauth(status: u16, error: &'static str, description: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        description: description.into(),
    }
}

/// Checks a token request from `peer` (the raw form body and the headers that may carry
/// HTTP Basic credentials) and issues a token. Errors use the OAuth body shape where OAuth
/// defines one; failed attempts are limited per address and per client
/// ([`super::throttle`]): 429 `too.many.requests.retry.after` past the limit.
pub async fn issue(
    state: &AppState,
    peer: IpAddr,
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
    let logins = &state.logins;
    let Some(creds) = basic(headers).or_else(|| {
        Some(Credentials {
            id: field("client_id")?.to_string(),
            secret: field("client_secret")?.to_string(),
        })
    }) else {
        logins.admit(peer, None).await?;
        return Err(logins.failed(peer, None));
    };
    let client_id = Uuid::parse_str(creds.id.trim()).ok();
    // Blocked address or client: answered before any store read or hash.
    logins.admit(peer, client_id).await?;
    let Some(client_id) = client_id else {
        return Err(logins.failed(peer, None));
    };
    let client = match state.store.get_client(client_id).await {
        Ok(c) => c,
        // Unknown ids count against the address only: the client map holds real clients.
        Err(StoreError::NotFound) => return Err(logins.failed(peer, None)),
        Err(e) => return Err(e.into()),
    };
    let stored = client.secret_hash.clone();
    let verified = if secrets::is_legacy(&stored) {
        // Argon2 is deliberately slow: off the async workers, in bounded slots.
        let _slot = logins.legacy_slot().await?;
        let secret = creds.secret.clone();
        let stored = stored.clone();
        tokio::task::spawn_blocking(move || secrets::verify_secret(&secret, &stored))
            .await
            .map_err(|e| ApiError::Internal(format!("secret check failed: {e}")))?
    } else {
        secrets::verify_secret(&creds.secret, &stored)
    };
    match verified {
        Verified::Match => {}
        Verified::Legacy => upgrade_hash(state, client.id, &stored, &creds.secret).await,
        Verified::NoMatch => return Err(logins.failed(peer, Some(client.id))),
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
    let hash = secrets::token_hash(&token);
    let now = chrono::Utc::now().timestamp_millis();
    let expires_ms = now + expires_in * 1000;
    let principal = Principal {
        org_id: client.org_id,
        client_id: client.id,
        scopes: ScopeSet::from_granted(&token_scopes),
    };
    state
        .store
        .insert_token(&AccessToken {
            token_hash: hash.to_vec(),
            client_id: client.id,
            org_id: client.org_id,
            scopes: token_scopes,
            expires_ms,
        })
        .await?;
    // The first request with the new token needs no store read; the cache still honours the
    // expiry and a revocation removes the entry (`TokenCache::remove`).
    state.tokens.insert(hash, principal, expires_ms, now);
    Ok(TokenResponse {
        access_token: token,
        token_type: "bearer".into(),
        expires_in,
    })
}
