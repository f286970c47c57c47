//! Coverage: which actions of each flow and module ran, and which outgoing paths (menu choices,
//! decision and switch branches, success/failure/timeout of data actions and module calls,
//! schedule outcomes, lookups, loop exits) some case took. Counted from the trace steps the
//! engine records anyway (each names its flow, node, outcome and edge), so the engine needs
//! nothing extra; runs without `--coverage` keep the trace off when no expectation needs it.
//! A module's coverage sums over every flow's cases.

use std::collections::HashMap;

use flowlink_api::trace::TraceStep;
use flowlink_model::archy::ArchyOp;
use flowlink_model::{Node, NodeKind, Outcome};
use serde::Serialize;

use crate::flows::FlowEntry;
use crate::locate::archy_line;

/// The outgoing paths a node can take, by their wire label (`true`, `dtmf:2`, `found`, ...).
pub fn paths_of(node: &Node) -> Vec<String> {
    let explicit = || -> Vec<String> {
        node.next
            .iter()
            .filter(|(o, _)| *o != Outcome::Default)
            .map(|(o, _)| o.as_wire())
            .collect()
    };
    let with = |fixed: &[&str]| -> Vec<String> {
        let mut out: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        for e in explicit() {
            if !out.contains(&e) {
                out.push(e);
            }
        }
        out
    };
    let core = |kind: &NodeKind| -> Option<Vec<String>> {
        Some(match kind {
            NodeKind::Decision { .. } => with(&["true", "false"]),
            NodeKind::DataAction { .. } | NodeKind::CallModule(_) => with(&["success", "failure"]),
            NodeKind::CollectInput { .. } => {
                let mut p = explicit();
                p.push("timeout".into());
                p.dedup();
                p
            }
            _ => return None,
        })
    };
    match &node.kind {
        NodeKind::Archy(a) => match &a.op {
            ArchyOp::Core(kind) => core(kind).unwrap_or_default(),
            ArchyOp::Menu { .. } => explicit(),
            ArchyOp::Switch { default_edge, .. } => {
                let mut p = explicit();
                if default_edge.is_none() {
                    p.push("default".into());
                }
                p
            }
            ArchyOp::Loop { .. } => with(&["loop", "default"]),
            ArchyOp::CollectInput { .. } => with(&["success", "failure"]),
            ArchyOp::DataTableLookup { .. } | ArchyOp::FindQueue { .. } => {
                with(&["found", "notFound"])
            }
            ArchyOp::EvaluateScheduleGroup { .. } => with(&["open", "closed", "holiday"]),
            _ => Vec::new(),
        },
        other => core(other).unwrap_or_default(),
    }
}

/// Whether a node counts as an action (the Archy document node never runs).
fn counted(node: &Node) -> bool {
    !matches!(&node.kind, NodeKind::Archy(a) if matches!(a.op, ArchyOp::Flow))
}

/// A path's label and the id of the node its edge leads to, if it has an edge.
type Path = (String, Option<String>);

/// Lookup from trace ids to nodes, built once per run and shared by the workers.
#[derive(Debug, Clone, Default)]
pub struct CoverageIndex {
    flows: HashMap<String, (usize, HashMap<String, usize>)>,
    /// Per flow, per node: each path's label and the id of the node its edge leads to (menus
    /// record the choice they jump to, not an outcome).
    paths: Vec<Vec<Vec<Path>>>,
}

impl CoverageIndex {
    /// The index of `flows` (coverage is counted over exactly these).
    pub fn new(flows: &[FlowEntry]) -> Self {
        let mut index = CoverageIndex::default();
        for (i, f) in flows.iter().enumerate() {
            let nodes = f
                .logic
                .graph
                .nodes
                .iter()
                .enumerate()
                .map(|(n, node)| (node.id.clone(), n))
                .collect();
            index.flows.insert(f.id.clone(), (i, nodes));
            let nodes = &f.logic.graph.nodes;
            index.paths.push(
                nodes
                    .iter()
                    .map(|node| {
                        paths_of(node)
                            .into_iter()
                            .map(|label| {
                                let target = node
                                    .next
                                    .iter()
                                    .find(|(o, _)| o.as_wire() == label)
                                    .and_then(|(_, t)| nodes.get(*t))
                                    .map(|n| n.id.clone());
                                (label, target)
                            })
                            .collect()
                    })
                    .collect(),
            );
        }
        index
    }

    /// An empty tally shaped like the index.
    pub fn tally(&self) -> Tally {
        Tally {
            ran: self
                .paths
                .iter()
                .map(|nodes| vec![false; nodes.len()])
                .collect(),
            taken: self
                .paths
                .iter()
                .map(|nodes| nodes.iter().map(|p| vec![false; p.len()]).collect())
                .collect(),
            touched: vec![false; self.paths.len()],
        }
    }
}

/// What ran, per flow, per node (and per path of each node).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    ran: Vec<Vec<bool>>,
    taken: Vec<Vec<Vec<bool>>>,
    /// Flows some case ran in (as the flow under test or as a module).
    touched: Vec<bool>,
}

impl Tally {
    /// Counts one call's steps.
    pub fn record(&mut self, index: &CoverageIndex, steps: &[TraceStep]) {
        for step in steps {
            let Some((f, nodes)) = index.flows.get(&step.flow_id) else {
                continue;
            };
            let Some(&n) = nodes.get(&step.node_id) else {
                continue;
            };
            self.touched[*f] = true;
            self.ran[*f][n] = true;
            let paths = &index.paths[*f][n];
            let jumped = step.edge.as_deref() == Some("goto");
            for (p, (label, target)) in paths.iter().enumerate() {
                if step.outcome.as_deref() == Some(label)
                    || step.edge.as_deref() == Some(label)
                    || (jumped && target.is_some() && step.next == *target)
                {
                    self.taken[*f][n][p] = true;
                }
            }
        }
    }

