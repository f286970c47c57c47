//! Flow import jobs, as Genesys serves them and the Terraform provider drives them (SPEC §9,
//! `reference/flow-jobs-api.md` §3): `POST /api/v2/flows/jobs` registers a job and hands out
//! a signed upload URL; `PUT` of the raw Archy file there (no bearer token) runs the import;
//! `GET /api/v2/flows/jobs/{jobId}?expand=messages` reports it. The work itself is in
//! [`crate::jobs::import`].

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::Json;
use flowlink_api::{
    AddressableEntityRef, ArchitectJobStateResponse, RegisterArchitectJobRequest,
    RegisterArchitectJobResponse,
};
use flowlink_store::{JobKind, JobRecord, JobStatus};
use serde_json::json;
use uuid::Uuid;

use crate::auth::scopes::{FLOW_READ, FLOW_WRITE};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{OptionalJsonBody, Query};
use crate::jobs::import::import;
use crate::jobs::signing::{Purpose, Signer, UPLOAD_TTL_MS};
use crate::jobs::{base_url, check_signature, error_message, upload_path, wire_messages, JobError};
use crate::render::flow_uri;
use crate::state::AppState;
use crate::vocabulary::params::{JobParams, JobPath, SignedUrlParams};

/// Command of an import job: every import publishes (Archy's `publish`).
pub const IMPORT_COMMAND: &str = "Publish";

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `/api/v2/flows/jobs/{id}`.
pub fn job_uri(id: Uuid) -> String {
    format!("/api/v2/flows/jobs/{id}")
}

/// An import job of the caller's organization (other organizations' jobs, export jobs and
/// non-ids are 404).
async fn load(state: &AppState, who: &Principal, id: &str) -> Result<JobRecord, ApiError> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| ApiError::NotFound)?;
    let job = state.store.get_job(who.org_id, id).await?;
    if job.kind != JobKind::Import {
        return Err(ApiError::NotFound);
    }
    Ok(job)
}

/// `POST /api/v2/flows/jobs`.
#[utoipa::path(
    post,
    path = "/api/v2/flows/jobs",
    operation_id = "postFlowsJobs",
    tag = "Architect",
    summary = "Register a flow import job (Archy YAML); upload the file to the presigned URL",
    request_body(content = Option<RegisterArchitectJobRequest>, description = "Optional: `createStubs` creates empty stub modules for module names the file calls that do not exist", content_type = "application/json"),
    responses(
        (status = 200, description = "The job, its signed upload URL and the headers the upload must carry", body = RegisterArchitectJobResponse),
        crate::vocabulary::responses::BadRequest, crate::vocabulary::responses::Forbidden, crate::vocabulary::responses::TooLarge, crate::vocabulary::responses::NotJson, crate::vocabulary::responses::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]))
)]
pub async fn register(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<RegisterArchitectJobRequest>,
) -> Result<Json<RegisterArchitectJobResponse>, ApiError> {
    who.require_any(&[FLOW_WRITE])?;
    let create_stubs = body.and_then(|b| b.create_stubs).unwrap_or(false);
    let now = now_ms();
    let id = Uuid::now_v7();
    state
        .store
        .insert_job(&JobRecord {
            id,
            org_id: who.org_id,
            kind: JobKind::Import,
            status: JobStatus::Registered,
            command: None,
            request: json!({ "createStubs": create_stubs }),
            client_id: Some(who.client_id),
            flow_id: None,
            messages: json!([]),
            total_flows: 1,
            result: None,
            result_name: None,
            created_ms: now,
            modified_ms: now,
        })
        .await?;
    let signer = Signer::load(state.store.as_ref()).await?;
    Ok(Json(RegisterArchitectJobResponse {
        id: id.to_string(),
        presigned_url: signer.url(
            &base_url(&headers),
            &upload_path(id),
            Purpose::Upload,
            id,
            now,
            UPLOAD_TTL_MS,
        ),
        // Nothing is required; always present (the Terraform provider dereferences it).
        headers: BTreeMap::new(),
        self_uri: job_uri(id),
    }))
}

