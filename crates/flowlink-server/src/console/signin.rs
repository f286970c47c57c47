//! Signing in and out. Sign-in checks the client id and secret exactly as `POST
//! /oauth/token` does ([`crate::auth::token::issue`], failed-login limits included) and keeps
//! the issued token as the session ([`super::session`]); sign-out revokes it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use serde_json::json;

use super::error::ConsoleError;
use super::session::{self, cookie, csrf_for, same, set_cookie, Session, COOKIE, SIGNIN_COOKIE};
use super::templates::render;
use crate::auth::{secrets, token};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a sign-in form stays valid.
const FORM_SECS: i64 = 600;

fn form_page(status: StatusCode, error: Option<&str>) -> Result<Response, ConsoleError> {
    // A fresh secret per form: its CSRF token goes in the form, the secret in a cookie only
    // this form's POST gets back.
    let secret = secrets::random_secret();
    let html = render(
        "signin.html",
        &json!({ "csrf": csrf_for(&secret), "error": error }),
    )?;
    Ok((
        status,
        [(
            header::SET_COOKIE,
            set_cookie(SIGNIN_COOKIE, &secret, FORM_SECS),
        )],
        Html(html),
    )
        .into_response())
}

/// `GET /console/signin`: the form (or the flows, when already signed in).
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(t) = cookie(&headers, COOKIE) {
        if crate::auth::principal_for(&state, secrets::token_hash(t))
            .await
            .is_ok()
        {
            return Redirect::to("/console/flows").into_response();
        }
    }
    form_page(StatusCode::OK, None).into_response()
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /console/signin`.
pub async fn sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<SignIn>,
) -> Result<Response, ConsoleError> {
    let expected = cookie(&headers, SIGNIN_COOKIE).map(csrf_for);
    if !expected.is_some_and(|e| same(&f.csrf, &e)) {
        return Err(ConsoleError::Forged);
    }
    let peer = peer.map_or(
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        |Extension(ConnectInfo(a))| a.ip(),
    );
    let body = serde_urlencoded::to_string([
        ("grant_type", "client_credentials"),
        ("client_id", f.client_id.trim()),
        ("client_secret", f.client_secret.as_str()),
    ])
    .map_err(|e| ApiError::Internal(format!("sign-in form: {e}")))?;
    match token::issue(&state, peer, &HeaderMap::new(), Ok(Bytes::from(body))).await {
        Ok(t) => Ok((
            [(
                header::SET_COOKIE,
                set_cookie(COOKIE, &t.access_token, t.expires_in),
            )],
            Redirect::to("/console/flows"),
        )
            .into_response()),
        Err(ApiError::OAuth { .. }) => form_page(
            StatusCode::UNAUTHORIZED,
            Some("That client id and secret do not match a client."),
        ),
        Err(e @ ApiError::LoginThrottled { .. }) => {
            let (_, body) = e.status_and_body();
            form_page(StatusCode::TOO_MANY_REQUESTS, Some(&body.message))
        }
        Err(e) => Err(e.into()),
    }
}

/// The sign-out form's field.
#[derive(Deserialize)]
pub struct SignOut {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/signout`: revokes the session's token and clears the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    s: Session,
    Form(f): Form<SignOut>,
) -> Result<Response, ConsoleError> {
    s.check_csrf(&f.csrf)?;
    let hash = s.token_hash();
    state.store.revoke_token(&hash).await?;
    state.tokens.remove(&hash);
    Ok((
        [(header::SET_COOKIE, session::set_cookie(COOKIE, "", 0))],
        Redirect::to("/console/signin"),
    )
        .into_response())
}
