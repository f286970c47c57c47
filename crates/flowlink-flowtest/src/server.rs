//! `--server` mode: the same cases through the executions API (`flowlink-client`) on the
//! flows published on a server, a bounded number of calls in flight, results in file and case
//! order. Coverage is counted from the servers' traces over the logic versions they name,
//! read back through the versions API.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use flowlink_api::trace::ExecutionTrace;
use flowlink_api::{FlowExecutionLaunchRequest, Simulation as WireSimulation};
use flowlink_client::{Client, ClientError};
use flowlink_engine::ErrorHandling;
use flowlink_model::archy::parse_archy;
use flowlink_model::{parse_actions, parse_definition, Dialect, FlowLogic};
use futures::stream::{self, StreamExt};
use serde_json::{Map, Value};

use crate::coverage::{CoverageIndex, CoverageReport};
use crate::error::TestError;
use crate::flows::FlowEntry;
use crate::observed::Observed;
use crate::run::{judge, CaseResult, FileResult, Options, Status};
use crate::spec::{Case, TestFile};

/// Why a server run could not start: a test file names a flow the server does not have (a
/// [`TestError`] at its line), or the server could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum ServerRunError {
    #[error(transparent)]
    Test(#[from] TestError),
    #[error("server: {0}")]
    Client(#[from] ClientError),
}

fn request(flow_id: &str, case: &Case) -> Result<FlowExecutionLaunchRequest, String> {
    let mut call: Map<String, Value> = case.call.clone();
    let input = call.remove("inputData");
    let simulation: WireSimulation = serde_json::from_value(Value::Object(call))
        .map_err(|e| format!("the call does not fit the executions API: {e}"))?;
    let input_data = match input {
        Some(Value::Object(m)) => Some(m.into_iter().collect()),
        _ => None,
    };
    Ok(FlowExecutionLaunchRequest {
        flow_id: flow_id.to_string(),
        flow_version: None,
        input_data,
        name: Some(format!("flowlink test: {}", case.name)),
        simulation: Some(simulation),
    })
}

async fn run_case(client: &Client, flow_id: &str, case: &Case, keep: bool) -> CaseResult {
    let error = |message: String| CaseResult {
        name: case.name.clone(),
        line: case.line,
        status: Status::Error { message },
        seconds: 0.0,
        trace: Vec::new(),
        observed: None,
    };
    let req = match request(flow_id, case) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let started = Instant::now();
    let exec = match client.simulate(&req).await {
        Ok(e) => e,
        Err(e) => return error(e.to_string()),
    };
    let seconds = started.elapsed().as_secs_f64();
    let trace = match exec.trace.as_ref().map(ExecutionTrace::from_value) {
        Some(Ok(t)) => t,
        Some(Err(e)) => return error(format!("the execution's trace does not read: {e}")),
        None => return error("the execution has no trace".into()),
    };
    judge(case, Observed::from_trace(trace), seconds, keep, || None)
}

/// The ids of flows that can enter `module_id`, from the server's dependency index.
async fn consumers_of(client: &Client, module_id: &str) -> Result<HashSet<String>, ClientError> {
    let objects = client.dependency_objects("*").await?;
    let calls: HashMap<String, Vec<String>> = objects
        .iter()
        .filter_map(|o| {
            let id = o.id.clone()?;
            let called = o
                .consumed_resources
                .iter()
                .flatten()
                .filter_map(|d| d.id.clone())
                .collect();
            Some((id, called))
        })
        .collect();
    let mut out = HashSet::new();
    for start in calls.keys() {
        let mut stack = vec![start.clone()];
        let mut seen = HashSet::new();
        while let Some(f) = stack.pop() {
            if !seen.insert(f.clone()) {
                continue;
            }
            for c in calls.get(&f).into_iter().flatten() {
                if c == module_id {
                    out.insert(start.clone());
                }
                stack.push(c.clone());
            }
        }
    }
    Ok(out)
}

fn parse_configuration(doc: &Value) -> Option<FlowLogic> {
    if let Some(text) = doc.get("archy").and_then(Value::as_str) {
        parse_archy(text).ok().map(|a| a.logic)
    } else if let Some(d) = doc.get("definition") {
        parse_definition(d).ok()
    } else if let Some(a) = doc.get("actions") {
        parse_actions(a, doc.get("variables")).ok()
    } else {
        Some(FlowLogic::empty(Dialect::Graph))
    }
}

/// Coverage over the flow versions the traces ran, read back from the server.
async fn server_coverage(
    client: &Client,
    results: &[FileResult],
) -> Result<CoverageReport, ClientError> {
    let observed: Vec<&Observed> = results
        .iter()
        .flat_map(|f| &f.cases)
        .filter_map(|c| c.observed.as_ref())
        .collect();
    let versions: BTreeSet<(String, u32)> = observed
        .iter()
        .flat_map(|o| &o.steps)
        .map(|s| (s.flow_id.clone(), s.flow_version))
        .collect();
    let mut entries = Vec::new();
    for (id, version) in versions {
        let flow = client.get_flow(&id).await?;
        let doc = client
            .get_version_configuration(&id, &format!("{version}.0"))
            .await?;
        let Some(logic) = parse_configuration(&doc) else {
            continue;
        };
        entries.push(FlowEntry {
            id: id.clone(),
            name: flow.name.unwrap_or_else(|| id.clone()),
            flow_type: flow
                .flow_type
                .unwrap_or(flowlink_api::FlowType::InboundCall),
            file: format!("{id} v{version}"),
            logic: Arc::new(logic),
            error_handling: ErrorHandling::default(),
            archy_text: doc.get("archy").and_then(Value::as_str).map(Arc::from),
        });
    }
    let index = CoverageIndex::new(&entries);
    let mut tally = index.tally();
    for o in observed {
        tally.record(&index, &o.steps);
    }
    Ok(tally.report(&index, &entries))
}

/// Runs the selected cases of `files` on the server `client` talks to, at most `in_flight`
/// calls at once.
pub async fn run_server(
    client: &Client,
    files: &[TestFile],
    opts: &Options,
    in_flight: usize,
) -> Result<(Vec<FileResult>, Option<CoverageReport>), ServerRunError> {
    let mut flow_ids = Vec::with_capacity(files.len());
    let mut resolved: HashMap<String, String> = HashMap::new();
    for f in files {
        let id = match resolved.get(&f.flow) {
            Some(id) => id.clone(),
            None => {
                let flow = match client.resolve_flow(&f.flow).await {
                    Ok(flow) => flow,
                    // The client's answer for no such name, or an ambiguous one.
                    Err(ClientError::Invalid(message)) => {
                        return Err(TestError::at(&f.file, f.flow_line, message).into())
                    }
                    Err(e) => return Err(e.into()),
                };
                let id = flow.id.unwrap_or_default();
                resolved.insert(f.flow.clone(), id.clone());
                id
            }
        };
        flow_ids.push(id);
    }
    let consumers = match &opts.changed_module {
        Some(m) => {
            let module = match client.resolve_module(m).await {
                Ok(module) => module,
                Err(ClientError::Invalid(message)) => {
                    return Err(TestError::at("--changed-module", 0, message).into())
                }
                Err(e) => return Err(e.into()),
            };
            Some(consumers_of(client, &module.id.unwrap_or_default()).await?)
        }
        None => None,
    };
    let mut jobs = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        if consumers
            .as_ref()
            .is_some_and(|c| !c.contains(&flow_ids[fi]))
        {
            continue;
        }
        for (ci, case) in file.cases.iter().enumerate() {
            if opts.selects(case) {
                jobs.push((fi, ci));
            }
        }
    }
    let keep = opts.keep_observed || opts.coverage;
    let done: Vec<CaseResult> = stream::iter(
        jobs.iter()
            .map(|&(fi, ci)| run_case(client, &flow_ids[fi], &files[fi].cases[ci], keep)),
    )
    .buffered(in_flight.max(1))
    .collect()
    .await;
    let results = crate::run::by_file(
        files,
        done.into_iter().zip(&jobs).map(|(r, &(fi, _))| (fi, r)),
    );
    let coverage = if opts.coverage {
        Some(server_coverage(client, &results).await?)
    } else {
        None
    };
    Ok((results, coverage))
}
