//! Simulated calls: `POST /api/v2/flows/executions` and `GET /api/v2/flows/executions/{id}`.

use reqwest::Method;

use flowlink_api::{FlowExecutionLaunchRequest, FlowExecutionLaunchResponse, FlowRuntimeExecution};

use crate::client::Client;
use crate::error::ClientError;

impl Client {
    /// Launches an execution. flowlink runs a simulated call to completion before answering.
    pub async fn launch_execution(
        &self,
        req: &FlowExecutionLaunchRequest,
    ) -> Result<FlowExecutionLaunchResponse, ClientError> {
        let url = self.url("api/v2/flows/executions")?;
        self.json(Method::POST, url, Some(req)).await
    }

    /// Reads an execution with its trace.
    pub async fn get_execution(&self, id: &str) -> Result<FlowRuntimeExecution, ClientError> {
        let mut url = self.url("api/v2/flows/executions/")?;
        url.path_segments_mut()
            .map_err(|()| ClientError::Invalid("base url cannot take a path".into()))?
            .pop_if_empty()
            .push(id);
        self.json(Method::GET, url, None::<&()>).await
    }

    /// Launches a simulated call and reads back its execution (status, outcome, trace).
    pub async fn simulate(
        &self,
        req: &FlowExecutionLaunchRequest,
    ) -> Result<FlowRuntimeExecution, ClientError> {
        let launched = self.launch_execution(req).await?;
        let id = launched.id.ok_or_else(|| ClientError::Decode {
            url: "api/v2/flows/executions".into(),
            reason: "the launch response has no execution id".into(),
        })?;
        self.get_execution(&id).await
    }
}
