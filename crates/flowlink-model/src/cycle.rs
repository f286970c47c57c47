//! Cycle detection over module calls (SPEC §4: a write that would create a cycle of module
//! calls is refused, naming the cycle). Iterative, so a long call chain cannot overflow the stack.

use std::collections::HashMap;

/// Most distinct modules explored; beyond this the search gives up (no organization has
/// that many modules, and an answer must come back in bounded time).
const MAX_VISITED: usize = 100_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// On the current depth-first path.
    OnPath,
    /// Fully explored: no cycle through it.
    Done,
}

/// Finds a cycle of module calls reachable from `start`. `callees(id)` returns the module ids
/// that module `id` calls in its current logic. The cycle comes back as a path of ids starting
/// and ending at the same id, e.g. `[A, B, A]` (a module calling itself gives `[A, A]`).
/// A cycle through `start` is reported from `start`; `None` means no cycle is reachable.
pub fn find_module_cycle(
    start: &str,
    callees: &dyn Fn(&str) -> Vec<String>,
) -> Option<Vec<String>> {
    let mut state: HashMap<String, State> = HashMap::new();
    // Each frame: the module, its callees, and the next callee to look at.
    let mut stack: Vec<(String, Vec<String>, usize)> = vec![(start.to_string(), callees(start), 0)];
    state.insert(start.to_string(), State::OnPath);
    while let Some(frame) = stack.last_mut() {
        let Some(callee) = frame.1.get(frame.2).cloned() else {
            state.insert(frame.0.clone(), State::Done);
            stack.pop();
            continue;
        };
        frame.2 += 1;
        match state.get(&callee) {
            Some(State::OnPath) => {
                let from = stack
                    .iter()
                    .position(|(id, _, _)| *id == callee)
                    .unwrap_or(0);
                let mut cycle: Vec<String> =
                    stack[from..].iter().map(|(id, _, _)| id.clone()).collect();
                cycle.push(callee);
                return Some(cycle);
            }
            Some(State::Done) => {}
            None => {
                if state.len() >= MAX_VISITED {
                    return None;
                }
                state.insert(callee.clone(), State::OnPath);
                let next = callees(&callee);
                stack.push((callee, next, 0));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> impl Fn(&str) -> Vec<String> {
        let map: HashMap<String, Vec<String>> = edges
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        move |id: &str| map.get(id).cloned().unwrap_or_default()
    }

    #[test]
    fn two_module_cycle_is_named_from_start() {
        let g = graph(&[("A", &["B"]), ("B", &["A"])]);
        assert_eq!(
            find_module_cycle("A", &g),
            Some(vec!["A".into(), "B".into(), "A".into()])
        );
    }

    #[test]
    fn self_call_is_a_cycle() {
        let g = graph(&[("A", &["A"])]);
        assert_eq!(
            find_module_cycle("A", &g),
            Some(vec!["A".into(), "A".into()])
        );
    }

    #[test]
    fn diamond_without_cycle_is_none() {
        let g = graph(&[("A", &["B", "C"]), ("B", &["D"]), ("C", &["D"]), ("D", &[])]);
        assert_eq!(find_module_cycle("A", &g), None);
    }

    #[test]
    fn long_cycle_returns_whole_path() {
        let g = graph(&[("A", &["X", "B"]), ("X", &[]), ("B", &["C"]), ("C", &["A"])]);
        assert_eq!(
            find_module_cycle("A", &g),
            Some(vec!["A".into(), "B".into(), "C".into(), "A".into()])
        );
    }

    #[test]
    fn cycle_not_through_start_is_still_found() {
        let g = graph(&[("A", &["B"]), ("B", &["C"]), ("C", &["B"])]);
        assert_eq!(
            find_module_cycle("A", &g),
            Some(vec!["B".into(), "C".into(), "B".into()])
        );
    }

    #[test]
    fn very_long_chain_does_not_overflow() {
        let chain = |id: &str| {
            let n: usize = id.parse().unwrap_or(0);
            if n < 50_000 {
                vec![(n + 1).to_string()]
            } else {
                vec!["0".to_string()]
            }
        };
        let cycle = find_module_cycle("0", &chain).expect("cycle back to 0");
        assert_eq!(cycle.len(), 50_002);
        assert_eq!(cycle.first(), cycle.last());
    }
}
