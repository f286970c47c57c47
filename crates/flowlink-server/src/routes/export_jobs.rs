//! Flow export jobs (SPEC §9, `reference/flow-jobs-api.md` §4): `POST
//! /api/v2/flows/export/jobs` exports the flows asked (the work is in
//! [`crate::jobs::export`]), `GET /api/v2/flows/export/jobs/{jobId}` answers `Started` until
//! the job is done, then `Success` with a signed `downloadUrl` (a fresh one on each poll) that
//! `GET /downloads/flowexports/{jobId}` serves without a bearer token.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use flowlink_api::{
    ArchitectExportJobStateResponse, RegisterArchitectExportJob, RegisterArchitectExportJobResponse,
};
use flowlink_store::{JobKind, JobRecord, JobStatus, StoreError};
use serde_json::json;
use uuid::Uuid;

use crate::auth::scopes::FLOW_READ;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{JsonBody, Query};
use crate::jobs::export::{content_type, export};
use crate::jobs::signing::{Purpose, Signer, DOWNLOAD_TTL_MS};
use crate::jobs::{
    base_url, check_signature, download_path, error_message, wire_messages, JobError,
};
use crate::state::AppState;
use crate::vocabulary::params::{JobParams, JobPath, SignedUrlParams};

/// Command of an export job.
pub const EXPORT_COMMAND: &str = "Export";

/// Flows one export job may name.
pub const MAX_EXPORT_FLOWS: usize = 100;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `/api/v2/flows/export/jobs/{id}`.
fn job_uri(id: Uuid) -> String {
    format!("/api/v2/flows/export/jobs/{id}")
}

