//! The one error type of the HTTP layer and its one mapping to a status and body.
//!
//! Every failure a request can meet becomes an [`ApiError`]; [`ApiError::into_response`] is a
//! single exhaustive `match` (no `_` arm), so a new variant does not compile until someone
//! decides its status, code and message. Storage errors are converted in one place
//! (`From<StoreError>`). Internal causes are never sent to the client: the response carries
//! them in an [`InternalCause`] extension, and [`crate::observe::log_internal_causes`] logs them
//! inside the request's span (the axum examples' way: the conversion does no logging).

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flowlink_api::{Detail, ErrorBody, FlowType, Limit, OAuthErrorBody};
use flowlink_model::ModelError;
use flowlink_store::{Conflict, Consumer, InvalidDetail, StoreError};

use crate::context::context_id;

/// Message of a stale optimistic lock (wording of the Genesys swagger).
pub const VERSION_MISMATCH: &str = "Version does not match current version.";

/// `Retry-After` of a 503 for an unreachable database: long enough for a restart to finish,
/// short enough that the Python SDK's transparent retry (up to 10 times) rides it out.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 2;

/// Everything that can go wrong while answering a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 400 `bad.request`: malformed or invalid input; `details` name nodes/fields.
    #[error("bad request: {message}")]
    BadRequest {
        message: String,
        details: Vec<Detail>,
    },
    /// 401 `authentication.required`: no bearer token.
    #[error("authentication required")]
    AuthenticationRequired,
    /// 401 `bad.credentials`: unknown token.
    #[error("bad credentials")]
    BadCredentials,
    /// 401 `credentials.expired`: the token expired.
    #[error("credentials expired")]
    CredentialsExpired,
    /// 403 `missing.any.permissions`: none of `scopes` is held.
    #[error("missing any of {scopes:?}")]
    MissingPermissions { scopes: Vec<String> },
    /// 403 `signature.invalid`: a signed job URL (upload or download) whose signature is
    /// wrong, expired or already used.
    #[error("signature rejected: {0}")]
    SignatureRejected(String),
    /// 400 `flow.type.not.simulated`: simulated calls run only the voice flow types.
    #[error("flow type {0} is not simulated")]
    FlowTypeNotSimulated(FlowType),
    /// 404 `not.found`.
    #[error("not found")]
    NotFound,
    /// 405 `method.not.allowed`: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 410 `architect.flow.deleted`.
    #[error("flow deleted")]
    FlowDeleted,
    /// 409: the `version` sent is not the current one.
    #[error("stale version (current {current})")]
    StaleVersion { current: i64 },
    /// 409: a live flow of that type already has the name.
    #[error("duplicate name {name}")]
    DuplicateName { flow_type: FlowType, name: String },
    /// 409 `architect.flow.locked`: the flow is checked out by another OAuth client (named
    /// when known).
    #[error("flow locked")]
    Locked {
        client_id: String,
        client_name: Option<String>,
    },
    /// 409: the module is still called by these flows.
    #[error("module in use")]
    InUse { consumers: Vec<Consumer> },
    /// 413 `request.entity.too.large`.
    #[error("body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415 `unsupported.media.type`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 429 `too.many.requests.retry.after`.
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited {
        retry_after_secs: u64,
        per_minute: u32,
    },
    /// 429 `too.many.requests.retry.after` on `POST /oauth/token`: too many failed
    /// client-credential attempts from this address or for this client.
    #[error("login throttled for {retry_after_secs}s")]
    LoginThrottled {
        retry_after_secs: u64,
        per_minute: u32,
    },
    /// 408 `client.timeout`: the request body did not arrive in time.
    #[error("request body timed out")]
    ClientTimeout,
    /// 503 `service.unavailable` with `Retry-After`: no capacity to check a secret now.
    #[error("overloaded, retry in {retry_after_secs}s")]
    Overloaded { retry_after_secs: u64 },
    /// 503 `service.unavailable` with `Retry-After`: the database cannot be reached now (down,
    /// restarting, busy past its timeout). Nothing was written; the cause is logged, never sent.
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
    /// 507 `insufficient.storage`: the database refused the write for lack of space. Nothing
    /// was written; the cause is logged, never sent.
    #[error("storage full: {0}")]
    InsufficientStorage(String),
    /// 400/401 OAuth errors of `POST /oauth/token`, in the OAuth body shape.
    #[error("oauth error {error}")]
    OAuth {
        status: u16,
        error: &'static str,
        description: String,
    },
    /// 500 `internal.server.error`. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 with a message and no details.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// OAuth `invalid_client` (401), the answer to any credential problem.
    pub fn invalid_client() -> Self {
        ApiError::OAuth {
            status: 401,
            error: "invalid_client",
            description: "authentication failed".into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        crate::metrics::count_store_error(&e);
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Gone => ApiError::FlowDeleted,
            StoreError::Conflict(Conflict::StaleVersion { current, .. }) => {
                ApiError::StaleVersion { current }
            }
            StoreError::Conflict(Conflict::DuplicateName { flow_type, name }) => {
                ApiError::DuplicateName { flow_type, name }
            }
            StoreError::Conflict(Conflict::Locked { client_id }) => ApiError::Locked {
                client_id: client_id.to_string(),
                client_name: None,
            },
            StoreError::InUse { consumers } => ApiError::InUse { consumers },
            StoreError::Invalid { message, details } => ApiError::BadRequest {
                message,
                details: details.into_iter().map(invalid_detail).collect(),
            },
            StoreError::Unavailable(cause) => ApiError::DatabaseUnavailable(cause),
            StoreError::StorageFull(cause) => ApiError::InsufficientStorage(cause),
            StoreError::Backend(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        ApiError::BadRequest {
            message: e.message,
            details: e
                .details
                .into_iter()
                .map(|d| Detail {
                    error_code: Some(d.code),
                    field_name: d.field,
                    entity_id: d.node,
                    entity_name: None,
                    message: Some(d.message),
                })
                .collect(),
        }
    }
}

fn invalid_detail(d: InvalidDetail) -> Detail {
    Detail {
        error_code: Some(d.code),
        field_name: d.field,
        entity_id: d.entity_id,
        entity_name: d.entity_name,
        message: Some(d.message),
    }
}

fn body(status: StatusCode, code: &str, message: String, details: Vec<Detail>) -> ErrorBody {
    ErrorBody {
        message,
        code: code.to_string(),
        status: status.as_u16(),
        context_id: context_id(),
        details,
        ..Default::default()
    }
}

fn permissions_body(scopes: &[String]) -> ErrorBody {
    let list = format!("[{}]", scopes.join(", "));
    let template = "Unable to perform the requested action. You must have at least one of the \
                    following permissions assigned: ";
    let mut b = body(
        StatusCode::FORBIDDEN,
        "missing.any.permissions",
        format!("{template}{list}"),
        Vec::new(),
    );
    b.message_with_params = Some(format!("{template}{{permissions}}"));
    b.message_params = Some(BTreeMap::from([("permissions".to_string(), list)]));
    b
}

impl ApiError {
    /// The status and `ErrorBody` this error answers with (an OAuth error gets the `ErrorBody`
    /// shape): how a bulk answer reports one item's failure exactly as a single request would.
    pub fn status_and_body(self) -> (StatusCode, ErrorBody) {
        let (status, payload, _) = self.parts();
        match payload {
            Ok(b) => (status, b),
            Err(o) => (
                status,
                body(status, &o.error, o.error_description, Vec::new()),
            ),
        }
    }

    /// Status, body (an `ErrorBody`, or the OAuth shape for the token endpoint) and the
    /// `Retry-After` seconds, if any: the one mapping every answer goes through.
    fn parts(self) -> (StatusCode, Result<ErrorBody, OAuthErrorBody>, Option<u64>) {
        let mut retry_after = None;
        let (status, payload) = match self {
            ApiError::BadRequest { message, details } => {
                let s = StatusCode::BAD_REQUEST;
                (s, Ok(body(s, "bad.request", message, details)))
            }
            ApiError::AuthenticationRequired => {
                let s = StatusCode::UNAUTHORIZED;
                let m = "No authentication bearer token specified in authorization header.";
                (s, Ok(body(s, "authentication.required", m.into(), vec![])))
            }
            ApiError::BadCredentials => {
                let s = StatusCode::UNAUTHORIZED;
                let m = "Invalid login credentials.";
                (s, Ok(body(s, "bad.credentials", m.into(), vec![])))
            }
            ApiError::CredentialsExpired => {
                let s = StatusCode::UNAUTHORIZED;
                let m = "The access token has expired; request a new one.";
                (s, Ok(body(s, "credentials.expired", m.into(), vec![])))
            }
            ApiError::MissingPermissions { scopes } => {
                (StatusCode::FORBIDDEN, Ok(permissions_body(&scopes)))
            }
            ApiError::SignatureRejected(why) => {
                let s = StatusCode::FORBIDDEN;
                let m = format!(
                    "The signed URL was refused: {why}. Register a new job for a fresh URL."
                );
                (s, Ok(body(s, "signature.invalid", m, vec![])))
            }
            ApiError::FlowTypeNotSimulated(flow_type) => {
                let s = StatusCode::BAD_REQUEST;
                let m = format!(
                    "{flow_type} flows are stored, exported and dependency-tracked but not \
                     simulated; simulated calls run INBOUNDCALL, INQUEUECALL, OUTBOUNDCALL, \
                     SECURECALL and COMMONMODULE flows."
                );
                (s, Ok(body(s, "flow.type.not.simulated", m, vec![])))
            }
            ApiError::NotFound => {
                let s = StatusCode::NOT_FOUND;
                let m = "The requested resource was not found.";
                let mut b = body(s, "not.found", m.into(), vec![]);
                b.message_params = Some(BTreeMap::new());
                (s, Ok(b))
            }
            ApiError::MethodNotAllowed => {
                let s = StatusCode::METHOD_NOT_ALLOWED;
                let m = "Method Not Allowed";
                (s, Ok(body(s, "method.not.allowed", m.into(), vec![])))
            }
            ApiError::FlowDeleted => {
                let s = StatusCode::GONE;
                let m = "Flow has been deleted.";
                (s, Ok(body(s, "architect.flow.deleted", m.into(), vec![])))
            }
            ApiError::StaleVersion { current } => {
                let s = StatusCode::CONFLICT;
                let mut b = body(s, "general.conflict", VERSION_MISMATCH.into(), vec![]);
                b.message_params = Some(BTreeMap::from([(
                    "currentVersion".into(),
                    current.to_string(),
                )]));
                (s, Ok(b))
            }
            ApiError::DuplicateName { flow_type, name } => {
                let s = StatusCode::CONFLICT;
                let m = format!(
                    "A flow of type {flow_type} named '{name}' already exists (names are unique \
                     per organization and type, ignoring case)."
                );
                let d = Detail {
                    error_code: Some("duplicate.name".into()),
                    field_name: Some("name".into()),
                    entity_name: Some(name),
                    ..Default::default()
                };
                (s, Ok(body(s, "general.resource.conflict", m, vec![d])))
            }
            ApiError::Locked {
                client_id,
                client_name,
            } => {
                let s = StatusCode::CONFLICT;
                let holder = match &client_name {
                    Some(n) => format!("'{n}' ({client_id})"),
                    None => client_id.clone(),
                };
                let m = format!(
                    "The flow is checked out by OAuth client {holder}; only that client can \
                     change it until it checks the flow in, publishes or reverts it (or an \
                     admin unlocks it)."
                );
                let d = Detail {
                    error_code: Some("architect.flow.locked".into()),
                    entity_id: Some(client_id.clone()),
                    entity_name: client_name.clone(),
                    ..Default::default()
                };
                let mut b = body(s, "architect.flow.locked", m, vec![d]);
                let mut params = BTreeMap::from([("clientId".to_string(), client_id)]);
                if let Some(n) = client_name {
                    params.insert("clientName".into(), n);
                }
                b.message_params = Some(params);
                (s, Ok(b))
            }
            ApiError::InUse { consumers } => {
                let s = StatusCode::CONFLICT;
                let m = format!(
                    "The module is still called by {} flow(s): {}. Remove the calls first.",
                    consumers.len(),
                    consumers
                        .iter()
                        .map(|c| format!("'{}' ({})", c.name, c.flow_id))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let details = consumers
                    .into_iter()
                    .map(|c| Detail {
                        error_code: Some("module.in.use".into()),
                        field_name: None,
                        entity_id: Some(c.flow_id.to_string()),
                        entity_name: Some(c.name.clone()),
                        message: Some(format!(
                            "{} flow '{}' version {}.0 calls this module ({})",
                            c.flow_type,
                            c.name,
                            c.version,
                            c.pinned_version
                                .map(|v| format!("pinned to {v}.0"))
                                .unwrap_or_else(|| "floating".into())
                        )),
                    })
                    .collect();
                (s, Ok(body(s, "architect.flow.in.use", m, details)))
            }
            ApiError::PayloadTooLarge { limit } => {
                let s = StatusCode::PAYLOAD_TOO_LARGE;
                let m = format!("The request is over the size limit. Maximum bytes: {limit}");
                (s, Ok(body(s, "request.entity.too.large", m, vec![])))
            }
            ApiError::UnsupportedMediaType => {
                let s = StatusCode::UNSUPPORTED_MEDIA_TYPE;
                let m = "Unsupported Media Type - send the body as application/json.";
                (s, Ok(body(s, "unsupported.media.type", m.into(), vec![])))
            }
            ApiError::RateLimited {
                retry_after_secs,
                per_minute,
            } => {
                let s = StatusCode::TOO_MANY_REQUESTS;
                retry_after = Some(retry_after_secs);
                let m = format!(
                    "Rate limit exceeded the maximum. Retry the request in [{retry_after_secs}] \
                     seconds"
                );
                let mut b = body(s, "too.many.requests.retry.after", m, vec![]);
                b.limit = Some(Limit {
                    key: Some("client.credentials.token.rate.per.minute".into()),
                    namespace: Some("platform.api".into()),
                    value: Some(i64::from(per_minute)),
                });
                (s, Ok(b))
            }
            ApiError::LoginThrottled {
                retry_after_secs,
                per_minute,
            } => {
                let s = StatusCode::TOO_MANY_REQUESTS;
                retry_after = Some(retry_after_secs);
                let m = format!(
                    "Rate limit exceeded the maximum. Retry the request in [{retry_after_secs}] \
                     seconds"
                );
                let mut b = body(s, "too.many.requests.retry.after", m, vec![]);
                b.limit = Some(Limit {
                    key: Some("auth.failures.per.minute".into()),
                    namespace: Some("auth.api".into()),
                    value: Some(i64::from(per_minute)),
                });
                (s, Ok(b))
            }
            ApiError::ClientTimeout => {
                let s = StatusCode::REQUEST_TIMEOUT;
                let m = "The client did not produce a request within the server timeout limit.";
                (s, Ok(body(s, "client.timeout", m.into(), vec![])))
            }
            ApiError::Overloaded { retry_after_secs } => {
                let s = StatusCode::SERVICE_UNAVAILABLE;
                retry_after = Some(retry_after_secs);
                let m = format!(
                    "The server is busy. Retry the request in [{retry_after_secs}] seconds"
                );
                (s, Ok(body(s, "service.unavailable", m, vec![])))
            }
            ApiError::DatabaseUnavailable(_) => {
                let s = StatusCode::SERVICE_UNAVAILABLE;
                retry_after = Some(DATABASE_RETRY_AFTER_SECS);
                let m = format!(
                    "Service Unavailable - the database is not reachable right now; nothing was \
                     changed. Retry the request in [{DATABASE_RETRY_AFTER_SECS}] seconds"
                );
                (s, Ok(body(s, "service.unavailable", m, vec![])))
            }
            ApiError::InsufficientStorage(_) => {
                let s = StatusCode::INSUFFICIENT_STORAGE;
                let m = "Insufficient Storage - the server has no space left to store this \
                         change; nothing was changed.";
                (s, Ok(body(s, "insufficient.storage", m.into(), vec![])))
            }
            ApiError::OAuth {
                status,
                error,
                description,
            } => (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                Err(OAuthErrorBody::new(error, &description)),
            ),
            ApiError::Internal(_) => {
                // The cause travels in an extension to the logging middleware; the client
                // only learns the context id.
                let s = StatusCode::INTERNAL_SERVER_ERROR;
                let m = "The server encountered an unexpected condition which prevented it \
                         from fulfilling the request.";
                (s, Ok(body(s, "internal.server.error", m.into(), vec![])))
            }
        };
        (status, payload, retry_after)
    }
}

/// The cause of a 500, attached to its response for the logging middleware (never serialized).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalCause(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let cause = match &self {
            ApiError::Internal(cause)
            | ApiError::DatabaseUnavailable(cause)
            | ApiError::InsufficientStorage(cause) => Some(InternalCause(cause.clone())),
            _ => None,
        };
        let (status, payload, retry_after) = self.parts();
        let mut resp = match payload {
            Ok(b) => (status, Json(b)).into_response(),
            Err(o) => (status, Json(o)).into_response(),
        };
        if let Some(secs) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if let Some(cause) = cause {
            resp.extensions_mut().insert(cause);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(e: ApiError) -> (StatusCode, String) {
        let resp = e.into_response();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn internal_errors_never_leak_their_cause() {
        let (status, body) = body_of(ApiError::Internal("disk /secret/path exploded".into())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("internal.server.error"));
        assert!(!body.contains("secret"), "{body}");
    }

    #[tokio::test]
    async fn database_faults_answer_genesys_errors_without_their_cause() {
        let resp =
            ApiError::from(StoreError::Unavailable("connection refused /x".into())).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(DATABASE_RETRY_AFTER_SECS.to_string().as_bytes())
        );
        let (status, body) = body_of(ApiError::from(StoreError::Unavailable("/x".into()))).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("\"code\":\"service.unavailable\""), "{body}");
        assert!(!body.contains("/x"), "{body}");
        let (status, body) = body_of(ApiError::from(StoreError::StorageFull("/x".into()))).await;
        assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE);
        assert!(body.contains("\"code\":\"insufficient.storage\""), "{body}");
        assert!(body.contains("\"status\":507"), "{body}");
        assert!(!body.contains("/x"), "{body}");
    }

    #[tokio::test]
    async fn store_errors_map_to_their_statuses() {
        let cases = [
            (StoreError::NotFound, 404),
            (StoreError::Gone, 410),
            (
                StoreError::Conflict(Conflict::StaleVersion {
                    expected: 1,
                    current: 2,
                }),
                409,
            ),
            (StoreError::InUse { consumers: vec![] }, 409),
            (
                StoreError::Invalid {
                    message: "m".into(),
                    details: vec![],
                },
                400,
            ),
            (StoreError::Unavailable("x".into()), 503),
            (StoreError::StorageFull("x".into()), 507),
            (StoreError::Backend("x".into()), 500),
        ];
        for (e, status) in cases {
            let (s, _) = body_of(ApiError::from(e)).await;
            assert_eq!(s.as_u16(), status);
        }
    }
}
