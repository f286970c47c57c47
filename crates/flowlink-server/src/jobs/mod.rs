//! Architect jobs (SPEC §9, `reference/flow-jobs-api.md`): what an import or export job does,
//! below the routes that register and poll them (`routes/flow_jobs.rs`,
//! `routes/export_jobs.rs`).
//!
//! Job state lives in the store ([`flowlink_store::JobStore`]), never in a replica's memory: a
//! job registered on one replica can be uploaded to and polled on any other. The signed
//! upload/download URLs ([`signing`]) are checked with a secret kept in the database too. An
//! import runs while its upload request is answered (`Registered` → `Started` → `Success` |
//! `Failure` are all written before the 200), so the Terraform provider's first poll already
//! sees the outcome; an export runs while its registration is answered.

pub mod export;
pub mod import;
pub mod signing;
pub mod zip;

use axum::http::HeaderMap;
use flowlink_api::ArchitectJobMessage;
use flowlink_store::StoreError;
use serde_json::{json, Value};
use uuid::Uuid;

pub use crate::archy_names::find_by_name;
use crate::error::ApiError;
use crate::render::iso;
use crate::state::AppState;
use crate::vocabulary::params::SignedUrlParams;
use signing::{Purpose, Signer};

/// How long a job (and an export's download) is kept after its last change: a day, far past
/// every poll and signed URL.
pub const KEEP_JOBS_MS: i64 = 24 * 60 * 60 * 1000;

/// Path of an import job's upload (signed; no bearer token).
pub fn upload_path(job: Uuid) -> String {
    format!("/uploads/flowjobs/{job}")
}

/// Path of an export job's download (signed; no bearer token).
pub fn download_path(job: Uuid) -> String {
    format!("/downloads/flowexports/{job}")
}

/// `scheme://host` the caller reached this server at, for absolute signed URLs (the Terraform
/// provider's HTTP client needs an absolute URL). Honours `X-Forwarded-Proto`/`-Host` set by
/// a reverse proxy.
pub fn base_url(headers: &HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or(v).trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let scheme = get("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or_else(|| "127.0.0.1".into());
    format!("{scheme}://{host}")
}

/// One `Error` message as stored: `{dateTime, type, text}`.
pub fn error_message(now_ms: i64, text: &str) -> Value {
    json!({"dateTime": iso(now_ms), "type": "Error", "text": text})
}

/// Stored messages as wire messages.
pub fn wire_messages(stored: &Value) -> Vec<ArchitectJobMessage> {
    serde_json::from_value(stored.clone()).unwrap_or_default()
}

/// Why a job failed.
#[derive(Debug, Clone, PartialEq)]
pub enum JobError {
    /// The file, a flow or a write was refused: the job's `Failure` message (names line:column and
    /// the action where it applies).
    Failed(String),
    /// Something broke on our side (logged; the job fails with a generic message).
    Internal(ApiError),
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Backend(cause) => JobError::Internal(ApiError::Internal(cause)),
            StoreError::Unavailable(cause) => {
                JobError::Internal(ApiError::DatabaseUnavailable(cause))
            }
            StoreError::StorageFull(cause) => {
                JobError::Internal(ApiError::InsufficientStorage(cause))
            }
            other => {
                let (_, body) = ApiError::from(other).status_and_body();
                JobError::Failed(body.message)
            }
        }
    }
}

/// Checks a signed URL's `expires` and `signature` for `purpose` and `job`; the job's id.
pub async fn check_signature(
    state: &AppState,
    q: &SignedUrlParams,
    purpose: Purpose,
    job: &str,
) -> Result<Uuid, ApiError> {
    let refused = |why: &str| ApiError::SignatureRejected(why.to_string());
    let id = Uuid::parse_str(job.trim()).map_err(|_| refused("no such job"))?;
    let expires: i64 = q
        .expires
        .as_deref()
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| refused("the expiry is missing or malformed"))?;
    let signature = q.signature.as_deref().unwrap_or_default();
    let signer = Signer::load(state.store.as_ref()).await?;
    signer
        .verify(
            purpose,
            id,
            expires,
            signature,
            chrono::Utc::now().timestamp_millis(),
        )
        .map_err(|e| refused(&e.to_string()))?;
    Ok(id)
}
