//! The call simulator page: pick a flow, give the caller's ANI, DNIS, digits and the data
//! actions' answers, run the call through the same launch as `POST /api/v2/flows/executions`
//! ([`launch_call`]: same checks, same engine, the execution stored), and see the transcript
//! beside the pictures of the flow and of every module version the call entered. Each step
//! names its flow, version and node; the page's script steps forwards and backwards and
//! highlights the step's node in the picture it belongs to.

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use flowlink_api::trace::{Event, ExecutionTrace, FinalOutcome, TraceStep};
use flowlink_api::{FlowExecutionLaunchRequest, FlowType, Simulation};
use flowlink_store::{FlowQuery, FlowSort, PageRequest};
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ConsoleError;
use super::session::Session;
use super::templates::render;
use super::view;
use crate::access::{load_flow, Family};
use crate::error::ApiError;
use crate::launch::{launch_call, EXECUTION_SCOPES};
use crate::state::AppState;

/// Flows the picker offers (by name).
const PICKER: u32 = 500;

/// The form's fields (also its query string, to preselect a flow).
#[derive(Deserialize, Default, Clone)]
pub struct SimForm {
    #[serde(default)]
    flow: String,
    #[serde(default)]
    ani: String,
    #[serde(default)]
    dnis: String,
    #[serde(default)]
    digits: String,
    #[serde(default)]
    data_actions: String,
    #[serde(default)]
    csrf: String,
}

async fn picker(state: &AppState, s: &Session, chosen: &str) -> Result<Vec<Value>, ConsoleError> {
    let page = state
        .store
        .list_flows(
            s.who.org_id,
            &FlowQuery {
                sort: FlowSort::Name,
                page: PageRequest {
                    number: 1,
                    size: PICKER,
                },
                ..Default::default()
            },
        )
        .await?;
    let mut items = page.items;
    // The flow asked for (`?flow=ID`, from its page) is offered even past the picker's first
    // page, or the form would run another one.
    if !chosen.is_empty() && !items.iter().any(|f| f.id.to_string() == chosen) {
        if let Ok(rec) = load_flow(state, &s.who, chosen, Family::Flows, false).await {
            items.insert(0, rec);
        }
    }
    Ok(items
        .iter()
        .filter(|f| f.flow_type != FlowType::CommonModule)
        .map(|f| {
            let id = f.id.to_string();
            json!({"id": id, "name": f.name, "selected": id == chosen, "published": f.published_version.is_some()})
        })
        .collect())
}

async fn page(
    state: &AppState,
    s: &Session,
    f: &SimForm,
    extra: Value,
) -> Result<Response, ConsoleError> {
    let flows = picker(state, s, f.flow.trim()).await?;
    let mut ctx = json!({
        "title": "Call simulator", "nav": "simulate", "flows": flows,
        "form": {"flow": f.flow, "ani": f.ani, "dnis": f.dnis, "digits": f.digits,
                 "data_actions": f.data_actions},
    });
    if let (Value::Object(c), Value::Object(e)) = (&mut ctx, extra) {
        c.extend(e);
    }
    let ctx = view::page(state, s, ctx).await;
    Ok(Html(render("simulate.html", &ctx)?).into_response())
}

/// `GET /console/simulate[?flow=ID]`: the form.
pub async fn form(
    State(state): State<AppState>,
    s: Session,
    Query(f): Query<SimForm>,
) -> Result<Response, ConsoleError> {
    s.who.require_any(EXECUTION_SCOPES)?;
    let f = SimForm {
        ani: if f.ani.is_empty() {
            "+15550100".into()
        } else {
            f.ani
        },
        dnis: if f.dnis.is_empty() {
            "+18005550199".into()
        } else {
            f.dnis
        },
        ..f
    };
    page(&state, &s, &f, json!({})).await
}

