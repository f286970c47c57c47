//! `POST /oauth/token`: the client-credentials grant (SPEC §7, reference §1). The checks and
//! the issuing live in [`crate::auth::token`]; this is the route.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::auth::token::issue;
use crate::error::ApiError;
use crate::state::AppState;

/// `POST /oauth/token`: a bearer token for client credentials (`Cache-Control: no-store`).
#[utoipa::path(
    post,
    path = "/oauth/token",
    operation_id = "postOauthToken",
    tag = "OAuth",
    summary = "Get an access token (client-credentials grant)",
    request_body(
        content = crate::vocabulary::TokenRequest,
        description = "`grant_type=client_credentials`; credentials in HTTP Basic or the form",
        content_type = "application/x-www-form-urlencoded"
    ),
    responses(
        (status = 200, description = "A bearer token", body = flowlink_api::TokenResponse),
        (status = 400, description = "`invalid_request`, `unsupported_grant_type` or \
                                      `invalid_scope`", body = flowlink_api::OAuthErrorBody),
        (status = 401, description = "`invalid_client`: unknown client or wrong secret",
         body = flowlink_api::OAuthErrorBody),
        crate::vocabulary::TooLarge,
        crate::vocabulary::LoginThrottled,
        crate::vocabulary::Internal,
        crate::vocabulary::Busy
    ),
    security(())
)]
pub async fn token(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // Served by `serve`, every request knows its peer; a router driven directly (tests'
    // `oneshot`) counts failures under the unspecified address.
    let peer = peer.map_or(
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        |Extension(ConnectInfo(a))| a.ip(),
    );
    let body = issue(&state, peer, &headers, body).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}