/// `POST /api/v2/flows/export/jobs`.
#[utoipa::path(
    post,
    path = "/api/v2/flows/export/jobs",
    operation_id = "postFlowsExportJobs",
    tag = "Architect",
    summary = "Register a flow export job (Archy YAML)",
    request_body(content = RegisterArchitectExportJob, description = "The flows to export: each by `id` (or `name` + `type`), optionally `version` (default: the published one) and `fileName`", content_type = "application/json"),
    responses(
        (status = 200, description = "The job", body = RegisterArchitectExportJobResponse),
        crate::vocabulary::responses::BadRequest, crate::vocabulary::responses::Forbidden, crate::vocabulary::responses::TooLarge, crate::vocabulary::responses::NotJson, crate::vocabulary::responses::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn register(
    State(state): State<AppState>,
    who: Principal,
    JsonBody(body): JsonBody<RegisterArchitectExportJob>,
) -> Result<Json<RegisterArchitectExportJobResponse>, ApiError> {
    who.require_any(&[FLOW_READ])?;
    if body.flows.is_empty() || body.flows.len() > MAX_EXPORT_FLOWS {
        return Err(ApiError::bad_request(format!(
            "flows must name 1 to {MAX_EXPORT_FLOWS} flows (got {})",
            body.flows.len()
        )));
    }
    if let Some(t) = body
        .flows
        .iter()
        .filter_map(|f| f.export_type.as_deref())
        .find(|t| !t.eq_ignore_ascii_case("yaml"))
    {
        return Err(ApiError::bad_request(format!(
            "exportType '{t}' is not supported; flowlink exports Yaml"
        )));
    }
    let now = now_ms();
    let id = Uuid::now_v7();
    let job = JobRecord {
        id,
        org_id: who.org_id,
        kind: JobKind::Export,
        status: JobStatus::Started,
        command: Some(EXPORT_COMMAND.into()),
        request: serde_json::to_value(&body)
            .map_err(|e| ApiError::Internal(format!("export request: {e}")))?,
        client_id: Some(who.client_id),
        flow_id: None,
        messages: json!([]),
        total_flows: body.flows.len() as i64,
        result: None,
        result_name: None,
        created_ms: now,
        modified_ms: now,
    };
    state.store.insert_job(&job).await?;
    // On its own task: a client that hangs up does not leave the job `Started`.
    let flows = body.flows;
    let job = tokio::spawn(run_export(state, job, flows))
        .await
        .map_err(|e| ApiError::Internal(format!("export task failed: {e}")))??;
    Ok(Json(RegisterArchitectExportJobResponse {
        id: id.to_string(),
        status: job.status.as_str().to_string(),
        total_flows: job.total_flows,
        self_uri: job_uri(id),
    }))
}

/// Runs a started export job and records its outcome.
async fn run_export(
    state: AppState,
    mut job: JobRecord,
    flows: Vec<flowlink_api::ExportDetails>,
) -> Result<JobRecord, ApiError> {
    let outcome = export(state.store.as_ref(), job.org_id, job.id, &flows).await;
    job.modified_ms = now_ms();
    match outcome {
        Ok(download) => {
            job.status = JobStatus::Success;
            job.result = Some(download.bytes);
            job.result_name = Some(download.file_name);
        }
        Err(e) => {
            let text = match e {
                JobError::Failed(text) => text,
                JobError::Internal(cause) => {
                    tracing::error!(job = %job.id, error = %cause, "export job failed");
                    "the export failed on the server; see the server log".to_string()
                }
            };
            job.status = JobStatus::Failure;
            job.messages = json!([error_message(job.modified_ms, &text)]);
        }
    }
    state.store.update_job(&job, JobStatus::Started).await?;
    Ok(job)
}

/// `GET /api/v2/flows/export/jobs/{jobId}`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/export/jobs/{jobId}",
    operation_id = "getFlowsExportJob",
    tag = "Architect",
    summary = "An export job's status; a signed downloadUrl on Success",
    params(JobPath, JobParams),
    responses(
        (status = 200, description = "The job", body = ArchitectExportJobStateResponse),
        crate::vocabulary::responses::Forbidden, crate::vocabulary::responses::NotFound, crate::vocabulary::responses::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn get_job(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    Path(JobPath { job_id: id }): Path<JobPath>,
    Query(q): Query<JobParams>,
) -> Result<Json<ArchitectExportJobStateResponse>, ApiError> {
    who.require_any(&[FLOW_READ])?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| ApiError::NotFound)?;
    let job = state.store.get_job(who.org_id, id).await?;
    if job.kind != JobKind::Export {
        return Err(ApiError::NotFound);
    }
    let download_url = if job.status == JobStatus::Success {
        let signer = Signer::load(state.store.as_ref()).await?;
        Some(signer.url(
            &base_url(&headers),
            &download_path(id),
            Purpose::Download,
            id,
            now_ms(),
            DOWNLOAD_TTL_MS,
        ))
    } else {
        None
    };
    // Never `Registered`: the Terraform provider treats it as an error.
    let status = match job.status {
        JobStatus::Registered => JobStatus::Started,
        s => s,
    };
    Ok(Json(ArchitectExportJobStateResponse {
        id: Some(id.to_string()),
        status: Some(status.as_str().to_string()),
        command: job.command.clone(),
        download_url,
        messages: (q.wants_messages() || job.status == JobStatus::Failure)
            .then(|| wire_messages(&job.messages)),
        self_uri: Some(job_uri(id)),
    }))
}

/// `GET /downloads/flowexports/{jobId}` (the signed download URL).
#[utoipa::path(
    get,
    path = "/downloads/flowexports/{jobId}",
    operation_id = "getDownloadsFlowexport",
    tag = "Architect",
    summary = "flowlink's signed download URL of an export job: the YAML file, or a zip",
    description = "flowlink extension (Genesys hands out a storage URL here). Authorised by the \
                   URL's own short-lived signature, not a bearer token.",
    params(JobPath, SignedUrlParams),
    responses(
        (status = 200, description = "One flow's Archy YAML, or a zip of `<name>-<TYPE>-<id>.yaml` files", content_type = "application/octet-stream", body = String),
        (status = 403, description = "`signature.invalid`: wrong or expired URL", body = flowlink_api::ErrorBody),
        crate::vocabulary::responses::Internal
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn download(
    State(state): State<AppState>,
    Path(JobPath { job_id: job }): Path<JobPath>,
    Query(q): Query<SignedUrlParams>,
) -> Result<Response, ApiError> {
    let id = check_signature(&state, &q, Purpose::Download, &job).await?;
    let job = match state.store.get_job_by_id(id).await {
        Ok(j) => j,
        Err(StoreError::NotFound) => return Err(ApiError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let (Some(bytes), Some(name)) = (job.result, job.result_name) else {
        return Err(ApiError::NotFound);
    };
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&name)),
    );
    // File names are sanitized to letters, digits, `-`, `_` and `.`; anything else would
    // not make a valid header and is left out.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
