//! Outcomes a node produces at run time and how they pick an edge.

use std::borrow::Cow;

use flowlink_model::{Node, Outcome};

/// An outcome as produced, borrowing DTMF digits from the simulation (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Out<'a> {
    Default,
    Success,
    True,
    False,
    Timeout,
    NoMatch,
    Dtmf(&'a str),
    /// An Archy output path that is not taken as a failure: `failure` of `collectInput`.
    Failure,
    /// An Archy output or branch by name (`found`, `open`, `@evaluate.firstTrue.cases.0.case`).
    Named(&'a str),
}

impl Out<'_> {
    fn is(self, outcome: &Outcome) -> bool {
        match (self, outcome) {
            (Out::Default, Outcome::Default)
            | (Out::Success, Outcome::Success)
            | (Out::True, Outcome::True)
            | (Out::False, Outcome::False)
            | (Out::Timeout, Outcome::Timeout)
            | (Out::NoMatch, Outcome::NoMatch) => true,
            (Out::Dtmf(a), Outcome::Dtmf(b)) => a == b,
            (Out::Failure, Outcome::Failure) => true,
            (Out::Named(a), Outcome::Named(b)) => a == b,
            _ => false,
        }
    }

    /// Wire spelling, as on edges.
    pub(crate) fn wire(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Out::Default => "default",
            Out::Success => "success",
            Out::True => "true",
            Out::False => "false",
            Out::Timeout => "timeout",
            Out::NoMatch => "noMatch",
            Out::Dtmf(d) => return Cow::Owned(format!("dtmf:{d}")),
            Out::Failure => "failure",
            Out::Named(n) => return Cow::Owned(n.to_string()),
        })
    }
}

/// The edge an outcome takes: the edge of that type, else the node's `default` edge (so
/// `success`, `noMatch`, `timeout`... without their own edge continue along `default`).
/// `None` ends the frame.
pub(crate) fn find_edge<'n>(node: &'n Node, out: Out<'_>) -> Option<(&'n Outcome, usize)> {
    let exact = node.next.iter().find(|(o, _)| out.is(o));
    exact
        .or_else(|| node.next.iter().find(|(o, _)| *o == Outcome::Default))
        .map(|(o, target)| (o, *target))
}

/// The node's `failure` edge, which failures take before any error handling.
pub(crate) fn failure_edge(node: &Node) -> Option<(&Outcome, usize)> {
    node.next
        .iter()
        .find(|(o, _)| *o == Outcome::Failure)
        .map(|(o, t)| (o, *t))
}

/// Whether the node has a `dtmf:<digits>` edge.
pub(crate) fn has_dtmf(node: &Node, digits: &str) -> bool {
    node.next
        .iter()
        .any(|(o, _)| matches!(o, Outcome::Dtmf(d) if d == digits))
}
