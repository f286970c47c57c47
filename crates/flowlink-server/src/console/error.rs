//! What a console page answers when it cannot answer the page: a redirect to the sign-in
//! form when there is no valid session, else an HTML error page with the status and message
//! the API would have given ([`ApiError::status_and_body`]), never a cause the API would hide.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use flowlink_store::StoreError;

use super::templates;
use crate::error::ApiError;

/// A console page's failure.
#[derive(Debug)]
pub enum ConsoleError {
    /// No session, or it expired or was signed out: go sign in.
    SignIn,
    /// A POST whose CSRF token is missing or wrong.
    Forged,
    /// Anything the API would refuse, with the API's status and message.
    Api(ApiError),
}

impl From<ApiError> for ConsoleError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::AuthenticationRequired
            | ApiError::BadCredentials
            | ApiError::CredentialsExpired => ConsoleError::SignIn,
            other => ConsoleError::Api(other),
        }
    }
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        ConsoleError::Api(e.into())
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ConsoleError::SignIn => return Redirect::to("/console/signin").into_response(),
            ConsoleError::Forged => (
                StatusCode::FORBIDDEN,
                "this form is not from your session (missing or wrong CSRF token); reload the \
                 page and try again"
                    .to_string(),
            ),
            ConsoleError::Api(e) => {
                // A 500's cause is logged where the API logs it, never shown.
                if let ApiError::Internal(cause) = &e {
                    tracing::error!(cause = %cause, "console page failed");
                }
                let (status, body) = e.status_and_body();
                (status, body.message)
            }
        };
        let page = templates::render(
            "error.html",
            &serde_json::json!({ "status": status.as_u16(), "message": message }),
        );
        match page {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    }
}
