//! The client's one error type: what went wrong talking to the server, decoded from the Genesys
//! `ErrorBody` (or the OAuth error body) when the server sent one.

use flowlink_api::{Detail, ErrorBody};

/// Everything a [`crate::Client`] call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a Genesys `ErrorBody` (any non-2xx status but the token
    /// endpoint's). Retries have already been spent when this reaches the caller.
    #[error("{}", api_message(*status, code, message, context_id))]
    Api {
        /// HTTP status.
        status: u16,
        /// Dotted Genesys code, e.g. `not.found`.
        code: String,
        /// The server's message.
        message: String,
        /// `contextId` (= `ININ-Correlation-Id`), for finding the request in the server log.
        context_id: String,
        /// The whole body, for `details`, `limit` and the rest.
        body: Box<ErrorBody>,
    },
    /// `POST /oauth/token` refused the credentials or the grant.
    #[error("login failed ({status} {error}): {description}")]
    Auth {
        /// HTTP status of the token response.
        status: u16,
        /// OAuth `error`, e.g. `invalid_client`.
        error: String,
        /// OAuth `error_description`.
        description: String,
    },
    /// The request never got an HTTP answer (connection refused, reset, timeout).
    #[error("cannot reach {url}: {source}")]
    Transport {
        /// The URL that was requested.
        url: String,
        /// The underlying cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered something this client cannot read.
    #[error("unexpected answer from {url}: {reason}")]
    Decode {
        /// The URL that was requested.
        url: String,
        /// What did not parse.
        reason: String,
    },
    /// The base URL given to [`crate::Client::new`] is not usable.
    #[error("invalid server url '{url}': {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A logic document (file or inline) could not be read as either seed dialect.
    #[error("{0}")]
    Logic(String),
    /// A linking transform refused the flow's logic.
    #[error("cannot change the flow's logic: {0}")]
    Model(#[from] flowlink_model::ModelError),
    /// The caller asked for something that does not exist or does not fit (e.g. a module name
    /// that matches no module).
    #[error("{0}")]
    Invalid(String),
}

fn api_message(status: u16, code: &str, message: &str, context_id: &str) -> String {
    let mut s = format!("server answered {status}");
    if !code.is_empty() {
        s.push(' ');
        s.push_str(code);
    }
    if !message.is_empty() {
        s.push_str(": ");
        s.push_str(message);
    }
    if !context_id.is_empty() {
        s.push_str(&format!(" (contextId {context_id})"));
    }
    s
}

impl ClientError {
    /// Builds an [`ClientError::Api`] from an HTTP status and the raw response body. A body that
    /// is not an `ErrorBody` still gives a useful error (status plus the start of the text).
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(eb) if !eb.code.is_empty() || !eb.message.is_empty() => ClientError::Api {
                status,
                code: eb.code.clone(),
                message: eb.message.clone(),
                context_id: eb.context_id.clone(),
                body: Box::new(eb),
            },
            _ => {
                let text = String::from_utf8_lossy(body);
                let message: String = text.trim().chars().take(200).collect();
                ClientError::Api {
                    status,
                    code: String::new(),
                    message: message.clone(),
                    context_id: String::new(),
                    body: Box::new(ErrorBody {
                        message,
                        status,
                        ..Default::default()
                    }),
                }
            }
        }
    }

    /// The HTTP status if the server answered, else `None`.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } | ClientError::Auth { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The Genesys error code if the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } if !code.is_empty() => Some(code),
            ClientError::Auth { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The `details` of an API error (empty otherwise).
    pub fn details(&self) -> &[Detail] {
        match self {
            ClientError::Api { body, .. } => &body.details,
            _ => &[],
        }
    }

    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether this is a 409 (stale `version`, lock held, in use).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_genesys_error_body() {
        let body = br#"{"message":"The requested resource was not found.","code":"not.found","status":404,"contextId":"c-1","details":[{"entityId":"n1"}],"errors":[]}"#;
        let e = ClientError::from_response(404, body);
        assert!(e.is_not_found());
        assert_eq!(e.code(), Some("not.found"));
        assert_eq!(e.details()[0].entity_id.as_deref(), Some("n1"));
        assert_eq!(
            e.to_string(),
            "server answered 404 not.found: The requested resource was not found. (contextId c-1)"
        );
    }

    #[test]
    fn a_body_that_is_not_an_error_body_still_reads() {
        let e = ClientError::from_response(502, b"<html>bad gateway</html>");
        assert_eq!(e.status(), Some(502));
        assert_eq!(e.code(), None);
        assert_eq!(
            e.to_string(),
            "server answered 502: <html>bad gateway</html>"
        );
    }
}
