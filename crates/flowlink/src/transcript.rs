//! Turns an execution (`FlowRuntimeExecution` + trace) into a transcript people can read:
//! prompts, tags, data, module frames (indented) and how the call ended.

use serde_json::{Map, Value};

use flowlink_client::api::FlowRuntimeExecution;

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn kv(m: Option<&Map<String, Value>>) -> String {
    m.map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}={}", short(v)))
            .collect::<Vec<_>>()
            .join(", ")
    })
    .unwrap_or_default()
}

fn prompt(p: Option<&Value>) -> String {
    let Some(p) = p else { return String::new() };
    if let Some(t) = p.get("text").and_then(Value::as_str) {
        let locale = p
            .get("locale")
            .and_then(Value::as_str)
            .map(|l| format!(" ({l})"));
        format!("\"{t}\"{}", locale.unwrap_or_default())
    } else {
        format!("prompt {}", s(p, "promptId"))
    }
}

/// One line for a trace step, without indentation.
fn step_line(step: &Value, module_names: &mut Map<String, Value>) -> Option<String> {
    let ev = step.get("event")?;
    let node = s(step, "nodeName");
    Some(match s(ev, "type") {
        "setData" => {
            let writes: Vec<String> = ev
                .get("data")
                .and_then(Value::as_array)
                .map(|d| {
                    d.iter()
                        .map(|w| {
                            format!(
                                "{} = {}",
                                s(w, "key"),
                                short(w.get("value").unwrap_or(&Value::Null))
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!("set {}", writes.join(", "))
        }
        "tagsAdded" => {
            let tags: Vec<&str> = ev
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!("tag {}", tags.join(", "))
        }
        "promptPlayed" => format!("play {}", prompt(ev.get("prompt"))),
        "inputCollected" => {
            let p = ev
                .get("prompt")
                .map(|p| format!("after {}, ", prompt(Some(p))))
                .unwrap_or_default();
            match ev.get("digits").and_then(Value::as_str) {
                Some(d) => format!("input: {p}caller pressed {d}"),
                None => format!("input: {p}no digits (timeout)"),
            }
        }
        "dataAction" => format!(
            "data action {} -> {}",
            s(ev, "name"),
            kv(ev.get("outputs").and_then(Value::as_object))
        ),
        "decision" => format!(
            "decide {} -> {}",
            s(ev, "expression"),
            ev.get("value").map(Value::to_string).unwrap_or_default()
        ),
        "moduleEnter" => {
            let name = s(ev, "moduleName");
            module_names.insert(
                s(ev, "moduleId").to_string(),
                Value::String(name.to_string()),
            );
            let inputs = kv(ev.get("inputs").and_then(Value::as_object));
            let inputs = if inputs.is_empty() {
                String::new()
            } else {
                format!(" with {inputs}")
            };
            format!(
                "> enter module '{name}' version {}{inputs}",
                ev.get("version").map(Value::to_string).unwrap_or_default()
            )
        }
        "moduleExit" => {
            let id = s(ev, "moduleId");
            let name = module_names
                .get(id)
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string();
            let outputs = kv(ev.get("outputs").and_then(Value::as_object));
            let outputs = if outputs.is_empty() {
                String::new()
            } else {
                format!(" with {outputs}")
            };
            format!("< leave module '{name}'{outputs}")
        }
        "moduleCallFailed" => format!(
            "! module call {} failed: {} ({})",
            node,
            s(ev, "reason"),
            s(ev, "handling")
        ),
        "transfer" => format!("transfer to queue {}", s(ev, "queue")),
        "disconnect" => "disconnect".to_string(),
        "error" => format!(
            "! error at {node}: {} ({})",
            s(ev, "reason"),
            s(ev, "handling")
        ),
        "actionLimit" => format!("! action limit reached ({})", s(ev, "handling")),
        other => format!("{other} at {node}"),
    })
}

fn outcome_line(o: &Value) -> String {
    match s(o, "type") {
        "disconnected" => "disconnected".into(),
        "transferred" => format!("transferred to queue {}", s(o, "queue")),
        "failed" => format!("failed: {}", s(o, "reason")),
        "" => o
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| o.to_string()),
        other => other.to_string(),
    }
}

/// The transcript, each line prefixed by `indent`.
pub fn render(exec: &FlowRuntimeExecution, indent: &str) -> String {
    let null = Value::Null;
    let trace = exec.trace.as_ref().unwrap_or(&null);
    let steps = trace
        .get("steps")
        .and_then(Value::as_array)
        .or_else(|| trace.as_array())
        .cloned()
        .unwrap_or_default();
    let mut out = String::new();
    let mut names = Map::new();
    for step in &steps {
        let depth = step.get("depth").and_then(Value::as_u64).unwrap_or(0) as usize;
        if let Some(line) = step_line(step, &mut names) {
            // Module steps are indented under their call (depth = module nesting).
            out.push_str(&format!("{indent}{}{line}\n", "  ".repeat(depth)));
        }
    }
    let pd = trace.get("participantData").and_then(Value::as_object);
    if let Some(pd) = pd.filter(|m| !m.is_empty()) {
        out.push_str(&format!("{indent}participant data: {}\n", kv(Some(pd))));
    }
    if let Some(tags) = trace
        .get("tags")
        .and_then(Value::as_array)
        .filter(|t| !t.is_empty())
    {
        let t: Vec<&str> = tags.iter().filter_map(Value::as_str).collect();
        out.push_str(&format!("{indent}tags: {}\n", t.join(", ")));
    }
    let outcome = trace
        .get("outcome")
        .map(outcome_line)
        .or_else(|| exec.completion_reason.clone())
        .or_else(|| exec.status.clone())
        .unwrap_or_else(|| "unknown".into());
    let actions = trace
        .get("actionCount")
        .and_then(Value::as_u64)
        .map(|n| format!(" after {n} actions"))
        .unwrap_or_default();
    out.push_str(&format!("{indent}outcome: {outcome}{actions}\n"));
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
            trace: Some(json!({
                "steps": [
                    {"depth":0,"nodeName":"Call Auth","event":{"type":"moduleEnter","moduleId":"m","moduleName":"Auth","version":2,"inputs":{}}},
                    {"depth":1,"nodeName":"Init","event":{"type":"setData","data":[{"key":"auth_status","value":"pending"}]}},
                    {"depth":1,"nodeName":"Tag","event":{"type":"tagsAdded","tags":["common-module-executed"]}},
                    {"depth":1,"nodeName":"Say","event":{"type":"promptPlayed","prompt":{"text":"Hi","locale":"en-US"}}},
                    {"depth":0,"nodeName":"Call Auth","event":{"type":"moduleExit","moduleId":"m","version":2,"outputs":{}}},
                    {"depth":0,"nodeName":"Bye","event":{"type":"disconnect"}}
                ],
                "outcome": {"type":"disconnected"},
                "participantData": {"auth_status":"pending"},
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
