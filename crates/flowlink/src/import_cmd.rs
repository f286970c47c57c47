//! `flowlink import FILE...`: Archy YAML files into the organization through the flow jobs API,
//! exactly as the Terraform provider deploys them (register, upload, poll, read `flow.id`).
//! Substitution happens here, never on the server: `--subs FILE` (a flat YAML map), then
//! `--sub KEY=VALUE` on top. Modules go first so callers find them by name; a progress bar;
//! one result per file; exit code 1 when any file failed.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use flowlink_client::Client;
use flowlink_model::archy::substitute;

use crate::cli::Output;
use crate::output::{print, print_json, Table};
use crate::Exit;

/// `{{key}}` substitutions of Archy files (`flowlink import`, `flowlink test`).
#[derive(Debug, Args, Default)]
pub struct SubstitutionArgs {
    /// Replace `{{KEY}}` with VALUE in every file (repeatable; wins over --subs).
    #[arg(long = "sub", value_name = "KEY=VALUE")]
    pub subs: Vec<String>,
    /// A flat YAML map of substitutions (`key: value` per line).
    #[arg(long = "subs", value_name = "FILE")]
    pub subs_file: Option<PathBuf>,
}

/// `flowlink import` arguments.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Archy YAML files (one flow each).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub substitutions: SubstitutionArgs,
    /// Create an empty, published stub module for every module a file calls by a name that
    /// has no module yet (otherwise such a file fails naming it).
    #[arg(long)]
    pub create_stubs: bool,
}

/// One file's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileResult {
    pub file: String,
    /// `imported` or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The substitutions: `--subs FILE`, then every `--sub KEY=VALUE`.
pub fn substitutions(args: &SubstitutionArgs) -> anyhow::Result<BTreeMap<String, String>> {
    let mut subs = BTreeMap::new();
    if let Some(path) = &args.subs_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read substitutions file {}", path.display()))?;
        let not_a_map = || {
            format!(
                "substitutions file {} is not a flat YAML map of key: value",
                path.display()
            )
        };
        let parsed = flowlink_model::archy::yaml::yaml_to_json(&text).with_context(not_a_map)?;
        let serde_json::Value::Object(map) = parsed else {
            bail!(not_a_map());
        };
        for (k, v) in map {
            let Some(v) = scalar(&v) else {
                bail!(
                    "substitution '{k}' in {} is not a plain value (string, number or boolean)",
                    path.display()
                );
            };
            subs.insert(k, v);
        }
    }
    for s in &args.subs {
        let Some((k, v)) = s.split_once('=') else {
            bail!("--sub takes KEY=VALUE, not '{s}'");
        };
        if k.is_empty() {
            bail!("--sub '{s}' has an empty key");
        }
        subs.insert(k.to_string(), v.to_string());
    }
    Ok(subs)
}

fn is_module(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|l| l.starts_with("commonModule:"))
}

async fn import_one(
    client: &Client,
    path: &Path,
    text: std::io::Result<String>,
    subs: &BTreeMap<String, String>,
    create_stubs: bool,
) -> FileResult {
    let file = path.display().to_string();
    let failed = |error: String| FileResult {
        file: file.clone(),
        status: "failed",
        flow_id: None,
        error: Some(error),
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => return failed(format!("cannot read: {e}")),
    };
    let text = match substitute(&text, subs) {
        Ok(t) => t,
        Err(e) => {
            return failed(format!(
                "{e} (give values with --sub KEY=VALUE or --subs FILE)"
            ))
        }
    };
    match client.import_archy(&text, create_stubs).await {
        Ok(done) => FileResult {
            file: file.clone(),
            status: "imported",
            flow_id: Some(done.flow_id),
            error: None,
        },
        Err(e) => failed(e.to_string()),
    }
}

fn bar(total: usize, quiet: bool) -> ProgressBar {
    let target = if quiet || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    let style = ProgressStyle::with_template(
        "importing [{bar:30}] {pos}/{len} files {msg} ({elapsed}, eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// Runs `flowlink import`.
pub async fn run(
    client: &Client,
    args: &ImportArgs,
    output: Output,
    quiet: bool,
) -> anyhow::Result<Exit> {
    let subs = substitutions(&args.substitutions)?;
    let mut files: Vec<(usize, &PathBuf, std::io::Result<String>)> = args
        .files
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p, std::fs::read_to_string(p)))
        .collect();
    // Modules first: callers bind to them by name. Otherwise the order given.
    files.sort_by_key(|(i, _, t)| (!t.as_deref().is_ok_and(is_module), *i));
    let progress = bar(files.len(), quiet);
    let mut results = Vec::with_capacity(files.len());
    for (i, path, text) in files {
        let r = import_one(client, path, text, &subs, args.create_stubs).await;
        if r.error.is_some() {
            progress.set_message("(some failed)");
        }
        progress.inc(1);
        results.push((i, r));
    }
    progress.finish_and_clear();
    results.sort_by_key(|(i, _)| *i);
    let results: Vec<FileResult> = results.into_iter().map(|(_, r)| r).collect();
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    match output {
        Output::Json => print_json(&results)?,
        Output::Table => {
            let mut t = Table::new(&["FILE", "RESULT", "FLOW"]);
            for r in &results {
                t.row(vec![
                    r.file.clone(),
                    match &r.error {
                        Some(e) => format!("failed: {e}"),
                        None => "imported".into(),
                    },
                    r.flow_id.clone().unwrap_or_default(),
                ]);
            }
            print(&format!(
                "{}{} imported, {failed} failed\n",
                t.render(),
                results.len() - failed
            ))?;
        }
    }
    Ok(if failed > 0 {
        Exit::SomeFailed
    } else {
        Exit::Ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_come_from_the_file_then_the_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subs.yaml");
        std::fs::write(&path, "flow_name: Main\nretries: 3\nflag: true\n").unwrap();
        let args = SubstitutionArgs {
            subs: vec!["flow_name=Override".into(), "empty=".into()],
            subs_file: Some(path),
        };
        let subs = substitutions(&args).unwrap();
        assert_eq!(subs["flow_name"], "Override");
        assert_eq!(subs["retries"], "3");
        assert_eq!(subs["flag"], "true");
        assert_eq!(subs["empty"], "");
        let bad = SubstitutionArgs {
            subs: vec!["novalue".into()],
            subs_file: None,
        };
        assert!(substitutions(&bad).is_err());
    }

    #[test]
    fn modules_are_recognised_by_their_root_key() {
        assert!(is_module("# c\ncommonModule:\n  name: M\n"));
        assert!(!is_module("inboundCall:\n  name: commonModule:\n"));
    }
}
