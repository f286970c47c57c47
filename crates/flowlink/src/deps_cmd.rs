//! `flowlink deps MODULE_OR_FLOW`: who calls a module and what a flow calls, from the server's
//! exact dependency index (as a table or JSON); `flowlink deps --graph dot|mermaid`: the whole
//! organization's module-call graph as Graphviz DOT or a Mermaid flowchart.

use std::collections::BTreeMap;

use anyhow::bail;
use clap::{Args, ValueEnum};
use serde_json::json;

use flowlink_client::api::{Dependency, DependencyObject, Flow, FlowType};
use flowlink_client::{Client, FlowFilter};

use crate::cli::Output;
use crate::output::{print, print_json, Table};

/// `flowlink deps`.
#[derive(Debug, Args)]
pub struct DepsArgs {
    /// Module or flow (id or exact name); leave out with --graph.
    pub target: Option<String>,
    /// Print the whole organization's module-call graph instead (edges from the published,
    /// else current, version of every flow).
    #[arg(long, value_enum)]
    pub graph: Option<GraphFormat>,
    /// Which caller versions count.
    #[arg(long, value_enum, default_value_t = FilterArg::Current)]
    pub filter: FilterArg,
}

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// `--filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilterArg {
    /// Published, checked-in and draft versions.
    Current,
    /// Published versions only (what runs today).
    Published,
    /// Checked-in versions only.
    CheckedIn,
}

impl From<FilterArg> for FlowFilter {
    fn from(f: FilterArg) -> Self {
        match f {
            FilterArg::Current => FlowFilter::Current,
            FilterArg::Published => FlowFilter::Published,
            FilterArg::CheckedIn => FlowFilter::CheckedIn,
        }
    }
}

fn version_number(id: &str) -> Option<u32> {
    id.trim().trim_end_matches(".0").parse().ok()
}

/// The version whose calls describe a flow: published, else the current one.
fn described_version(f: &Flow) -> Option<u32> {
    f.published_version
        .as_ref()
        .or(f.saved_version.as_ref())
        .or(f.checked_in_version.as_ref())
        .and_then(|v| v.id.as_deref())
        .and_then(version_number)
}

fn binding(d: &Dependency, module_published: Option<&str>) -> String {
    match (&d.pinned_version, module_published) {
        (Some(p), Some(now)) if version_number(p) < version_number(now) => {
            format!("pinned {p} (behind {now})")
        }
        (Some(p), _) => format!("pinned {p}"),
        (None, Some(now)) => format!("floating (runs {now})"),
        (None, None) => "floating".into(),
    }
}

