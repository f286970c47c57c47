//! Flow logic on the wire: which dialect a flow is written in ([`Dialect`]) and the logic
//! itself as it travels in a `Flow`/`FlowWrite` ([`WireLogic`]), with the one function that
//! turns it into a write body ([`WireLogic::into_write`]).
//!
//! The dialect lives here, at the bottom of the crate graph, so the store (which records it),
//! the model (which parses it) and the server and client (which carry it) share one type.

use serde_json::Value;

use crate::flow::FlowWrite;

/// The wire dialect a flow's logic is written in; a flow answers in the one it was last
/// written in.
///
/// Adding a dialect: a variant here, its spelling in [`Dialect::as_str`] and an entry in
/// [`Dialect::ALL`] (the round-trip test fails without it); then every exhaustive `match` on
/// it in the workspace names what else needs deciding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Seed 000: `definition: {nodes, edges, entry, variables}`.
    Graph,
    /// Seed 001: `actions: [...]` (+ `variables`), run top to bottom.
    Actions,
    /// Archy YAML (SPEC §9): flows as code, kept as written.
    Archy,
}

impl Dialect {
    /// Every dialect, in the order they were added.
    pub const ALL: [Dialect; 3] = [Dialect::Graph, Dialect::Actions, Dialect::Archy];

    /// The spelling in storage and messages (`graph`, `actions`, `archy`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Graph => "graph",
            Dialect::Actions => "actions",
            Dialect::Archy => "archy",
        }
    }

    /// Parses [`Dialect::as_str`]'s spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Dialect::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A flow's logic as it travels on the wire: the side of the dialect it is written in.
#[derive(Debug, Clone, PartialEq)]
pub enum WireLogic {
    /// The graph dialect `definition` object.
    Graph(Value),
    /// The action-list dialect `actions` array.
    Actions(Vec<Value>),
}

impl WireLogic {
    /// Which dialect this is.
    pub fn dialect(&self) -> Dialect {
        match self {
            WireLogic::Graph(_) => Dialect::Graph,
            WireLogic::Actions(_) => Dialect::Actions,
        }
    }

    /// The write body (`PUT`/`POST`) carrying this logic: its dialect's side only, so a
    /// server switches dialects cleanly, and nothing else.
    pub fn into_write(self) -> FlowWrite {
        match self {
            WireLogic::Graph(def) => FlowWrite {
                definition: Some(def),
                ..Default::default()
            },
            WireLogic::Actions(a) => FlowWrite {
                actions: Some(Value::Array(a)),
                ..Default::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_dialect_round_trips_its_spelling() {
        for d in Dialect::ALL {
            assert_eq!(Dialect::parse(d.as_str()), Some(d));
        }
        assert_eq!(Dialect::parse("Graph"), None);
    }

    #[test]
    fn a_write_body_carries_only_its_own_side() {
        let w = WireLogic::Graph(json!({"nodes": []})).into_write();
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            json!({"definition": {"nodes": []}})
        );
        let w = WireLogic::Actions(vec![json!({"type": "disconnect"})]).into_write();
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            json!({"actions": [{"type": "disconnect"}]})
        );
    }
}
