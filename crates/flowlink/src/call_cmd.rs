//! `flowlink call`: launch a simulated call and print its transcript.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use serde_json::Value;

use flowlink_client::api::{FlowExecutionLaunchRequest, FlowRuntimeExecution, Simulation};
use flowlink_client::Client;

use crate::cli::{CallArgs, Output};
use crate::output::{print, print_json};
use crate::transcript;

fn split_kv<'a>(s: &'a str, what: &str) -> anyhow::Result<(&'a str, &'a str)> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v)),
        _ => bail!("{what} '{s}' is not NAME=VALUE"),
    }
}

/// The launch request for `args` against flow `flow_id`.
pub fn request(args: &CallArgs, flow_id: &str) -> anyhow::Result<FlowExecutionLaunchRequest> {
    let mut mocks = BTreeMap::new();
    for m in &args.data_action_mocks {
        let (name, json) = split_kv(m, "--data-action-mock")?;
        let v: Value = serde_json::from_str(json).with_context(|| {
            format!("--data-action-mock {name}: expected JSON like {{\"outputs\":{{...}}}} or {{\"fail\":true}}")
        })?;
        mocks.insert(name.to_string(), v);
    }
    let mut inputs = BTreeMap::new();
    for i in &args.inputs {
        let (k, v) = split_kv(i, "--input")?;
        let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
        inputs.insert(k.to_string(), value);
    }
    Ok(FlowExecutionLaunchRequest {
        flow_id: flow_id.to_string(),
        flow_version: args.version.map(|v| format!("{v}.0")),
        input_data: (!inputs.is_empty()).then_some(inputs),
        name: Some("flowlink call".into()),
        simulation: Some(Simulation {
            ani: args.ani.clone(),
            dnis: args.dnis.clone(),
            digits: (!args.digits.is_empty()).then(|| args.digits.clone()),
            data_actions: (!mocks.is_empty()).then_some(mocks),
            ..Default::default()
        }),
    })
}

/// A heading line for an execution: which flow and version ran.
pub fn heading(flow_name: &str, exec: &FlowRuntimeExecution) -> String {
    let v = exec
        .flow_version
        .as_ref()
        .and_then(|v| v.id.clone())
        .unwrap_or_else(|| "?".into());
    format!("call into '{flow_name}' (version {v}):\n")
}

/// Runs `call`.
pub async fn run(client: &Client, args: &CallArgs, output: Output) -> anyhow::Result<()> {
    let flow = client.resolve_flow(&args.flow).await?;
    let id = flow.id.clone().unwrap_or_default();
    let exec = client.simulate(&request(args, &id)?).await?;
    match output {
        Output::Json => print_json(&exec),
        Output::Table => {
            let name = flow.name.unwrap_or(id);
            Ok(print(&format!(
                "{}{}",
                heading(&name, &exec),
                transcript::render(&exec, "  ")
            ))?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn builds_the_simulation_from_flags() {
        let cli = crate::cli::Cli::try_parse_from([
            "flowlink",
            "call",
            "--flow",
            "f",
            "--digits",
            "1,2",
            "--ani",
            "+1555",
            "--data-action-mock",
            "Lookup={\"outputs\":{\"tier\":\"gold\"}}",
            "--input",
            "n=3",
            "--input",
            "who=bob",
            "--version",
            "2",
        ])
        .unwrap();
        let crate::cli::Command::Call(args) = cli.command else {
            panic!("not call")
        };
        let r = request(&args, "id-1").unwrap();
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"flowId":"id-1","flowVersion":"2.0","name":"flowlink call",
                "inputData":{"n":3,"who":"bob"},
                "simulation":{"ani":"+1555","digits":["1","2"],
                    "dataActions":{"Lookup":{"outputs":{"tier":"gold"}}}}})
        );
        let bad = crate::cli::Cli::try_parse_from([
            "flowlink",
            "call",
            "--flow",
            "f",
            "--data-action-mock",
            "x",
        ])
        .unwrap();
        let crate::cli::Command::Call(args) = bad.command else {
            panic!("not call")
        };
        assert!(request(&args, "id")
            .unwrap_err()
            .to_string()
            .contains("NAME=VALUE"));
    }
}
