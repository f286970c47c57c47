//! Launching one simulated call (the work behind `POST /api/v2/flows/executions` and the
//! console's call simulator): the request's simulation read into the engine's, the flow's
//! version chosen, modules bound and prefetched, the engine run (inline when short, on the
//! blocking pool when long) and the execution stored with its trace serialized once. One
//! function, [`launch_call`], shared by both callers.
//!
//! This module sits below the routes: handlers import it, it imports no handler.

use flowlink_api::FlowExecutionLaunchRequest;
use flowlink_engine::{DataActionMock, FinalOutcome, FlowToRun, Simulation};
use flowlink_model::Dialect;
use flowlink_store::ExecutionRecord;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::access::{load_flow, Family};
use crate::auth::scopes::FLOW_READ;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::logic::stored_error_handling;
use crate::render::parse_version_id;
use crate::simulate::{
    bind_at_launch, execution_trace, prefetch, simulated_archy_type, trace_text,
};
use crate::state::AppState;

/// Scopes that allow launching and reading executions.
pub const EXECUTION_SCOPES: &[&str] = &[FLOW_READ];
/// Status of an execution that ran to its end.
pub const COMPLETED: &str = "COMPLETED";
/// Status of an execution whose outcome is `failed`.
pub const FAILED: &str = "FAILED";

/// The engine's view of the request's `simulation` and `inputData`; malformed mocks → 400
/// naming the data action.
pub fn simulation(req: &FlowExecutionLaunchRequest) -> Result<Simulation, ApiError> {
    let wire = req.simulation.clone().unwrap_or_default();
    let mut data_actions = std::collections::HashMap::new();
    for (name, mock) in wire.data_actions.unwrap_or_default() {
        let parsed: DataActionMock = serde_json::from_value(mock).map_err(|e| {
            ApiError::bad_request(format!(
                "simulation.dataActions.{name}: expected {{\"outputs\": {{...}}}} or \
                 {{\"fail\": true}} ({e})"
            ))
        })?;
        data_actions.insert(name, parsed);
    }
    let input_data: Map<String, Value> = req
        .input_data
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut queues = None;
    if let Some(wire_queues) = wire.queues {
        let mut parsed = std::collections::HashMap::new();
        for (name, info) in wire_queues {
            let info: flowlink_engine::QueueInfo = serde_json::from_value(info).map_err(|e| {
                ApiError::bad_request(format!(
                    "simulation.queues.{name}: expected {{\"estimatedWaitSeconds\": N}} ({e})"
                ))
            })?;
            parsed.insert(name, info);
        }
        queues = Some(parsed);
    }
    Ok(Simulation {
        ani: wire.ani.unwrap_or_default(),
        dnis: wire.dnis.unwrap_or_default(),
        digits: wire.digits.unwrap_or_default(),
        data_actions,
        input_data,
        data_tables: wire.data_tables.unwrap_or_default().into_iter().collect(),
        // The simulated clock defaults to the real one (SPEC §9); the engine itself has none.
        now: wire.now.or_else(|| {
            Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }),
        schedules: wire.schedules.unwrap_or_default().into_iter().collect(),
        queues,
        language: wire.language,
        participant_data: wire.participant_data.unwrap_or_default(),
    })
}

/// Runs the call `req` asks for as `who` and stores it: the stored execution record (its
/// `trace` holds every step), after the checks a launch makes (scopes, the flow, its version).
pub async fn launch_call(
    state: &AppState,
    who: &Principal,
    req: &FlowExecutionLaunchRequest,
) -> Result<ExecutionRecord, ApiError> {
    who.require_any(EXECUTION_SCOPES)?;
    if req.flow_id.trim().is_empty() {
        return Err(ApiError::bad_request("flowId is required"));
    }
    let rec = load_flow(state, who, req.flow_id.trim(), Family::Flows, false).await?;
    // Deactivated (published once, then `actions/deactivate`): no version of it runs until it
    // is published again, as in Genesys.
    if !rec.active && rec.published_version.is_some() {
        return Err(ApiError::bad_request(format!(
            "flow '{}' ({}) is deactivated; publish it to run it",
            rec.name, rec.id
        )));
    }
    let number = match req.flow_version.as_deref() {
        Some(v) => parse_version_id(v).ok_or_else(|| {
            ApiError::bad_request(format!(
                "flowVersion must be a version id like \"2.0\" or \"2\", not \"{v}\""
            ))
        })?,
        None => rec.published_version.ok_or_else(|| {
            ApiError::bad_request(format!(
                "flow '{}' ({}) has no published version to run; publish it or name a \
                 flowVersion",
                rec.name, rec.id
            ))
        })?,
    };
    let sim = simulation(req)?;
    let simulator = &state.simulator;
    let logic = simulator
        .flow_logic(state.store.as_ref(), &rec, number)
        .await?;
    if logic.dialect == Dialect::Archy && !simulated_archy_type(rec.flow_type) {
        return Err(ApiError::FlowTypeNotSimulated(rec.flow_type));
    }
    let logic = bind_at_launch(state.store.as_ref(), who.org_id, logic).await?;
    let modules = prefetch(simulator, state.store.as_ref(), who.org_id, &logic).await?;
    let flow = FlowToRun {
        id: rec.id.to_string(),
        name: rec.name.clone(),
        version: number,
        logic,
        error_handling: stored_error_handling(&rec),
    };
    let launched_ms = chrono::Utc::now().timestamp_millis();
    let result = simulator.run(&flow, &sim, modules).await?;
    let completed_ms = chrono::Utc::now().timestamp_millis();
    // The result moves into the trace; the record's columns are read from it.
    let trace = execution_trace(&flow, &sim, result);
    let status = match trace.outcome {
        FinalOutcome::Failed { .. } => FAILED,
        _ => COMPLETED,
    };
    let outcome = serde_json::to_string(&trace.outcome)
        .map_err(|e| ApiError::Internal(format!("outcome does not serialize: {e}")))?;
    let trace_json = trace_text(&trace)?;
    // Time-ordered ids keep "newest first" exact for calls launched in the same millisecond.
    let id = Uuid::now_v7();
    let record = ExecutionRecord {
        id,
        org_id: who.org_id,
        flow_id: rec.id,
        flow_version: number,
        name: Some(req.name.clone().unwrap_or_else(|| rec.name.clone())),
        status: status.to_string(),
        launched_ms,
        completed_ms: Some(completed_ms),
        outcome: Some(outcome),
        action_count: i64::from(trace.action_count),
        trace: trace_json,
        output: Value::Object(trace.output_data),
        client_id: Some(who.client_id),
    };
    state.store.insert_execution(&record).await?;
    Ok(record)
}
