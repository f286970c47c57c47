//! Architect jobs as stored (SPEC §9): flow import and export jobs, and the shared secrets
//! that sign their upload and download URLs.
//!
//! Kept in the database so any replica can take the upload of, process, or answer a poll for a
//! job another replica registered. Every status change is a conditional write
//! ([`JobStore::update_job`]: "only if the job is still in status X"), which is what makes an
//! upload URL single-use across replicas.

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;

/// Import (YAML → flow) or export (flows → YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    Import,
    Export,
}

impl JobKind {
    /// Storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Import => "import",
            JobKind::Export => "export",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "import" => Some(JobKind::Import),
            "export" => Some(JobKind::Export),
            _ => None,
        }
    }
}

/// Where a job is: `Registered` → `Started` → `Success` | `Failure` (Genesys spellings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Registered,
    Started,
    Success,
    Failure,
}

impl JobStatus {
    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Registered => "Registered",
            JobStatus::Started => "Started",
            JobStatus::Success => "Success",
            JobStatus::Failure => "Failure",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Registered" => Some(JobStatus::Registered),
            "Started" => Some(JobStatus::Started),
            "Success" => Some(JobStatus::Success),
            "Failure" => Some(JobStatus::Failure),
            _ => None,
        }
    }
}

/// One job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub kind: JobKind,
    pub status: JobStatus,
    /// `Publish`, `Create`, `Update` or `Export`, once known.
    pub command: Option<String>,
    /// What was asked: import `{createStubs}`, export `{flows: [...]}`.
    pub request: Value,
    /// The OAuth client that registered the job (its writes are made on its behalf).
    pub client_id: Option<Uuid>,
    /// Import: the flow created or updated.
    pub flow_id: Option<Uuid>,
    /// `[{dateTime, type, text}]`.
    pub messages: Value,
    pub total_flows: i64,
    /// Export: the file to download.
    pub result: Option<Vec<u8>>,
    /// Export: the download's file name.
    pub result_name: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
}

/// Job persistence; every backend implements it (it is a supertrait of [`crate::Store`]).
#[async_trait]
pub trait JobStore: Send + Sync {
    /// The secret named `name`: the stored one, or `candidate` stored now if there was none.
    /// Every replica on one database gets the same bytes.
    async fn server_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>, StoreError>;
    /// Stores a new job.
    async fn insert_job(&self, job: &JobRecord) -> Result<(), StoreError>;
    /// A job of `org` (another organization's job is `NotFound`).
    async fn get_job(&self, org: Uuid, id: Uuid) -> Result<JobRecord, StoreError>;
    /// A job by id alone: for the signed upload/download URLs, which carry no token (the
    /// signature, checked by the caller, names the job).
    async fn get_job_by_id(&self, id: Uuid) -> Result<JobRecord, StoreError>;
    /// Writes `job`'s mutable fields (status, command, flow, messages, result) only if the
    /// stored job is still in status `expected`; `Ok(false)` when it is not.
    async fn update_job(&self, job: &JobRecord, expected: JobStatus) -> Result<bool, StoreError>;
    /// Deletes jobs last changed before `before_ms` (with their downloads); returns how many.
    async fn purge_jobs(&self, before_ms: i64) -> Result<u64, StoreError>;
}

/// Shared decoding of a job row's text columns.
pub(crate) fn decode_kind_status(
    kind: &str,
    status: &str,
) -> Result<(JobKind, JobStatus), StoreError> {
    let corrupt = |what: &str, v: &str| StoreError::Backend(format!("corrupt job {what}: {v}"));
    Ok((
        JobKind::parse(kind).ok_or_else(|| corrupt("kind", kind))?,
        JobStatus::parse(status).ok_or_else(|| corrupt("status", status))?,
    ))
}

/// Shared decoding of a job's JSON text columns.
pub(crate) fn decode_json(what: &str, text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("corrupt job {what} in database: {e}")))
}
