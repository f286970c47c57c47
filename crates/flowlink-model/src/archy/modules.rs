//! Module calls by name (Archy `callCommonModule` names its module; the JSON dialects use ids):
//! listing the names still unbound and binding them to ids.

use std::collections::BTreeSet;

use super::node::ArchyOp;
use crate::graph::{FlowLogic, ModuleCall, NodeKind};

/// The module call a node makes, looking inside Archy nodes.
pub(crate) fn call_of(kind: &NodeKind) -> Option<&ModuleCall> {
    match kind {
        NodeKind::CallModule(call) => Some(call),
        NodeKind::Archy(a) => match &a.op {
            ArchyOp::Core(NodeKind::CallModule(call)) => Some(call),
            _ => None,
        },
        _ => None,
    }
}

fn call_of_mut(kind: &mut NodeKind) -> Option<&mut ModuleCall> {
    match kind {
        NodeKind::CallModule(call) => Some(call),
        NodeKind::Archy(a) => match &mut a.op {
            ArchyOp::Core(NodeKind::CallModule(call)) => Some(call),
            _ => None,
        },
        _ => None,
    }
}

impl FlowLogic {
    /// Distinct module names called by name and not yet bound (empty `module_id`).
    pub fn unbound_module_names(&self) -> BTreeSet<String> {
        self.graph
            .nodes
            .iter()
            .filter_map(|n| call_of(&n.kind))
            .filter(|c| c.module_id.is_empty())
            .filter_map(|c| c.module_name.clone())
            .collect()
    }

    /// Sets `module_id` of every by-name call from `lookup(name)`; `Err` lists the names with no
    /// module (sorted, distinct); calls that did resolve are bound either way.
    pub fn bind_module_names(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), Vec<String>> {
        let mut missing = BTreeSet::new();
        for node in &mut self.graph.nodes {
            let Some(call) = call_of_mut(&mut node.kind) else {
                continue;
            };
            let Some(name) = call.module_name.as_deref() else {
                continue;
            };
            match lookup(name) {
                Some(id) => call.module_id = id,
                None => {
                    missing.insert(name.to_string());
                }
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing.into_iter().collect())
        }
    }
}
