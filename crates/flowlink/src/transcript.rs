//! Turns an execution (`FlowRuntimeExecution` + trace) into a transcript people can read:
//! prompts, tags, data, module frames (indented) and how the call ended. The trace is read as
//! the typed wire trace of `flowlink-api` (the types the engine emits), not by string keys.

use std::collections::HashMap;

use serde_json::{Map, Value};

use flowlink_client::api::trace::{Event, ExecutionTrace, FinalOutcome, PromptPlayed, TraceStep};
use flowlink_client::api::FlowRuntimeExecution;

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn kv(m: &Map<String, Value>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={}", short(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn with(what: &str, m: &Map<String, Value>) -> String {
    if m.is_empty() {
        String::new()
    } else {
        format!(" {what} {}", kv(m))
    }
}

fn prompt(p: &PromptPlayed) -> String {
    match &p.text {
        Some(t) => {
            let locale = p.locale.as_ref().map(|l| format!(" ({l})"));
            format!("\"{t}\"{}", locale.unwrap_or_default())
        }
        None => format!("prompt {}", p.prompt_id.as_deref().unwrap_or("")),
    }
}

/// One line for a trace step, without indentation. `module_names` remembers the names of
/// modules entered (an exit carries only the id).
fn step_line(step: &TraceStep, module_names: &mut HashMap<String, String>) -> String {
    let node = &step.node_name;
    match &step.event {
        Event::SetData { data } => {
            let writes: Vec<String> = data
                .iter()
                .map(|w| format!("{} = {}", w.key, short(&w.value)))
                .collect();
            format!("set {}", writes.join(", "))
        }
        Event::TagsAdded { tags } => format!("tag {}", tags.join(", ")),
        Event::PromptPlayed { prompt: p } => format!("play {}", prompt(p)),
        Event::InputCollected { prompt: p, digits } => {
            let p = p
                .as_ref()
                .map(|p| format!("after {}, ", prompt(p)))
                .unwrap_or_default();
            match digits {
                Some(d) => format!("input: {p}caller pressed {d}"),
                None => format!("input: {p}no digits (timeout)"),
            }
        }
        Event::DataAction { name, outputs, .. } => {
            format!("data action {name} -> {}", kv(outputs))
        }
        Event::Decision { expression, value } => format!("decide {expression} -> {value}"),
        Event::ModuleEnter {
            module_id,
            module_name,
            version,
            inputs,
        } => {
            module_names.insert(module_id.clone(), module_name.clone());
            format!(
                "> enter module '{module_name}' version {version}{}",
                with("with", inputs)
            )
        }
        Event::ModuleExit {
            module_id, outputs, ..
        } => {
            let name = module_names.get(module_id).unwrap_or(module_id);
            format!("< leave module '{name}'{}", with("with", outputs))
        }
        Event::ModuleCallFailed {
            reason, handling, ..
        } => format!(
            "! module call {node} failed: {reason} ({})",
            handling.as_str()
        ),
        Event::Transfer { queue } => format!("transfer to queue {queue}"),
        Event::Disconnect => "disconnect".to_string(),
        Event::Error { reason, handling } => {
            format!("! error at {node}: {reason} ({})", handling.as_str())
        }
        // Menus, jumps, loops, look-ups, schedules: the action and what it decided.
        Event::Archy { action, detail } if detail.is_empty() => action.clone(),
        Event::Archy { action, detail } => format!("{action} {}", kv(detail)),
        Event::ActionLimit { handling, .. } => {
            format!("! action limit reached ({})", handling.as_str())
        }
    }
}

fn outcome_line(o: &FinalOutcome) -> String {
    match o {
        FinalOutcome::Disconnected => "disconnected".into(),
        FinalOutcome::Transferred { queue } => format!("transferred to queue {queue}"),
        FinalOutcome::Failed { reason } => format!("failed: {reason}"),
    }
}

