//! `flowlink flows list|get|create|delete` and `flowlink module create|set-logic|get`.

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

use flowlink_client::api::{Dialect, Flow, FlowType, FlowWrite};
use flowlink_client::{Client, FlowQuery, LogicDoc, UpdateOutcome};

use crate::cli::{FlowsCommand, ListArgs, ModuleCommand, Output};
use crate::output::{print, print_json, Table};

/// Reads a logic file (JSON or YAML, either dialect).
pub fn read_logic(path: &Path) -> anyhow::Result<LogicDoc> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read logic file {}", path.display()))?;
    LogicDoc::parse(&text).with_context(|| format!("in logic file {}", path.display()))
}

fn parse_type(t: &str) -> anyhow::Result<FlowType> {
    Ok(t.parse::<FlowType>()?)
}

fn published(f: &Flow) -> String {
    f.published_version
        .as_ref()
        .and_then(|v| v.id.clone())
        .unwrap_or_else(|| "-".into())
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// The flow's logic in its dialect, as a value to show.
fn logic_of(f: &Flow) -> (&'static str, Value) {
    if let Some(text) = &f.archy {
        return ("archy", Value::String(text.clone()));
    }
    match flowlink_client::wire_logic(f) {
        Ok(logic) => {
            let dialect = logic.dialect();
            // The write body's logic side is what shows: `{definition}` or `{actions}`.
            let mut v = serde_json::to_value(logic.into_write()).unwrap_or(Value::Null);
            if let (Dialect::Actions, Some(vars)) = (dialect, &f.variables) {
                v["variables"] = vars.clone();
            }
            (dialect.as_str(), v)
        }
        Err(_) => ("unknown", Value::Null),
    }
}

fn show_flow(f: &Flow, output: Output) -> anyhow::Result<()> {
    if output == Output::Json {
        return print_json(f);
    }
    let (dialect, logic) = logic_of(f);
    let mut s = String::new();
    s.push_str(&format!("id:          {}\n", opt(&f.id)));
    s.push_str(&format!("name:        {}\n", opt(&f.name)));
    s.push_str(&format!(
        "type:        {}\n",
        f.flow_type
            .map(|t| t.as_str().to_string())
            .unwrap_or_default()
    ));
    if let Some(d) = f.description.as_ref().filter(|d| !d.is_empty()) {
        s.push_str(&format!("description: {d}\n"));
    }
    s.push_str(&format!("published:   {}\n", published(f)));
    s.push_str(&format!(
        "version:     {}\n",
        f.version.map(|v| v.to_string()).unwrap_or_default()
    ));
    s.push_str(&format!("logic ({dialect}):\n"));
    // Archy text is shown as written; JSON-dialect logic as YAML.
    let yaml = match &logic {
        Value::String(text) => text.clone(),
        other => flowlink_model::archy::yaml::to_yaml(other),
    };
    for line in yaml.lines() {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    Ok(print(&s)?)
}

fn flow_table(flows: &[Flow]) -> String {
    let mut t = Table::new(&["ID", "NAME", "TYPE", "PUBLISHED", "VERSION"]);
    for f in flows {
        t.row(vec![
            opt(&f.id),
            opt(&f.name),
            f.flow_type
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            published(f),
            f.version.map(|v| v.to_string()).unwrap_or_default(),
        ]);
    }
    t.render()
}

async fn list(client: &Client, args: &ListArgs, output: Output) -> anyhow::Result<()> {
    let q = FlowQuery {
        types: args
            .types
            .iter()
            .map(|t| parse_type(t))
            .collect::<Result<_, _>>()?,
        name: args.name.clone(),
        active: args.active.then_some(true),
        ..Default::default()
    };
    let flows = client.list_flows(&q).await?;
    match output {
        Output::Json => print_json(&flows),
        Output::Table => Ok(print(&flow_table(&flows))?),
    }
}

/// Runs a `flows` subcommand.
pub async fn run_flows(client: &Client, cmd: &FlowsCommand, output: Output) -> anyhow::Result<()> {
    match cmd {
        FlowsCommand::List(args) => list(client, args, output).await,
        FlowsCommand::Get { flow } => show_flow(&client.resolve_flow(flow).await?, output),
        FlowsCommand::Create {
            name,
            flow_type,
            description,
            logic,
        } => {
            let mut body = FlowWrite {
                name: Some(name.clone()),
                flow_type: Some(parse_type(flow_type)?),
                description: description.clone(),
                ..Default::default()
            };
            if let Some(path) = logic {
                read_logic(path)?.apply_to(&mut body);
            }
            let f = client.create_flow(&body).await?;
            created(&f, output)
        }
        FlowsCommand::Delete { flow } => {
            let f = client.resolve_flow(flow).await?;
            let id = f.id.clone().unwrap_or_default();
            client.delete_flow(&id).await?;
            match output {
                Output::Json => print_json(&json!({"id": id, "deleted": true})),
                Output::Table => Ok(print(&format!("deleted flow {} ({id})\n", opt(&f.name)))?),
            }
        }
    }
}

fn created(f: &Flow, output: Output) -> anyhow::Result<()> {
    match output {
        Output::Json => print_json(f),
        Output::Table => Ok(print(&format!(
            "created {} '{}' {} (published {})\n",
            f.flow_type
                .map(|t| t.as_lower())
                .unwrap_or_else(|| "flow".into()),
            opt(&f.name),
            opt(&f.id),
            published(f)
        ))?),
    }
}

/// Runs a `module` subcommand.
pub async fn run_module(
    client: &Client,
    cmd: &ModuleCommand,
    output: Output,
) -> anyhow::Result<()> {
    match cmd {
        ModuleCommand::Create {
            name,
            description,
            logic,
        } => {
            let logic = logic.as_deref().map(read_logic).transpose()?;
            let m = client
                .create_module(name, description.as_deref(), logic.as_ref())
                .await?;
            created(&m, output)
        }
        ModuleCommand::SetLogic { module, logic } => {
            let logic = read_logic(logic)?;
            let m = client.resolve_module(module).await?;
            let id = m.id.clone().unwrap_or_default();
            let upd = client.set_logic(&id, &logic).await?;
            let (f, changed) = match upd.outcome {
                UpdateOutcome::Updated(f) => (f, true),
                UpdateOutcome::Unchanged(f) => (f, false),
            };
            match output {
                Output::Json => print_json(&json!({"module": f, "changed": changed})),
                Output::Table if changed => Ok(print(&format!(
                    "module '{}' now runs version {} ({} logic); floating links use it on their next call\n",
                    opt(&f.name),
                    published(&f),
                    logic.dialect()
                ))?),
                Output::Table => Ok(print(&format!(
                    "module '{}' already has this logic (version {}); nothing changed\n",
                    opt(&f.name),
                    published(&f)
                ))?),
            }
        }
        ModuleCommand::Get { module } => show_flow(&client.resolve_module(module).await?, output),
        ModuleCommand::Publish(args) => {
            crate::lifecycle_cmd::module_publish(client, args, output).await
        }
    }
}