/// The launch request the form describes.
fn request(f: &SimForm) -> Result<FlowExecutionLaunchRequest, ApiError> {
    let digits: Vec<String> = f
        .digits
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let data_actions = match f.data_actions.trim() {
        "" => None,
        text => Some(
            serde_json::from_str::<BTreeMap<String, Value>>(text).map_err(|e| {
                ApiError::bad_request(format!(
                    "data action answers must be a JSON object like {{\"Lookup\": \
                     {{\"outputs\": {{\"tier\": \"gold\"}}}}}} ({e})"
                ))
            })?,
        ),
    };
    Ok(FlowExecutionLaunchRequest {
        flow_id: f.flow.trim().to_string(),
        simulation: Some(Simulation {
            ani: Some(f.ani.trim().to_string()),
            dnis: Some(f.dnis.trim().to_string()),
            digits: Some(digits),
            data_actions,
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// What one step did, in a sentence.
fn describe(step: &TraceStep) -> (String, &'static str) {
    let text = |p: &flowlink_api::trace::PromptPlayed| {
        p.text
            .clone()
            .or_else(|| p.prompt_id.clone())
            .unwrap_or_default()
    };
    match &step.event {
        Event::SetData { data } => (
            format!(
                "set {}",
                data.iter()
                    .map(|d| format!("{} = {}", d.key, d.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "data",
        ),
        Event::TagsAdded { tags } => (format!("tagged {}", tags.join(", ")), "tag"),
        Event::PromptPlayed { prompt } => {
            (format!("plays \u{201c}{}\u{201d}", text(prompt)), "prompt")
        }
        Event::InputCollected { prompt, digits } => (
            format!(
                "{}caller pressed {}",
                prompt
                    .as_ref()
                    .map(|p| format!("asks \u{201c}{}\u{201d}; ", text(p)))
                    .unwrap_or_default(),
                digits.as_deref().unwrap_or("nothing (timeout)")
            ),
            "prompt",
        ),
        Event::DataAction { name, outputs, .. } => (
            format!(
                "data action {name} answered {}",
                Value::Object(outputs.clone())
            ),
            "data",
        ),
        Event::Decision { expression, value } => (format!("{expression} is {value}"), "decision"),
        Event::ModuleEnter {
            module_name,
            version,
            ..
        } => (format!("enters module {module_name} v{version}"), "module"),
        Event::ModuleExit { version, .. } => (format!("leaves the module (v{version})"), "module"),
        Event::ModuleCallFailed { reason, .. } => {
            (format!("module call failed: {reason}"), "error")
        }
        Event::Transfer { queue } => (format!("transfers to queue {queue}"), "outcome"),
        Event::Disconnect => ("disconnects".into(), "outcome"),
        Event::Error { reason, .. } => (format!("error: {reason}"), "error"),
        Event::Archy { action, detail } => (
            if detail.is_empty() {
                action.clone()
            } else {
                format!("{action} {}", Value::Object(detail.clone()))
            },
            "data",
        ),
        Event::ActionLimit { limit, .. } => (format!("action limit {limit} reached"), "error"),
    }
}

/// `POST /console/simulate`: runs the call and shows it.
pub async fn run(
    State(state): State<AppState>,
    s: Session,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    let f: SimForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| ConsoleError::Api(ApiError::bad_request("the form is not url-encoded")))?;
    s.check_csrf(&f.csrf)?;
    let req = match request(&f) {
        Ok(r) => r,
        Err(e) => return refused(&state, &s, &f, e).await,
    };
    let record = match launch_call(&state, &s.who, &req).await {
        Ok(r) => r,
        Err(e) => return refused(&state, &s, &f, e).await,
    };
    let trace = serde_json::from_str::<ExecutionTrace>(record.trace.as_str())
        .map_err(|e| ApiError::Internal(format!("stored trace does not read back: {e}")))?;
    // One picture per (flow or module, version) the call passed through, the top flow first.
    let mut shown: Vec<(String, u32)> = vec![(record.flow_id.to_string(), record.flow_version)];
    for st in &trace.steps {
        let key = (st.flow_id.clone(), st.flow_version);
        if !shown.contains(&key) {
            shown.push(key);
        }
    }
    let modules = view::modules(&state, s.who.org_id).await?;
    let names = view::names(&modules);
    let mut pictures = Vec::new();
    let mut titles: HashMap<String, String> = HashMap::new();
    for (fid, v) in &shown {
        let Ok(rec) = load_flow(&state, &s.who, fid, Family::Flows, true).await else {
            continue;
        };
        let svg = view::picture(&state, &rec, *v, &names).await;
        titles.insert(fid.clone(), rec.name.clone());
        pictures.push(json!({"flow": fid, "version": v, "name": rec.name,
                             "module": rec.flow_type.is_module(),
                             "svg": svg.as_ref().ok(), "none": svg.as_ref().err()}));
    }
    let steps: Vec<_> = trace
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let (what, kind) = describe(st);
            json!({"i": i, "flow": st.flow_id, "version": st.flow_version, "node": st.node_id,
                   "depth": st.depth, "name": st.node_name, "what": what, "kind": kind,
                   "edge": st.edge,
                   "where": titles.get(&st.flow_id).cloned().unwrap_or_else(|| st.flow_id.clone())})
        })
        .collect();
    let outcome = match &trace.outcome {
        FinalOutcome::Disconnected => "disconnected".to_string(),
        FinalOutcome::Transferred { queue } => format!("transferred to {queue}"),
        FinalOutcome::Failed { reason } => format!("failed: {reason}"),
    };
    page(
        &state,
        &s,
        &f,
        json!({
            "ran": {
                "id": record.id.to_string(),
                "flow": trace.flow.name, "version": trace.flow.version,
                "outcome": outcome,
                "failed": matches!(trace.outcome, FinalOutcome::Failed { .. }),
                "actions": trace.action_count,
                "tags": trace.tags,
                "data": Value::Object(trace.participant_data.clone()).to_string(),
                "omitted": trace.steps_omitted,
            },
            "steps": steps,
            "pictures": pictures,
        }),
    )
    .await
}

/// The form again with the refusal the API would have answered.
async fn refused(
    state: &AppState,
    s: &Session,
    f: &SimForm,
    e: ApiError,
) -> Result<Response, ConsoleError> {
    let e = ConsoleError::from(e);
    let ConsoleError::Api(e) = e else {
        return Err(e);
    };
    let (_, body) = e.status_and_body();
    page(state, s, f, json!({"error": body.message})).await
}