/// Runs `flowlink deps`.
pub async fn run(client: &Client, args: &DepsArgs, output: Output) -> anyhow::Result<()> {
    if let Some(format) = args.graph {
        if args.target.is_some() {
            bail!("--graph draws the whole organization; leave out MODULE_OR_FLOW");
        }
        let objects = client.dependency_objects("*").await?;
        return Ok(print(&match format {
            GraphFormat::Dot => dot(&objects),
            GraphFormat::Mermaid => mermaid(&objects),
        })?);
    }
    let Some(target) = &args.target else {
        bail!("say which module or flow (id or name), or draw everything with --graph dot|mermaid");
    };
    let f = client.resolve_flow(target).await?;
    let id = f.id.clone().unwrap_or_default();
    let flow_type = f.flow_type.unwrap_or(FlowType::InboundCall);
    let consumers = if flow_type.is_module() {
        client.consuming_resources(&id, args.filter.into()).await?
    } else {
        Vec::new()
    };
    let version = described_version(&f);
    let consumes = match version {
        Some(v) => client.consumed_resources(&id, flow_type, v).await?,
        None => Vec::new(),
    };
    if output == Output::Json {
        return print_json(&json!({
            "flow": {"id": id, "name": f.name, "type": flow_type,
                     "publishedVersion": f.published_version.as_ref().and_then(|v| v.id.clone())},
            "consumers": consumers,
            "consumes": consumes,
        }));
    }
    let published = f.published_version.as_ref().and_then(|v| v.id.clone());
    let mut s = format!(
        "'{}' ({}, published {})\n",
        f.name.clone().unwrap_or_default(),
        flow_type,
        published.as_deref().unwrap_or("-")
    );
    if flow_type.is_module() {
        s.push_str(&format!(
            "\ncalled by {} flow version(s):\n",
            consumers.len()
        ));
        if !consumers.is_empty() {
            let mut t = Table::new(&["NAME", "TYPE", "VERSION", "BINDING", "ID"]);
            for d in &consumers {
                t.row(vec![
                    d.name.clone().unwrap_or_default(),
                    d.object_type.clone().unwrap_or_default(),
                    d.version.clone().unwrap_or_default(),
                    binding(d, published.as_deref()),
                    d.id.clone().unwrap_or_default(),
                ]);
            }
            s.push_str(&t.render());
        }
    }
    s.push_str(&format!(
        "\nversion {} calls {} module(s):\n",
        version
            .map(|v| format!("{v}.0"))
            .unwrap_or_else(|| "-".into()),
        consumes.len()
    ));
    if !consumes.is_empty() {
        let mut t = Table::new(&["MODULE", "RUNS", "BINDING", "ID"]);
        for d in &consumes {
            t.row(vec![
                d.name.clone().unwrap_or_default(),
                d.version.clone().unwrap_or_default(),
                match &d.pinned_version {
                    Some(p) => format!("pinned {p}"),
                    None => "floating".into(),
                },
                d.id.clone().unwrap_or_default(),
            ]);
        }
        s.push_str(&t.render());
    }
    Ok(print(&s)?)
}

/// One call edge of the organization's graph.
struct Edge {
    from: String,
    to: String,
    label: String,
}

/// Nodes (id → (name, object type)) that take part in a call, and the calls.
fn graph(objects: &[DependencyObject]) -> (BTreeMap<String, (String, String)>, Vec<Edge>) {
    let known: BTreeMap<String, (String, String)> = objects
        .iter()
        .filter_map(|o| {
            Some((
                o.id.clone()?,
                (
                    o.name.clone().unwrap_or_default(),
                    o.object_type.clone().unwrap_or_default(),
                ),
            ))
        })
        .collect();
    let mut nodes = BTreeMap::new();
    let mut edges = Vec::new();
    for o in objects {
        let Some(from) = o.id.clone() else { continue };
        for d in o.consumed_resources.iter().flatten() {
            let Some(to) = d.id.clone() else { continue };
            let label = match &d.pinned_version {
                Some(p) => format!("pinned {p}"),
                None => "floating".into(),
            };
            for (id, fallback) in [(&from, o), (&to, o)] {
                let entry = known.get(id).cloned().unwrap_or_else(|| {
                    if id == &to {
                        (
                            d.name.clone().unwrap_or_default(),
                            d.object_type.clone().unwrap_or_default(),
                        )
                    } else {
                        (
                            fallback.name.clone().unwrap_or_default(),
                            fallback.object_type.clone().unwrap_or_default(),
                        )
                    }
                });
                nodes.insert(id.clone(), entry);
            }
            edges.push(Edge {
                from: from.clone(),
                to,
                label,
            });
        }
    }
    (nodes, edges)
}

fn is_module(object_type: &str) -> bool {
    object_type.eq_ignore_ascii_case("COMMONMODULEFLOW")
}

/// Graphviz DOT: flows as boxes, modules as ellipses, one edge per call labelled with its
/// binding.
pub fn dot(objects: &[DependencyObject]) -> String {
    let (nodes, edges) = graph(objects);
    let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut s = String::from("digraph flowlink {\n  rankdir=LR;\n");
    for (id, (name, t)) in &nodes {
        let shape = if is_module(t) { "ellipse" } else { "box" };
        s.push_str(&format!(
            "  \"{}\" [label=\"{}\\n{}\", shape={shape}];\n",
            q(id),
            q(name),
            q(t)
        ));
    }
    for e in &edges {
        s.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
            q(&e.from),
            q(&e.to),
            q(&e.label)
        ));
    }
    s.push_str("}\n");
    s
}

