//! The web console (issue 15): HTML pages at `/console` for people, beside the API at
//! `/api/v2` for programs. Sign in with an OAuth client's id and secret; see flows and
//! modules, a flow's logic and the organization's module graph as pictures
//! (`flowlink-picture`), simulate calls and step through them, and — with write scope —
//! link, publish, check out and revert.
//!
//! Layering: the console sits beside the routes, below the router (`lib.rs` mounts it). Its
//! pages call the same shared helpers the API handlers call ([`crate::access`],
//! [`crate::module_link`], [`crate::launch`], [`crate::publishing`], [`crate::auth`]) and
//! never a handler in [`crate::routes`] (the tidy test checks). Pages are rendered on the
//! server from templates ([`templates`], minijinja with HTML autoescaping); the few lines of
//! JavaScript and CSS are static assets embedded in the binary.
//!
//! Every answer carries the security headers ([`security_headers`]): a Content-Security-Policy
//! without inline script or style, `frame-ancestors 'none'`, `nosniff`, no referrer, and
//! `no-store` for pages. Every form carries a CSRF token bound to the session
//! ([`session::Session::csrf`]), checked on every POST.

mod assets;
mod error;
mod flows;
mod modules;
mod session;
mod signin;
mod simulator;
mod templates;
mod view;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The policy: our own script and style files only; pictures are inline SVG (markup, not
/// script); forms post only to us; no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'";

/// Adds the console's security headers to every answer under `/console`.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The console's routes, to merge into the application router. POST bodies are read within
/// the request-body deadline like the API's.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console") }))
        .route("/console", get(|| async { Redirect::to("/console/flows") }))
        .route("/console/signin", get(signin::form).post(signin::sign_in))
        .route("/console/signout", post(signin::sign_out))
        .route("/console/flows", get(flows::list))
        .route("/console/flows/{id}", get(flows::show))
        .route("/console/flows/{id}/{action}", post(flows::act))
        .route("/console/modules", get(modules::graph))
        .route("/console/modules/{id}", get(modules::show))
        .route("/console/modules/{id}/publish", post(modules::publish))
        .route("/console/modules/{id}/link", post(modules::link))
        .route(
            "/console/simulate",
            get(simulator::form).post(simulator::run),
        )
        .route("/console/assets/{file}", get(assets::serve))
        .route_layer(middleware::from_fn_with_state(
            state,
            crate::deadline::read_body_in_time,
        ))
        .layer(middleware::from_fn(security_headers))
}