/// `GET /api/v2/flows/jobs/{jobId}`.
#[utoipa::path(
    get,
    path = "/api/v2/flows/jobs/{jobId}",
    operation_id = "getFlowsJob",
    tag = "Architect",
    summary = "An import job's status; the flow on Success, what went wrong on Failure",
    params(JobPath, JobParams),
    responses(
        (status = 200, description = "The job", body = ArchitectJobStateResponse),
        crate::vocabulary::responses::Forbidden, crate::vocabulary::responses::NotFound, crate::vocabulary::responses::Authenticated
    ),
    security(("PureCloud OAuth" = ["flow:flow:write"]), ("PureCloud OAuth" = ["flow:flow:read"]))
)]
pub async fn get_job(
    State(state): State<AppState>,
    who: Principal,
    Path(JobPath { job_id: id }): Path<JobPath>,
    Query(q): Query<JobParams>,
) -> Result<Json<ArchitectJobStateResponse>, ApiError> {
    who.require_any(&[FLOW_WRITE, FLOW_READ])?;
    let job = load(&state, &who, &id).await?;
    let messages = (q.wants_messages() || job.status == JobStatus::Failure)
        .then(|| wire_messages(&job.messages));
    Ok(Json(ArchitectJobStateResponse {
        id: Some(job.id.to_string()),
        flow: job.flow_id.map(|f| AddressableEntityRef {
            id: Some(f.to_string()),
            self_uri: Some(flow_uri(f)),
        }),
        status: Some(job.status.as_str().to_string()),
        command: job.command.clone(),
        messages,
        self_uri: Some(job_uri(job.id)),
    }))
}

/// `PUT /uploads/flowjobs/{jobId}` (the presigned URL).
#[utoipa::path(
    put,
    path = "/uploads/flowjobs/{jobId}",
    operation_id = "putUploadsFlowjob",
    tag = "Architect",
    summary = "flowlink's presigned upload URL of an import job: PUT the raw Archy file",
    description = "flowlink extension (Genesys hands out an S3 URL here). Authorised by the URL's \
                   own short-lived, single-use signature, not a bearer token. Runs the import \
                   before answering: poll the job for the outcome.",
    params(JobPath, SignedUrlParams),
    request_body(content = String, description = "The Archy YAML file, final text (placeholders already substituted)", content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "Uploaded; the job has run (see its status)"),
        (status = 403, description = "`signature.invalid`: wrong, expired or already used URL", body = flowlink_api::ErrorBody),
        crate::vocabulary::responses::TooLarge, crate::vocabulary::responses::Internal
    ),
    extensions(("x-flowlink-extension" = json!(true)))
)]
pub async fn upload(
    State(state): State<AppState>,
    Path(JobPath { job_id: job }): Path<JobPath>,
    Query(q): Query<SignedUrlParams>,
    req: Request<Body>,
) -> Result<(), ApiError> {
    let id = check_signature(&state, &q, Purpose::Upload, &job).await?;
    let limit = state.config.max_body_bytes;
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge { limit })?;
    let used = || ApiError::SignatureRejected("this upload URL was already used".into());
    let mut job = match state.store.get_job_by_id(id).await {
        Ok(j) if j.kind == JobKind::Import => j,
        Ok(_) | Err(flowlink_store::StoreError::NotFound) => return Err(used()),
        Err(e) => return Err(e.into()),
    };
    // Single use, on every replica: only the first upload moves the job out of Registered.
    job.status = JobStatus::Started;
    job.modified_ms = now_ms();
    if !state.store.update_job(&job, JobStatus::Registered).await? {
        return Err(used());
    }
    // On its own task: a client that hangs up mid-import does not leave the job `Started`.
    tokio::spawn(run_import(state, job, body))
        .await
        .map_err(|e| ApiError::Internal(format!("import task failed: {e}")))?
}

/// Runs a started import job and records its outcome.
async fn run_import(
    state: AppState,
    mut job: JobRecord,
    body: axum::body::Bytes,
) -> Result<(), ApiError> {
    let create_stubs = job.request["createStubs"].as_bool().unwrap_or(false);
    let outcome = import(
        state.store.as_ref(),
        job.org_id,
        job.client_id,
        create_stubs,
        &body,
    )
    .await;
    job.command = Some(IMPORT_COMMAND.into());
    job.modified_ms = now_ms();
    match outcome {
        Ok(imported) => {
            job.status = JobStatus::Success;
            job.flow_id = Some(imported.flow_id);
        }
        Err(e) => {
            let text = match e {
                JobError::Failed(text) => text,
                JobError::Internal(cause) => {
                    tracing::error!(job = %job.id, error = %cause, "import job failed");
                    "the import failed on the server; see the server log".to_string()
                }
            };
            job.status = JobStatus::Failure;
            job.messages = json!([error_message(job.modified_ms, &text)]);
        }
    }
    state.store.update_job(&job, JobStatus::Started).await?;
    Ok(())
}
