//! `GET /api/v2/docs/openapi.json`: the OpenAPI document (no authentication).
//!
//! The document is built from every route table, this one included, so this handler cannot
//! import it without an import circle: [`crate::router`] hands it the serialized bytes as a
//! request extension ([`ServedDocument`]).

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::error::ApiError;
use crate::vocabulary::Internal;

/// The serialized document this route answers, or why it could not be serialized.
#[derive(Clone)]
pub struct ServedDocument(pub Result<Bytes, String>);

/// `GET /api/v2/docs/openapi.json`: this document (no authentication).
#[utoipa::path(
    get,
    path = "/api/v2/docs/openapi.json",
    operation_id = "getDocsOpenapi",
    tag = "Docs",
    responses(
        (status = 200, description = "The OpenAPI document of every route flowlink serves",
         content_type = "application/json", body = Object),
        Internal
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn openapi_json(Extension(doc): Extension<ServedDocument>) -> Response {
    match doc.0 {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiError::Internal(format!("the OpenAPI document does not serialize: {e}"))
            .into_response(),
    }
}
