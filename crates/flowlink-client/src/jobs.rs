//! Architect jobs (SPEC §9): importing an Archy YAML file and exporting flows as Archy YAML,
//! the way the Terraform provider does it — register the job, `PUT` the file to the presigned
//! URL with only the returned headers (no token), poll `?expand=messages` until `Success` or
//! `Failure`, read `flow.id`; for exports, poll until `Success` and download the signed
//! `downloadUrl` without a token. Works against flowlink and against Genesys Cloud.

use std::time::Duration;

use reqwest::Method;

use flowlink_api::{
    ArchitectExportJobStateResponse, ArchitectFlowReference, ArchitectJobStateResponse,
    ExportDetails, RegisterArchitectExportJob, RegisterArchitectExportJobResponse,
    RegisterArchitectJobRequest, RegisterArchitectJobResponse,
};

use crate::client::Client;
use crate::error::ClientError;

/// How long an import or export job is polled before giving up (the provider's 16 minutes).
pub const JOB_TIMEOUT: Duration = Duration::from_secs(16 * 60);

/// First pause between polls; doubles up to [`MAX_POLL_INTERVAL`]. flowlink finishes an import
/// before answering the upload, so the first poll usually sees the outcome.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(100);
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// An import that ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub job_id: String,
    /// The flow created or updated.
    pub flow_id: String,
}

fn job_failed(
    kind: &str,
    id: &str,
    messages: Option<&[flowlink_api::ArchitectJobMessage]>,
) -> ClientError {
    let texts: Vec<String> = messages
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.text.clone())
        .collect();
    if texts.is_empty() {
        ClientError::Invalid(format!("{kind} job {id} failed, no messages available"))
    } else {
        ClientError::Invalid(texts.join("; "))
    }
}

impl Client {
    /// `POST /api/v2/flows/jobs` (`createStubs` only when asked: Genesys before SDK v267 knew no
    /// body).
    pub async fn register_import_job(
        &self,
        create_stubs: bool,
    ) -> Result<RegisterArchitectJobResponse, ClientError> {
        let url = self.url("api/v2/flows/jobs")?;
        let body = RegisterArchitectJobRequest {
            create_stubs: create_stubs.then_some(true),
        };
        self.json(Method::POST, url, Some(&body)).await
    }

    /// `PUT` of `bytes` to the job's presigned URL with exactly the returned headers and no
    /// `Authorization`; only 200 counts (the provider's rule).
    pub async fn upload_job_file(
        &self,
        job: &RegisterArchitectJobResponse,
        bytes: &[u8],
    ) -> Result<(), ClientError> {
        let mut req = self.http().put(&job.presigned_url).body(bytes.to_vec());
        for (k, v) in &job.headers {
            req = req.header(k, v);
        }
        self.send_signed(req, &job.presigned_url, true)
            .await
            .map(|_| ())
    }

    /// `GET /api/v2/flows/jobs/{id}?expand=messages`.
    pub async fn get_import_job(&self, id: &str) -> Result<ArchitectJobStateResponse, ClientError> {
        let mut url = self.url("api/v2/flows/jobs/")?;
        url.path_segments_mut()
            .map_err(|()| ClientError::Invalid("base url cannot take a path".into()))?
            .pop_if_empty()
            .push(id);
        url.query_pairs_mut().append_pair("expand", "messages");
        self.json(Method::GET, url, None::<&()>).await
    }

    /// Imports one Archy file (final text: substitute first) and returns the flow it created
    /// or updated; a `Failure` is an error carrying the job's messages.
    pub async fn import_archy(
        &self,
        text: &str,
        create_stubs: bool,
    ) -> Result<Imported, ClientError> {
        let job = self.register_import_job(create_stubs).await?;
        self.upload_job_file(&job, text.as_bytes()).await?;
        let started = tokio::time::Instant::now();
        let mut pause = FIRST_POLL_INTERVAL;
        loop {
            let state = self.get_import_job(&job.id).await?;
            match state.status.as_deref() {
                Some("Success") => {
                    let flow_id = state.flow.and_then(|f| f.id).ok_or_else(|| {
                        ClientError::Invalid(format!(
                            "import job {} succeeded without a flow id",
                            job.id
                        ))
                    })?;
                    return Ok(Imported {
                        job_id: job.id,
                        flow_id,
                    });
                }
                Some("Failure") => {
                    return Err(job_failed("import", &job.id, state.messages.as_deref()))
                }
                _ if started.elapsed() > JOB_TIMEOUT => {
                    return Err(ClientError::Invalid(format!(
                        "import job {} did not finish in {} minutes",
                        job.id,
                        JOB_TIMEOUT.as_secs() / 60
                    )))
                }
                _ => {}
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL_INTERVAL);
        }
    }

    /// `POST /api/v2/flows/export/jobs`.
    pub async fn register_export_job(
        &self,
        flows: &[(String, Option<u32>)],
    ) -> Result<RegisterArchitectExportJobResponse, ClientError> {
        let url = self.url("api/v2/flows/export/jobs")?;
        let body = RegisterArchitectExportJob {
            flows: flows
                .iter()
                .map(|(id, version)| ExportDetails {
                    flow: ArchitectFlowReference {
                        id: Some(id.clone()),
                        version: version.map(|v| serde_json::Value::String(format!("{v}.0"))),
                        ..Default::default()
                    },
                    ..Default::default()
                })
                .collect(),
        };
        self.json(Method::POST, url, Some(&body)).await
    }

    /// `GET /api/v2/flows/export/jobs/{id}?expand=messages`.
    pub async fn get_export_job(
        &self,
        id: &str,
    ) -> Result<ArchitectExportJobStateResponse, ClientError> {
        let mut url = self.url("api/v2/flows/export/jobs/")?;
        url.path_segments_mut()
            .map_err(|()| ClientError::Invalid("base url cannot take a path".into()))?
            .pop_if_empty()
            .push(id);
        url.query_pairs_mut().append_pair("expand", "messages");
        self.json(Method::GET, url, None::<&()>).await
    }

    /// Exports flows (id, version; `None` = published) as Archy YAML: one flow's file, or a
    /// zip of `<name>-<type>-<id>.yaml` files for several.
    pub async fn export_archy(
        &self,
        flows: &[(String, Option<u32>)],
    ) -> Result<Vec<u8>, ClientError> {
        let job = self.register_export_job(flows).await?;
        let started = tokio::time::Instant::now();
        let mut pause = FIRST_POLL_INTERVAL;
        let url = loop {
            let state = self.get_export_job(&job.id).await?;
            match state.status.as_deref() {
                Some("Success") => {
                    break state.download_url.ok_or_else(|| {
                        ClientError::Invalid(format!(
                            "export job {} succeeded without a downloadUrl",
                            job.id
                        ))
                    })?
                }
                Some("Failure") => {
                    return Err(job_failed("export", &job.id, state.messages.as_deref()))
                }
                _ if started.elapsed() > JOB_TIMEOUT => {
                    return Err(ClientError::Invalid(format!(
                        "export job {} did not finish",
                        job.id
                    )))
                }
                _ => {}
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL_INTERVAL);
        };
        // The URL is signed: no token (a bearer header could even be refused by a store).
        self.send_signed(self.http().get(&url), &url, false).await
    }
}