/// The transcript, each line prefixed by `indent`. Without a trace (or with one this client
/// cannot read) only the outcome line is written, from the execution's status.
pub fn render(exec: &FlowRuntimeExecution, indent: &str) -> String {
    let trace = exec
        .trace
        .as_ref()
        .and_then(|t| ExecutionTrace::from_value(t).ok());
    let mut out = String::new();
    let Some(trace) = trace else {
        let outcome = exec
            .completion_reason
            .clone()
            .or_else(|| exec.status.clone())
            .unwrap_or_else(|| "unknown".into());
        out.push_str(&format!("{indent}outcome: {outcome}\n"));
        return out;
    };
    let mut names = HashMap::new();
    for step in &trace.steps {
        let line = step_line(step, &mut names);
        // Module steps are indented under their call (depth = module nesting).
        let depth = step.depth as usize;
        out.push_str(&format!("{indent}{}{line}\n", "  ".repeat(depth)));
    }
    if !trace.participant_data.is_empty() {
        out.push_str(&format!(
            "{indent}participant data: {}\n",
            kv(&trace.participant_data)
        ));
    }
    if !trace.tags.is_empty() {
        out.push_str(&format!("{indent}tags: {}\n", trace.tags.join(", ")));
    }
    out.push_str(&format!(
        "{indent}outcome: {} after {} actions\n",
        outcome_line(&trace.outcome),
        trace.action_count
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_steps_frames_data_and_outcome() {
        let exec = FlowRuntimeExecution {
            status: Some("COMPLETED".into()),
            // A trace exactly as the server writes it (every field of the wire type).
            trace: Some(json!({
                "flow": {"id": "f", "name": "Main", "version": 1},
                "simulation": {"ani": "tel:+1", "dnis": "tel:+2", "digits": []},
                "steps": [
                    {"flowId":"f","flowVersion":1,"depth":0,"nodeId":"c","nodeName":"Call Auth","nodeType":"flowModule","event":{"type":"moduleEnter","moduleId":"m","moduleName":"Auth","version":2,"inputs":{}}},
                    {"flowId":"m","flowVersion":2,"depth":1,"nodeId":"i","nodeName":"Init","nodeType":"setData","event":{"type":"setData","data":[{"key":"auth_status","value":"pending"}]},"outcome":"default","edge":"default","next":"t"},
                    {"flowId":"m","flowVersion":2,"depth":1,"nodeId":"t","nodeName":"Tag","nodeType":"addTags","event":{"type":"tagsAdded","tags":["common-module-executed"]},"outcome":"default","edge":"default","next":"s"},
                    {"flowId":"m","flowVersion":2,"depth":1,"nodeId":"s","nodeName":"Say","nodeType":"playPrompt","event":{"type":"promptPlayed","prompt":{"text":"Hi","locale":"en-US"}},"outcome":"default"},
                    {"flowId":"f","flowVersion":1,"depth":0,"nodeId":"c","nodeName":"Call Auth","nodeType":"flowModule","event":{"type":"moduleExit","moduleId":"m","version":2,"outputs":{}},"outcome":"default","edge":"default","next":"b"},
                    {"flowId":"f","flowVersion":1,"depth":0,"nodeId":"b","nodeName":"Bye","nodeType":"disconnect","event":{"type":"disconnect"}}
                ],
                "outcome": {"type":"disconnected"},
                "participantData": {"auth_status":"pending"},
                "outputData": {},
                "tags": ["common-module-executed"],
                "actionCount": 5
            })),
            ..Default::default()
        };
        assert_eq!(
            render(&exec, "  "),
            "  > enter module 'Auth' version 2\n    set auth_status = \"pending\"\n    tag common-module-executed\n    play \"Hi\" (en-US)\n  < leave module 'Auth'\n  disconnect\n  participant data: auth_status=\"pending\"\n  tags: common-module-executed\n  outcome: disconnected after 5 actions\n"
        );
    }

    #[test]
    fn without_a_trace_the_status_is_the_outcome() {
        let exec = FlowRuntimeExecution {
            status: Some("FAILED".into()),
            ..Default::default()
        };
        assert_eq!(render(&exec, ""), "outcome: FAILED\n");
    }
}
