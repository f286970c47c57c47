//! OAuth scopes (SPEC §7): which scopes exist, which broader scope implies which narrower
//! ones, and which scopes would satisfy a requirement (for the 403 message).

use std::collections::BTreeSet;
use std::sync::Arc;

/// Everything, plus OAuth clients and force-unlock.
pub const ADMIN: &str = "admin";
/// All flow work.
pub const ARCHITECT: &str = "architect";
/// All flow reads.
pub const ARCHITECT_READONLY: &str = "architect:readonly";
pub const FLOW_READ: &str = "flow:flow:read";
pub const FLOW_WRITE: &str = "flow:flow:write";
pub const FLOW_DELETE: &str = "flow:flow:delete";
pub const MODULE_READ: &str = "flow:flowmodule:read";
pub const MODULE_WRITE: &str = "flow:flowmodule:write";
pub const ORG_READ: &str = "organization:read";

/// Every known scope, broadest first (the order 403 messages list them in).
pub const ALL: &[&str] = &[
    ADMIN,
    ARCHITECT,
    ARCHITECT_READONLY,
    FLOW_READ,
    FLOW_WRITE,
    FLOW_DELETE,
    MODULE_READ,
    MODULE_WRITE,
    ORG_READ,
];

/// The scopes a scope directly implies.
fn implies(scope: &str) -> &'static [&'static str] {
    match scope {
        ADMIN => &[ARCHITECT],
        ARCHITECT => &[
            ARCHITECT_READONLY,
            FLOW_READ,
            FLOW_WRITE,
            FLOW_DELETE,
            MODULE_READ,
            MODULE_WRITE,
            ORG_READ,
        ],
        ARCHITECT_READONLY => &[FLOW_READ, MODULE_READ, ORG_READ],
        _ => &[],
    }
}

/// Whether `scope` is one flowlink knows.
pub fn is_known(scope: &str) -> bool {
    ALL.contains(&scope)
}

/// A set of granted scopes closed under implication. Shared, not copied: every request's
/// principal is a clone of the cached one, and copying a set of strings was an allocation
/// per scope per request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(Arc<BTreeSet<String>>);

impl ScopeSet {
    /// The closure of `granted` under implication.
    pub fn from_granted<S: AsRef<str>>(granted: &[S]) -> Self {
        let mut set = BTreeSet::new();
        let mut todo: Vec<String> = granted.iter().map(|s| s.as_ref().to_string()).collect();
        while let Some(s) = todo.pop() {
            for child in implies(&s) {
                todo.push((*child).to_string());
            }
            set.insert(s);
        }
        ScopeSet(Arc::new(set))
    }

    /// Whether `scope` is granted, directly or through a broader one.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// Whether any of `needed` is granted.
    pub fn any(&self, needed: &[&str]) -> bool {
        needed.iter().any(|s| self.contains(s))
    }
}

/// Every known scope that would satisfy "any of `needed`", broadest first.
pub fn satisfying(needed: &[&str]) -> Vec<String> {
    ALL.iter()
        .filter(|s| ScopeSet::from_granted(&[**s]).any(needed))
        .map(|s| (*s).to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broader_scopes_imply_narrower() {
        let admin = ScopeSet::from_granted(&[ADMIN]);
        assert!(admin.contains(FLOW_WRITE) && admin.contains(ARCHITECT_READONLY));
        let ro = ScopeSet::from_granted(&[ARCHITECT_READONLY]);
        assert!(ro.contains(FLOW_READ) && !ro.contains(FLOW_WRITE));
        let w = ScopeSet::from_granted(&[FLOW_WRITE]);
        assert!(!w.contains(FLOW_READ));
    }

    #[test]
    fn satisfying_lists_broad_and_narrow() {
        assert_eq!(
            satisfying(&[MODULE_WRITE, FLOW_WRITE]),
            [ADMIN, ARCHITECT, FLOW_WRITE, MODULE_WRITE]
        );
    }
}
