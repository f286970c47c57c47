//! Console sessions. A session *is* an access token of the store, issued at sign-in by the
//! same client-credentials check as `POST /oauth/token` and carried in an HttpOnly,
//! SameSite=Strict cookie that expires with the token. So every replica on the same database
//! knows every session (no session table, no migration), the console authorizes exactly as
//! the API does (organization and scopes of the token, through [`crate::auth::principal_for`],
//! rate limit included), and sign-out revokes the token in the store.
//!
//! The CSRF token of a session is derived from its secret (SHA-256 over a fixed label and
//! the cookie's token), so it is bound to the session, needs no storage, and is checked in
//! constant time on every POST.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use flowlink_api::FlowType;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::ConsoleError;
use crate::access::write_scopes;
use crate::auth::{principal_for, secrets, Principal};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "flowlink_session";
/// The sign-in form's own CSRF cookie (before there is a session).
pub const SIGNIN_COOKIE: &str = "flowlink_signin";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for the console: HttpOnly, SameSite=Strict, scoped to `/console`.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64) -> String {
    format!("{name}={value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}")
}

/// The CSRF token for a session or sign-in secret.
pub fn csrf_for(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"flowlink-console-csrf\n");
    h.update(secret.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `given` is `expected` (constant time).
pub fn same(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// A signed-in person: the token's principal and its cookie value.
#[derive(Debug, Clone)]
pub struct Session {
    pub who: Principal,
    token: String,
}

impl Session {
    /// The token every form of this session carries.
    pub fn csrf(&self) -> String {
        csrf_for(&self.token)
    }

    /// Refuses a POST whose form token is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), ConsoleError> {
        if same(given, &self.csrf()) {
            Ok(())
        } else {
            Err(ConsoleError::Forged)
        }
    }

    /// The SHA-256 of the session's token (what the store keys it by).
    pub fn token_hash(&self) -> [u8; 32] {
        secrets::token_hash(&self.token)
    }

    /// Whether the session may write flows of type `t` (the API's rule).
    pub fn can_write(&self, t: FlowType) -> bool {
        self.who.scopes.any(write_scopes(t))
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie(&parts.headers, COOKIE).ok_or(ConsoleError::SignIn)?;
        let who = principal_for(state, secrets::token_hash(token)).await?;
        Ok(Session {
            who,
            token: token.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_named_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; flowlink_session=tok; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn csrf_is_bound_to_the_secret() {
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert!(same(&csrf_for("a"), &csrf_for("a")));
        assert!(!same("", &csrf_for("a")));
    }
}
