//! The organization's module graph as a picture: flows and modules as boxes, an arrow from
//! each consumer to each module it calls, labelled `floating` or with its pinned version; a
//! pin older than the module's published version is marked stale. Consumers land left of
//! the modules they call (longest-path layering), so a module's callers line up before it.

use crate::layout::layout;
use crate::svg::{draw, BoxSpec, EdgeSpec};

/// A flow or module in the picture.
#[derive(Debug, Clone)]
pub struct DepNode {
    /// Goes to `data-node`.
    pub id: String,
    pub name: String,
    /// The flow type as shown (`inbound call`, `common module`, ...).
    pub kind: String,
    pub is_module: bool,
    /// Where clicking the box leads.
    pub href: Option<String>,
}

/// One call edge: `consumer` calls `module`.
#[derive(Debug, Clone)]
pub struct DepEdge {
    /// Indices into [`DepGraph::nodes`].
    pub consumer: usize,
    pub module: usize,
    /// `None`: floating (the published version at call time).
    pub pinned: Option<u32>,
    /// The pin is older than the module's published version.
    pub stale: bool,
}

/// Flows, modules and the calls between them.
#[derive(Debug, Clone, Default)]
pub struct DepGraph {
    pub nodes: Vec<DepNode>,
    pub edges: Vec<DepEdge>,
}

/// The SVG picture of `graph`; `focus` (a node index) is drawn highlighted, with its edges.
pub fn dependency_picture(graph: &DepGraph, focus: Option<usize>) -> String {
    let pairs: Vec<(usize, usize)> = graph.edges.iter().map(|e| (e.consumer, e.module)).collect();
    // Roots: the flows nobody calls, so they fill the first layer.
    let mut called = vec![false; graph.nodes.len()];
    for &(_, m) in &pairs {
        if let Some(c) = called.get_mut(m) {
            *c = true;
        }
    }
    let roots: Vec<usize> = (0..graph.nodes.len()).filter(|&i| !called[i]).collect();
    let laid = layout(graph.nodes.len(), &pairs, &roots);
    let boxes: Vec<BoxSpec> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut class = if n.is_module { "k-call" } else { "k-flow" }.to_string();
            if focus == Some(i) {
                class.push_str(" focus");
            }
            BoxSpec {
                key: n.id.clone(),
                title: n.name.clone(),
                subtitle: n.kind.clone(),
                class,
                href: n.href.clone(),
            }
        })
        .collect();
    let specs: Vec<EdgeSpec> = graph
        .edges
        .iter()
        .map(|e| {
            let mut class = match (e.pinned, e.stale) {
                (None, _) => "floating".to_string(),
                (Some(_), false) => "pinned".to_string(),
                (Some(_), true) => "pinned stale".to_string(),
            };
            if focus.is_some_and(|f| f == e.module || f == e.consumer) {
                class.push_str(" focus");
            }
            let label = match (e.pinned, e.stale) {
                (None, _) => "floating".to_string(),
                (Some(v), false) => format!("pinned v{v}"),
                (Some(v), true) => format!("v{v} stale"),
            };
            EdgeSpec { label, class }
        })
        .collect();
    draw(&laid, &boxes, &specs, "deps")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, module: bool) -> DepNode {
        DepNode {
            id: id.into(),
            name: id.into(),
            kind: if module { "module" } else { "inbound" }.into(),
            is_module: module,
            href: Some(format!("/console/modules/{id}")),
        }
    }

    #[test]
    fn stale_pins_and_floating_calls_are_marked() {
        let g = DepGraph {
            nodes: vec![node("f1", false), node("f2", false), node("m", true)],
            edges: vec![
                DepEdge {
                    consumer: 0,
                    module: 2,
                    pinned: None,
                    stale: false,
                },
                DepEdge {
                    consumer: 1,
                    module: 2,
                    pinned: Some(1),
                    stale: true,
                },
            ],
        };
        let svg = dependency_picture(&g, Some(2));
        assert!(svg.contains("edge floating"));
        assert!(svg.contains("edge pinned stale"));
        assert!(svg.contains("v1 stale"));
        assert!(svg.contains("k-call focus"));
    }
}
