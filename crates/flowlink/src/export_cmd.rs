//! `flowlink export FLOW`: one flow as Archy YAML through the export jobs API — the exact text
//! of a version imported from Archy, generated YAML for one written in a JSON dialect. Prints
//! the YAML, or with `--out DIR` writes `<name>-<TYPE>-<id>.yaml` there.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use flowlink_client::Client;

use crate::output::print;

/// `flowlink export` arguments.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Flow id or exact name.
    #[arg(value_name = "FLOW")]
    pub flow: String,
    /// This logic version (default: the published one).
    #[arg(long)]
    pub version: Option<u32>,
    /// Write the file into this directory instead of printing it.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Letters, digits, `-` and `_`; anything else becomes `_` (the export job's file names).
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Runs `flowlink export`.
pub async fn run(client: &Client, args: &ExportArgs) -> anyhow::Result<()> {
    let flow = client.resolve_flow(&args.flow).await?;
    let id = flow
        .id
        .clone()
        .context("the server returned a flow without id")?;
    let bytes = client
        .export_archy(&[(id.clone(), args.version)])
        .await
        .with_context(|| format!("exporting flow '{}'", args.flow))?;
    match &args.out {
        None => {
            let text = String::from_utf8(bytes).context("the export is not UTF-8 text")?;
            print(&text)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let name = format!(
                "{}-{}-{id}.yaml",
                sanitize(flow.name.as_deref().unwrap_or("flow")),
                flow.flow_type.map(|t| t.to_string()).unwrap_or_default()
            );
            let path = dir.join(name);
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            print(&format!("{}\n", path.display()))?;
        }
    }
    Ok(())
}
