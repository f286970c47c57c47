//! Error-response markers for `responses(...)`: each is one status answered with a Genesys
//! `ErrorBody`, described once here for every operation that can answer it.

use std::collections::BTreeMap;

use flowlink_api::ErrorBody;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{IntoResponses, ToSchema};

fn error_response(
    status: u16,
    description: &str,
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name(ErrorBody::name()))),
        )
        .build();
    BTreeMap::from([(status.to_string(), RefOr::T(response))])
}

/// One error status answered with an `ErrorBody`, usable in `responses(...)`.
macro_rules! error_status {
    ($(#[$doc:meta])* $name:ident, $status:literal, $description:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
                error_response($status, $description)
            }
        }
    };
}

error_status!(
    /// 400 `bad.request`.
    BadRequest,
    400,
    "`bad.request`: a malformed or invalid body, query parameter or flow logic; `details` \
     name the fields or nodes"
);
error_status!(
    /// 403 `missing.any.permissions`.
    Forbidden,
    403,
    "`missing.any.permissions`: the token holds none of the scopes that would allow this"
);
error_status!(
    /// 404 `not.found`.
    NotFound,
    404,
    "`not.found`: no such object in the caller's organization"
);
error_status!(
    /// 409: stale `version`, duplicate name, lock held by another client, module in use.
    Conflict,
    409,
    "`general.conflict` (stale `version`), `general.resource.conflict` (duplicate name), \
     `architect.flow.locked` (checked out by another client) or `architect.flow.in.use` \
     (a module still called)"
);
error_status!(
    /// 410 `architect.flow.deleted`.
    Gone,
    410,
    "`architect.flow.deleted`: the flow was deleted"
);
error_status!(
    /// 413 `request.entity.too.large`.
    TooLarge,
    413,
    "`request.entity.too.large`: the body is over the server's limit"
);
error_status!(
    /// 415 `unsupported.media.type`.
    NotJson,
    415,
    "`unsupported.media.type`: a body that is not `application/json`"
);
error_status!(
    /// 429 of `POST /oauth/token`: too many failed client-credential attempts.
    LoginThrottled,
    429,
    "`too.many.requests.retry.after`: too many failed client-credential attempts from this \
     address or for this client; see `Retry-After`"
);
error_status!(
    /// 503 `service.unavailable`: no capacity now; see `Retry-After`.
    Busy,
    503,
    "`service.unavailable`: the server is busy; retry after `Retry-After` seconds"
);
error_status!(
    /// 500 `internal.server.error`.
    Internal,
    500,
    "`internal.server.error`: an unexpected failure (the cause is logged under the \
     `contextId`)"
);

/// The statuses every authenticated operation can answer: 401, 429, 500.
pub struct Authenticated;

impl IntoResponses for Authenticated {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let mut all = error_response(
            401,
            "`authentication.required` (no bearer token), `bad.credentials` (unknown token) \
             or `credentials.expired`",
        );
        all.extend(error_response(
            429,
            "`too.many.requests.retry.after`: the token's per-minute budget is spent; see \
             `Retry-After`",
        ));
        all.extend(Internal::responses());
        all
    }
}
