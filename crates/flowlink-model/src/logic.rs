//! Convenience queries on [`FlowLogic`] used by the server (dependency tracking) and engine.

use crate::graph::{Dialect, FlowLogic, Graph, ModuleCall, Node};

impl FlowLogic {
    /// Logic with no nodes: runs and returns at once.
    pub fn empty(dialect: Dialect) -> FlowLogic {
        FlowLogic {
            dialect,
            graph: Graph::default(),
            variables: Vec::new(),
        }
    }

    /// Every module-call node, in node order (Archy `callCommonModule` actions included).
    pub fn module_calls(&self) -> impl Iterator<Item = (&Node, &ModuleCall)> {
        self.graph
            .nodes
            .iter()
            .filter_map(|node| crate::archy::call_of(&node.kind).map(|call| (node, call)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::parse_definition;

    #[test]
    fn empty_logic_has_no_entry_and_no_calls() {
        let logic = FlowLogic::empty(Dialect::Actions);
        assert_eq!(
            (logic.dialect, logic.graph.entry, logic.graph.nodes.len()),
            (Dialect::Actions, None, 0)
        );
        assert_eq!(logic.module_calls().count(), 0);
    }

    #[test]
    fn module_calls_come_in_node_order_skipping_other_nodes() {
        let logic = parse_definition(&json!({
            "nodes": [
                {"id": "b", "type": "callFlow", "flow": {"id": "m2"}},
                {"id": "x", "type": "disconnect"},
                {"id": "a", "type": "flowModule", "settings": {"flowModuleId": "m1", "version": 1}}
            ],
            "edges": [{"source": "b", "target": "a"}, {"source": "a", "target": "x"}],
            "entry": {"nodeId": "b"}
        }))
        .expect("valid");
        let calls: Vec<(&str, &str, Option<u32>)> = logic
            .module_calls()
            .map(|(n, c)| (n.id.as_str(), c.module_id.as_str(), c.version))
            .collect();
        assert_eq!(calls, vec![("b", "m2", None), ("a", "m1", Some(1))]);
    }
}