/// A Mermaid flowchart: flows as rectangles, modules as stadiums, calls labelled with their
/// binding.
pub fn mermaid(objects: &[DependencyObject]) -> String {
    let (nodes, edges) = graph(objects);
    let key: BTreeMap<&String, String> = nodes
        .keys()
        .enumerate()
        .map(|(i, id)| (id, format!("n{i}")))
        .collect();
    let q = |s: &str| s.replace('"', "#quot;");
    let mut s = String::from("flowchart LR\n");
    for (id, (name, t)) in &nodes {
        let k = &key[id];
        if is_module(t) {
            s.push_str(&format!("  {k}([\"{}\"])\n", q(name)));
        } else {
            s.push_str(&format!("  {k}[\"{}\"]\n", q(name)));
        }
    }
    for e in &edges {
        s.push_str(&format!(
            "  {} -->|{}| {}\n",
            key[&e.from],
            q(&e.label),
            key[&e.to]
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(
        id: &str,
        name: &str,
        t: &str,
        calls: &[(&str, &str, Option<&str>)],
    ) -> DependencyObject {
        DependencyObject {
            id: Some(id.into()),
            name: Some(name.into()),
            object_type: Some(t.into()),
            consumed_resources: Some(
                calls
                    .iter()
                    .map(|(id, name, pin)| Dependency {
                        id: Some((*id).into()),
                        name: Some((*name).into()),
                        object_type: Some("COMMONMODULEFLOW".into()),
                        pinned_version: pin.map(str::to_string),
                        floating: Some(pin.is_none()),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn org() -> Vec<DependencyObject> {
        vec![
            object(
                "a",
                "Main \"IVR\"",
                "INBOUNDCALLFLOW",
                &[("m", "Auth", None)],
            ),
            object(
                "b",
                "Sales",
                "INBOUNDCALLFLOW",
                &[("m", "Auth", Some("1.0"))],
            ),
            object("m", "Auth", "COMMONMODULEFLOW", &[]),
            object("x", "Lonely", "INBOUNDCALLFLOW", &[]),
        ]
    }

    #[test]
    fn dot_draws_calls_with_their_bindings() {
        let d = dot(&org());
        assert!(d.starts_with("digraph flowlink {"), "{d}");
        assert!(
            d.contains("\"a\" [label=\"Main \\\"IVR\\\"\\nINBOUNDCALLFLOW\", shape=box];"),
            "{d}"
        );
        assert!(
            d.contains("\"m\" [label=\"Auth\\nCOMMONMODULEFLOW\", shape=ellipse];"),
            "{d}"
        );
        assert!(d.contains("\"a\" -> \"m\" [label=\"floating\"];"), "{d}");
        assert!(d.contains("\"b\" -> \"m\" [label=\"pinned 1.0\"];"), "{d}");
        assert!(
            !d.contains("Lonely"),
            "flows without calls are left out: {d}"
        );
    }

    #[test]
    fn mermaid_draws_calls_with_their_bindings() {
        let m = mermaid(&org());
        assert_eq!(
            m,
            "flowchart LR\n  n0[\"Main #quot;IVR#quot;\"]\n  n1[\"Sales\"]\n  n2([\"Auth\"])\n  \
             n0 -->|floating| n2\n  n1 -->|pinned 1.0| n2\n"
        );
    }

    #[test]
    fn bindings_say_when_a_pin_is_behind() {
        let pinned = Dependency {
            pinned_version: Some("1.0".into()),
            ..Default::default()
        };
        assert_eq!(binding(&pinned, Some("2.0")), "pinned 1.0 (behind 2.0)");
        assert_eq!(binding(&pinned, Some("1.0")), "pinned 1.0");
        assert_eq!(
            binding(&Dependency::default(), Some("2.0")),
            "floating (runs 2.0)"
        );
    }
}
