//! `flowlink link` and `flowlink unlink`: bulk, concurrent, with a progress bar and a result
//! per flow; exit code 1 when any flow failed.

use anyhow::bail;

use flowlink_client::api::FlowType;
use flowlink_client::{BulkReport, Client, FlowQuery, FlowStatus, LinkOptions, Targets};

use crate::cli::{LinkArgs, Output};
use crate::output::{print, print_json, Table};
use crate::progress::Bar;
use crate::Exit;

fn targets(args: &LinkArgs) -> anyhow::Result<Targets> {
    let kinds = [
        !args.flows.is_empty(),
        !args.flow_names.is_empty(),
        !args.types.is_empty(),
    ];
    match kinds.iter().filter(|k| **k).count() {
        0 => bail!(
            "say which flows: --flow ID, --flow-name NAME or --type TYPE (e.g. --type inboundcall)"
        ),
        1 => {}
        _ => bail!("give one kind of target: --flow, --flow-name or --type"),
    }
    if args.active && args.types.is_empty() {
        bail!("--active filters by type; add --type (e.g. --type inboundcall)");
    }
    Ok(if !args.flows.is_empty() {
        Targets::Ids(args.flows.clone())
    } else if !args.flow_names.is_empty() {
        Targets::Names(args.flow_names.clone())
    } else {
        let types = args
            .types
            .iter()
            .map(|t| t.parse::<FlowType>())
            .collect::<Result<_, _>>()?;
        Targets::Query(FlowQuery {
            types,
            active: args.active.then_some(true),
            ..Default::default()
        })
    })
}

/// Runs `link` (or `unlink` when `unlink`).
pub async fn run(
    client: &Client,
    args: &LinkArgs,
    unlink: bool,
    output: Output,
    quiet: bool,
) -> anyhow::Result<Exit> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    if unlink && args.version.is_some() {
        bail!("--version applies to link only");
    }
    let targets = targets(args)?;
    let opts = LinkOptions {
        version: args.version,
        call_name: args.call_name.clone(),
        concurrency: args.concurrency,
        per_flow: args.per_flow,
    };
    let bar = Bar::new(if unlink { "unlinking" } else { "linking" }, quiet);
    let report = if unlink {
        client
            .unlink_module(&args.module, &targets, &opts, &bar)
            .await
    } else {
        client
            .link_module(&args.module, &targets, &opts, &bar)
            .await
    };
    bar.finish();
    let report = report?;
    match output {
        Output::Json => print_json(&report)?,
        Output::Table => print(&render(&report, unlink))?,
    }
    Ok(if report.failed() > 0 {
        Exit::SomeFailed
    } else {
        Exit::Ok
    })
}

/// The per-flow table plus a one-line summary.
pub fn render(report: &BulkReport, unlink: bool) -> String {
    let mut t = Table::new(&["FLOW", "NAME", "RESULT"]);
    for r in &report.results {
        t.row(vec![
            r.flow_id.clone(),
            r.flow_name.clone().unwrap_or_default(),
            r.status.label(),
        ]);
    }
    let module = report
        .module_name
        .clone()
        .unwrap_or_else(|| report.module_id.clone());
    let pin = report
        .version
        .map(|v| format!(" pinned to version {v}"))
        .unwrap_or_default();
    let n = |k: fn(&FlowStatus) -> bool| report.count(k);
    let summary = if unlink {
        format!(
            "module '{module}': {} unlinked, {} not linked, {} failed\n",
            n(|s| *s == FlowStatus::Unlinked),
            n(|s| *s == FlowStatus::NotLinked),
            report.failed()
        )
    } else {
        format!(
            "module '{module}'{pin}: {} linked, {} already linked, {} failed\n",
            n(|s| *s == FlowStatus::Linked),
            n(|s| *s == FlowStatus::AlreadyLinked),
            report.failed()
        )
    };
    format!("{}{summary}", t.render())
}
