//! flowlink's bulk link extension from the client side: `POST
//! /api/v2/flows/flowmodules/{id}/actions/link` links (or unlinks) a module into many flows
//! in one request, the server applying the change to each flow's current logic inside its
//! write transaction (no GET/PUT per flow, no 409s). Real Genesys has no such endpoint: the
//! first bulk operation of a [`Client`] finds out (404/405 → never asked again) and the
//! caller falls back to the per-flow GET/PUT path.

use futures::future::BoxFuture;
use futures::{stream, StreamExt};
use reqwest::Method;

use flowlink_api::{BulkLinkRequest, BulkLinkResponse, BulkLinkResult, BulkLinkStatus};

use crate::client::{Client, BULK_NO, BULK_UNKNOWN, BULK_YES};
use crate::error::ClientError;
use crate::flows::seg;
use crate::ops::{FlowResult, FlowStatus, Progress};

/// Flows per bulk request: the progress bar advances this many at a time.
pub const BULK_CHUNK: usize = 250;
/// Bulk requests in flight at once.
const BULK_IN_FLIGHT: usize = 2;

/// What one bulk operation asks of every flow.
pub(crate) struct BulkAsk<'a> {
    pub module_id: &'a str,
    pub unlink: bool,
    pub version: Option<u32>,
    pub call_name: &'a str,
}

impl BulkAsk<'_> {
    fn request(&self, ids: &[String]) -> BulkLinkRequest {
        BulkLinkRequest {
            flow_ids: Some(ids.to_vec()),
            filter: None,
            version: self.version,
            call_name: (!self.unlink).then(|| self.call_name.to_string()),
            unlink: self.unlink.then_some(true),
        }
    }
}

fn flow_result(r: BulkLinkResult) -> FlowResult {
    let status = match r.status {
        BulkLinkStatus::Linked => FlowStatus::Linked,
        BulkLinkStatus::AlreadyLinked => FlowStatus::AlreadyLinked,
        BulkLinkStatus::Unlinked => FlowStatus::Unlinked,
        BulkLinkStatus::NotLinked => FlowStatus::NotLinked,
        BulkLinkStatus::Failed => FlowStatus::Failed(match r.error {
            Some(e) => format!("server answered {} {}: {}", e.status, e.code, e.message),
            None => "failed (the server gave no reason)".into(),
        }),
    };
    FlowResult {
        flow_id: r.flow_id,
        flow_name: r.flow_name,
        status,
        version: r.version,
        conflict_retries: 0,
    }
}

/// Whether an error says the endpoint does not exist (a server without the extension).
fn unsupported(e: &ClientError) -> bool {
    matches!(e.status(), Some(404 | 405))
}

impl Client {
    /// `POST /api/v2/flows/flowmodules/{module_id}/actions/link` — flowlink extension (a
    /// Genesys server answers 404). One result per target flow; repeating it is harmless, so
    /// it is retried after a 5xx or transport error like an idempotent request.
    pub async fn bulk_link(
        &self,
        module_id: &str,
        req: &BulkLinkRequest,
    ) -> Result<BulkLinkResponse, ClientError> {
        let url = self.url(&format!(
            "api/v2/flows/flowmodules/{}/actions/link",
            seg(module_id)
        ))?;
        self.json_as(Method::POST, url, Some(req), true).await
    }

    /// Every flow of a chunk whose request failed as a whole.
    fn chunk_failed(ids: &[String], e: &ClientError) -> Vec<FlowResult> {
        ids.iter()
            .map(|id| FlowResult {
                flow_id: id.clone(),
                flow_name: None,
                status: FlowStatus::Failed(e.to_string()),
                version: None,
                conflict_retries: 0,
            })
            .collect()
    }

    /// One chunk: its results, each reported to `progress`; a request that fails as a whole
    /// fails each of its flows.
    async fn bulk_chunk(
        &self,
        ask: &BulkAsk<'_>,
        ids: &[String],
        progress: &dyn Progress,
    ) -> Result<Vec<FlowResult>, ClientError> {
        let results = self
            .bulk_link(ask.module_id, &ask.request(ids))
            .await?
            .results
            .into_iter()
            .map(flow_result)
            .collect::<Vec<_>>();
        for r in &results {
            progress.done(r);
        }
        Ok(results)
    }

    /// Links (or unlinks) through the extension, [`BULK_CHUNK`] flows per request; results in
    /// `ids` order. `Ok(None)` when the server does not offer the extension (nothing was
    /// changed; use the per-flow path). A refusal of the request itself (400: e.g. a pin the
    /// module does not have) is an error; any other failed request fails its chunk's flows.
    pub(crate) async fn link_via_server(
        &self,
        ask: &BulkAsk<'_>,
        ids: &[String],
        progress: &dyn Progress,
    ) -> Result<Option<Vec<FlowResult>>, ClientError> {
        if self.bulk_link_support() == BULK_NO {
            return Ok(None);
        }
        let mut out: Vec<FlowResult> = Vec::with_capacity(ids.len());
        // `out[held..]` are failures not yet shown to `progress`: until the server has shown it
        // knows the extension, a fallback may still redo (and report) those flows.
        let mut held = 0;
        // Two requests in flight, answers taken in order: the server's work on one (a
        // PostgreSQL transaction on its own connection, or SQLite's fsync of the one before)
        // overlaps the other's. The chunks hold disjoint flows. Nothing changes for a server
        // without the extension, which refuses every chunk alike.
        // Boxed up front: a stream mapping through a closure that borrows `self` makes the
        // future's `Send` proof too hard for the compiler inside a spawned task.
        type Answer<'a> = (&'a [String], Result<Vec<FlowResult>, ClientError>);
        let requests: Vec<BoxFuture<'_, Answer<'_>>> = ids
            .chunks(BULK_CHUNK)
            .map(|chunk| -> BoxFuture<'_, Answer<'_>> {
                Box::pin(async move { (chunk, self.bulk_chunk(ask, chunk, progress).await) })
            })
            .collect();
        let mut answers = stream::iter(requests).buffered(BULK_IN_FLIGHT);
        while let Some((chunk, answer)) = answers.next().await {
            match answer {
                Ok(results) => {
                    self.set_bulk_link_support(BULK_YES);
                    for r in &out[held..] {
                        progress.done(r);
                    }
                    out.extend(results);
                    held = out.len();
                }
                // No chunk has gone through yet, so nothing was changed: the caller redoes
                // every flow its own way.
                Err(e) if unsupported(&e) && self.bulk_link_support() == BULK_UNKNOWN => {
                    self.set_bulk_link_support(BULK_NO);
                    return Ok(None);
                }
                Err(e) if e.status() == Some(400) => return Err(e),
                Err(e) => {
                    out.extend(Self::chunk_failed(chunk, &e));
                    if self.bulk_link_support() == BULK_YES {
                        for r in &out[held..] {
                            progress.done(r);
                        }
                        held = out.len();
                    }
                }
            }
        }
        for r in &out[held..] {
            progress.done(r);
        }
        Ok(Some(out))
    }
}
