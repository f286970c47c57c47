//! Where an Archy action is in its file: the canonical graph names Archy nodes by their path
//! (`tasks[0]/3/outputs.yes/0`, `menus[1]/choices.2`, `startUpTaskActions/0`), and this walks
//! the same path through the positioned YAML tree to the action's line. Pure; used only when a
//! coverage report is printed, so running cases never pays for it.

use flowlink_model::archy::yaml::{parse_yaml, YNode};

enum At<'a> {
    /// The fields of a task, state, bot or menu.
    Container(&'a YNode),
    /// A list of actions.
    List(&'a YNode),
    /// One action (`- actionType: {...}`).
    Action(&'a YNode),
}

/// The fields map of an action entry.
fn fields(action: &YNode) -> Option<&YNode> {
    action.entries().first().map(|(_, _, v)| v)
}

/// Follows a dot-joined path of keys and indexes (as the parser's `strip` writes them).
fn walk<'a>(mut node: &'a YNode, path: &str) -> Option<&'a YNode> {
    if path.is_empty() {
        return Some(node);
    }
    for part in path.split('.') {
        node = match part.parse::<usize>() {
            Ok(i) if !node.items().is_empty() => node.items().get(i)?,
            _ => node.get(part)?,
        };
    }
    Some(node)
}

/// The 1-based line of the node with id `id` in the Archy `text`, if the path resolves.
pub fn archy_line(text: &str, id: &str) -> Option<usize> {
    let doc = parse_yaml(text).ok()?;
    let body = doc.entries().first().map(|(_, _, v)| v)?;
    let mut parts = id.split('/');
    let first = parts.next()?;
    let mut at = match first.split_once('[') {
        Some((key, rest)) => {
            let i: usize = rest.strip_suffix(']')?.parse().ok()?;
            let entry = body.get(key)?.items().get(i)?;
            At::Container(fields(entry)?)
        }
        None => At::List(body.get(first)?),
    };
    let mut line = match &at {
        At::Container(n) | At::List(n) | At::Action(n) => n.start.line,
    };
    let rest: Vec<&str> = parts.collect();
    let mut i = 0;
    while i < rest.len() {
        let part = rest[i];
        at = match at {
            At::Container(f) => match part.strip_prefix("choices.") {
                Some(n) => At::Action(f.get("choices")?.items().get(n.parse::<usize>().ok()?)?),
                None => At::Action(f.get("actions")?.items().get(part.parse::<usize>().ok()?)?),
            },
            At::List(l) => At::Action(l.items().get(part.parse::<usize>().ok()?)?),
            At::Action(a) => {
                // An output path, then the index in its `actions` list.
                let holder = walk(fields(a)?, part)?;
                i += 1;
                let index: usize = rest.get(i)?.parse().ok()?;
                At::Action(holder.get("actions")?.items().get(index)?)
            }
        };
        if let At::Action(a) = &at {
            line = a.start.line;
        }
        i += 1;
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "inboundCall:
  name: Main
  startUpRef: ./menus/menu[Main_10]
  menus:
    - menu:
        name: Main
        refId: Main_10
        choices:
          - menuDisconnect:
              name: Bye
              dtmf: digit_1
          - menuJumpToTask:
              name: Help
              dtmf: digit_2
              targetTaskRef: ./tasks/task[Help_20]
  tasks:
    - task:
        name: Help
        refId: Help_20
        actions:
          - decision:
              name: Known?
              condition:
                exp: true
              outputs:
                yes:
                  actions:
                    - disconnect:
                        name: Done
";

    #[test]
    fn paths_lead_to_their_lines() {
        assert_eq!(archy_line(FLOW, "menus[0]"), Some(6));
        assert_eq!(archy_line(FLOW, "menus[0]/choices.1"), Some(12));
        assert_eq!(archy_line(FLOW, "tasks[0]/0"), Some(21));
        assert_eq!(archy_line(FLOW, "tasks[0]/0/outputs.yes/0"), Some(28));
        assert_eq!(archy_line(FLOW, "tasks[9]/0"), None);
    }
}
