//! `flowlink checkout|checkin|publish|revert|unlock FLOW` (the Genesys lifecycle, SPEC §4) and
//! `flowlink module publish MODULE [--impact] [--dry-run]`, which first lists every published
//! flow that will run the new logic (floating callers) and every one that stays on its pin.

use clap::Args;
use serde_json::json;

use flowlink_client::api::{Dependency, Flow};
use flowlink_client::{Client, PublishImpact};

use crate::cli::Output;
use crate::output::{print, print_json, Table};

/// A flow named on the command line.
#[derive(Debug, Args)]
pub struct FlowArg {
    /// Flow id or exact name.
    pub flow: String,
}

/// `flowlink publish FLOW [--version N]`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Flow id or exact name.
    pub flow: String,
    /// Publish this logic version (e.g. to roll back) instead of the draft / checked-in one.
    #[arg(long)]
    pub version: Option<u32>,
}

/// `flowlink module publish MODULE [--impact] [--dry-run]`.
#[derive(Debug, Args)]
pub struct ModulePublishArgs {
    /// Module id or exact name.
    pub module: String,
    /// Before publishing, list the published flows that will run the new logic (floating
    /// calls) and those that stay on an older pin.
    #[arg(long)]
    pub impact: bool,
    /// With --impact: only list, do not publish.
    #[arg(long, requires = "impact")]
    pub dry_run: bool,
}

/// The lifecycle actions that take nothing but the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Checkout,
    Checkin,
    Revert,
    Unlock,
}

fn name(f: &Flow) -> String {
    f.name.clone().unwrap_or_default()
}

fn id(f: &Flow) -> String {
    f.id.clone().unwrap_or_default()
}

fn version(v: &Option<flowlink_client::api::FlowVersion>) -> String {
    v.as_ref()
        .and_then(|v| v.id.clone())
        .unwrap_or_else(|| "-".into())
}

fn holder(f: &Flow) -> String {
    match &f.locked_client {
        Some(c) => match (&c.name, &c.id) {
            (Some(n), Some(i)) => format!("client '{n}' ({i})"),
            (_, Some(i)) => format!("client {i}"),
            _ => "a client".into(),
        },
        None => "nobody".into(),
    }
}

/// Runs checkout, checkin, revert or unlock on the flow named `flow`.
pub async fn run(
    client: &Client,
    action: Action,
    flow: &str,
    output: Output,
) -> anyhow::Result<()> {
    let f = client.resolve_flow(flow).await?;
    let fid = id(&f);
    let (after, operation) = match action {
        Action::Checkout => (client.checkout(&fid).await?, None),
        Action::Revert => (client.revert(&fid).await?, None),
        Action::Unlock => (client.unlock(&fid).await?, None),
        Action::Checkin => {
            let op = client.checkin(&fid).await?;
            (client.get_flow(&fid).await?, Some(op))
        }
    };
    if output == Output::Json {
        return print_json(&json!({"flow": after, "operation": operation}));
    }
    let text = match action {
        Action::Checkout => format!(
            "checked out '{}': locked to {}; your logic writes are drafts until `flowlink publish` \
             or `flowlink checkin`\n",
            name(&after),
            holder(&after)
        ),
        Action::Checkin => format!(
            "checked in '{}': version {} is checked in (published: {}); lock released\n",
            name(&after),
            version(&after.checked_in_version),
            version(&after.published_version)
        ),
        Action::Revert => format!(
            "reverted '{}': draft dropped, back to version {}; lock released\n",
            name(&after),
            version(&after.checked_in_version)
        ),
        Action::Unlock => format!("unlocked '{}'\n", name(&after)),
    };
    Ok(print(&text)?)
}

/// `flowlink publish FLOW [--version N]`.
pub async fn publish(client: &Client, args: &PublishArgs, output: Output) -> anyhow::Result<()> {
    let f = client.resolve_flow(&args.flow).await?;
    let op = client.publish(&id(&f), args.version).await?;
    let after = client.get_flow(&id(&f)).await?;
    if output == Output::Json {
        return print_json(&json!({"flow": after, "operation": op}));
    }
    Ok(print(&format!(
        "published '{}': version {} is live; lock released\n",
        name(&after),
        version(&after.published_version)
    ))?)
}

fn callers_table(deps: &[Dependency], with_pin: bool) -> String {
    let mut t = if with_pin {
        Table::new(&["NAME", "TYPE", "VERSION", "PINNED TO"])
    } else {
        Table::new(&["NAME", "TYPE", "VERSION"])
    };
    for d in deps {
        let mut row = vec![
            d.name.clone().unwrap_or_default(),
            d.object_type.clone().unwrap_or_default(),
            d.version.clone().unwrap_or_default(),
        ];
        if with_pin {
            row.push(d.pinned_version.clone().unwrap_or_default());
        }
        t.row(row);
    }
    t.render()
}

/// The impact report as text.
pub fn render_impact(i: &PublishImpact) -> String {
    let m = &i.module;
    let mut s = format!(
        "module '{}': publishing version {} (published now: {})\n\n",
        name(m),
        i.version_to_publish.as_deref().unwrap_or("-"),
        version(&m.published_version)
    );
    s.push_str(&format!(
        "{} published flow(s) will run the new logic on their next call (floating):\n",
        i.floating.len()
    ));
    if !i.floating.is_empty() {
        s.push_str(&callers_table(&i.floating, false));
    }
    s.push_str(&format!(
        "\n{} published flow(s) stay on their pinned version:\n",
        i.pinned.len()
    ));
    if !i.pinned.is_empty() {
        s.push_str(&callers_table(&i.pinned, true));
    }
    s
}

/// `flowlink module publish MODULE [--impact] [--dry-run]`.
pub async fn module_publish(
    client: &Client,
    args: &ModulePublishArgs,
    output: Output,
) -> anyhow::Result<()> {
    let m = client.resolve_module(&args.module).await?;
    let impact = if args.impact {
        Some(client.publish_impact(&m).await?)
    } else {
        None
    };
    if output == Output::Table {
        if let Some(i) = &impact {
            print(&render_impact(i))?;
        }
    }
    let operation = if args.dry_run {
        None
    } else {
        Some(client.publish(&id(&m), None).await?)
    };
    let after = client.get_module(&id(&m)).await?;
    match output {
        Output::Json => print_json(&json!({
            "module": after,
            "impact": impact,
            "published": operation.is_some(),
            "operation": operation,
        })),
        Output::Table if operation.is_none() => Ok(print("\ndry run: nothing published\n")?),
        Output::Table => Ok(print(&format!(
            "{}published module '{}': version {} is live\n",
            if impact.is_some() { "\n" } else { "" },
            name(&after),
            version(&after.published_version)
        ))?),
    }
}
