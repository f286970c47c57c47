//! The optimistic-concurrency helper: read a flow, apply a change, write it back with the
//! `version` that was read, and on 409 re-read and re-apply the change to the newest version.

use flowlink_api::{Flow, FlowWrite};
use serde::Deserialize;

use crate::client::Client;
use crate::error::ClientError;
use crate::flows::Collection;

/// What [`Client::update_flow_with`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateOutcome {
    /// The change was written; the flow as the server answered the PUT.
    Updated(Flow),
    /// The change function found nothing to do on the newest version; no PUT was sent.
    Unchanged(Flow),
}

/// An [`UpdateOutcome`] plus how many 409s it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// What happened.
    pub outcome: UpdateOutcome,
    /// Re-reads after a 409 for this update.
    pub conflict_retries: u32,
}

impl Client {
    /// Reads flow `id`, applies `change` and writes the result with the read `version`. On 409
    /// it re-reads and re-applies `change` to the newest version (bounded by
    /// [`crate::RetryPolicy::max_conflict_retries`], with jittered backoff). `change` returns
    /// `None` when the flow already is as wanted; `id` and `version` of the returned body are
    /// filled in by this function.
    pub async fn update_flow_with<F>(&self, id: &str, mut change: F) -> Result<Update, ClientError>
    where
        F: FnMut(&Flow) -> Option<FlowWrite>,
    {
        self.try_update_flow_with(id, None, |f| Ok(change(f))).await
    }

    /// [`Client::update_flow_with`] with a fallible `change`, starting from `snapshot` when the
    /// caller already holds a recent copy of the flow (e.g. from a listing) to save the first GET.
    pub async fn try_update_flow_with<F>(
        &self,
        id: &str,
        snapshot: Option<Flow>,
        change: F,
    ) -> Result<Update, ClientError>
    where
        F: FnMut(&Flow) -> Result<Option<FlowWrite>, ClientError>,
    {
        self.update_answering(id, snapshot, change, Answer::Whole)
            .await
    }

    /// [`Client::try_update_flow_with`], keeping `answer` of the PUT's answer: with
    /// [`Answer::Head`] (a bulk link, which reports only `id`, `name` and `version`)
    /// [`UpdateOutcome::Updated`] holds just those, read without building the flow's logic only
    /// to drop it.
    pub(crate) async fn update_answering<F>(
        &self,
        id: &str,
        snapshot: Option<Flow>,
        mut change: F,
        answer: Answer,
    ) -> Result<Update, ClientError>
    where
        F: FnMut(&Flow) -> Result<Option<FlowWrite>, ClientError>,
    {
        let mut current = match snapshot {
            Some(f) => f,
            None => self.get_flow(id).await?,
        };
        let mut retries = 0u32;
        loop {
            let Some(mut body) = change(&current)? else {
                return Ok(Update {
                    outcome: UpdateOutcome::Unchanged(current),
                    conflict_retries: retries,
                });
            };
            body.id = Some(id.to_string());
            body.version = current.version;
            let put = match answer {
                Answer::Whole => self.put_flow(id, &body).await,
                Answer::Head => self
                    .put_in_as::<FlowHead>(Collection::Flows, id, &body)
                    .await
                    .map(Flow::from),
            };
            match put {
                Ok(flow) => {
                    return Ok(Update {
                        outcome: UpdateOutcome::Updated(flow),
                        conflict_retries: retries,
                    })
                }
                Err(e) if e.is_conflict() && retries < self.policy().max_conflict_retries => {
                    tokio::time::sleep(self.policy().backoff(retries)).await;
                    retries += 1;
                    self.raw_stats().count_conflict_retry();
                    let newest = self.get_flow(id).await?;
                    if newest.version == body.version {
                        // Same version as we sent: the 409 is not a stale write but something
                        // re-applying cannot fix (a lock held by another client).
                        return Err(e);
                    }
                    current = newest;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// How much of a PUT's answer an update keeps.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer {
    Whole,
    Head,
}

/// The fields of a flow a bulk report shows; serde skips the rest without building it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FlowHead {
    id: Option<String>,
    name: Option<String>,
    version: Option<i64>,
}

impl From<FlowHead> for Flow {
    fn from(h: FlowHead) -> Flow {
        Flow {
            id: h.id,
            name: h.name,
            version: h.version,
            ..Flow::default()
        }
    }
}