    /// Marks a flow as under test even if no case reached any of its nodes.
    pub fn touch(&mut self, flow: usize) {
        if let Some(t) = self.touched.get_mut(flow) {
            *t = true;
        }
    }

    /// Adds another worker's tally.
    pub fn merge(&mut self, other: &Tally) {
        fn or(a: &mut [bool], b: &[bool]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x |= *y;
            }
        }
        or(&mut self.touched, &other.touched);
        for (a, b) in self.ran.iter_mut().zip(&other.ran) {
            or(a, b);
        }
        for (fa, fb) in self.taken.iter_mut().zip(&other.taken) {
            for (a, b) in fa.iter_mut().zip(fb) {
                or(a, b);
            }
        }
    }

    /// The report over the flows some case touched, in the set's order.
    pub fn report(&self, index: &CoverageIndex, flows: &[FlowEntry]) -> CoverageReport {
        let mut out = Vec::new();
        let (mut covered, mut total) = (0usize, 0usize);
        for (f, flow) in flows.iter().enumerate() {
            if !self.touched.get(f).copied().unwrap_or(false) {
                continue;
            }
            let place = |node: &Node| -> String {
                match &flow.archy_text {
                    Some(text) => archy_line(text, &node.id)
                        .map_or_else(|| format!("node {}", node.id), |l| format!("line {l}")),
                    None => format!("node {}", node.id),
                }
            };
            let label = |node: &Node| -> String {
                if node.name.is_empty() {
                    node.type_name.clone()
                } else {
                    format!("{} '{}'", node.type_name, node.name)
                }
            };
            let mut fc = FlowCoverage {
                flow: flow.name.clone(),
                file: flow.file.clone(),
                module: flow.flow_type.is_module(),
                actions: 0,
                actions_run: 0,
                paths: 0,
                paths_taken: 0,
                percent: 0.0,
                missed_actions: Vec::new(),
                missed_paths: Vec::new(),
            };
            for (n, node) in flow.logic.graph.nodes.iter().enumerate() {
                if !counted(node) {
                    continue;
                }
                fc.actions += 1;
                if self.ran[f][n] {
                    fc.actions_run += 1;
                } else {
                    fc.missed_actions.push(Missed {
                        action: label(node),
                        place: place(node),
                        path: None,
                    });
                }
                for (p, (path, _)) in index.paths[f][n].iter().enumerate() {
                    fc.paths += 1;
                    if self.taken[f][n][p] {
                        fc.paths_taken += 1;
                    } else {
                        fc.missed_paths.push(Missed {
                            action: label(node),
                            place: place(node),
                            path: Some(path.clone()),
                        });
                    }
                }
            }
            let (c, t) = (fc.actions_run + fc.paths_taken, fc.actions + fc.paths);
            fc.percent = percent(c, t);
            covered += c;
            total += t;
            out.push(fc);
        }
        CoverageReport {
            percent: percent(covered, total),
            flows: out,
        }
    }
}

fn percent(covered: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        // One decimal, so the JSON and the text agree.
        (covered as f64 * 1000.0 / total as f64).floor() / 10.0
    }
}

/// An action that never ran, or a path of an action that no case took.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Missed {
    /// `callData 'Get balance'`.
    pub action: String,
    /// `line 42` (Archy) or `node <id>` (JSON dialects).
    pub place: String,
    /// The path not taken (`dtmf:3`, `failure`); absent for an action that never ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One flow's or module's coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowCoverage {
    pub flow: String,
    pub file: String,
    pub module: bool,
    pub actions: usize,
    pub actions_run: usize,
    pub paths: usize,
    pub paths_taken: usize,
    /// (actions run + paths taken) / (actions + paths), in percent, one decimal.
    pub percent: f64,
    pub missed_actions: Vec<Missed>,
    pub missed_paths: Vec<Missed>,
}

/// The coverage of a run: per flow and module, and in total.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageReport {
    pub percent: f64,
    pub flows: Vec<FlowCoverage>,
}

impl CoverageReport {
    /// Several reports (one per flow folder) as one, the total over all their flows.
    pub fn combine(reports: Vec<CoverageReport>) -> CoverageReport {
        let flows: Vec<FlowCoverage> = reports.into_iter().flat_map(|r| r.flows).collect();
        let covered = flows.iter().map(|f| f.actions_run + f.paths_taken).sum();
        let total = flows.iter().map(|f| f.actions + f.paths).sum();
        CoverageReport {
            percent: percent(covered, total),
            flows,
        }
    }

    /// The human-readable report.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for f in &self.flows {
            let kind = if f.module { "module" } else { "flow" };
            s.push_str(&format!(
                "{kind} '{}' ({}): {:.1}% — actions {}/{}, paths {}/{}\n",
                f.flow, f.file, f.percent, f.actions_run, f.actions, f.paths_taken, f.paths
            ));
            for m in &f.missed_actions {
                s.push_str(&format!("  not run:   {} ({})\n", m.action, m.place));
            }
            for m in &f.missed_paths {
                s.push_str(&format!(
                    "  not taken: {} → {} ({})\n",
                    m.action,
                    m.path.as_deref().unwrap_or(""),
                    m.place
                ));
            }
        }
        s.push_str(&format!("coverage: {:.1}%\n", self.percent));
        s
    }
}
