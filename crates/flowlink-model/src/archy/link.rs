//! Linking a module into an Archy file and unlinking it, as text edits that leave every other
//! byte as it was (SPEC §9): the parsed tree's positions say where the startup task's first
//! action starts and where a call's lines begin and end; the inserted action copies the
//! indentation the file already uses there, and the line ending.

use super::parse::{parse_archy, CONTAINER_KEYS};
use super::yaml::{parse_yaml, quote_if_needed, YNode, YValue};
use super::ArchyError;

/// Inserts one floating `callCommonModule` of `module_name` (no inputs) as the first action of
/// the startup task (`startUpRef`) or of `startUpTaskActions`; `Ok(None)` when that list
/// already calls the module.
pub fn link_archy(text: &str, module_name: &str) -> Result<Option<String>, ArchyError> {
    // The text is read once as YAML here and once as a flow after the edit (which validates the
    // whole file): linking many flows stays close to the cost of reading them.
    let doc = parse_yaml(text)?;
    let (root_key, body) = root(&doc)?;
    let list = startup_list(root_key, body)?;
    if list
        .items()
        .iter()
        .any(|item| calls_module(item, module_name))
    {
        return Ok(None);
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let quoted = quote_if_needed(module_name);
    let new_text = match list.items().first() {
        Some(first) => {
            let dash = dash_offset(text, first.start.offset).ok_or_else(|| {
                ArchyError::at(
                    first.start,
                    None,
                    "the startup actions are a flow-style list ([...]); link needs a block list",
                )
            })?;
            let line_start = text[..dash].rfind('\n').map_or(0, |i| i + 1);
            let indent = &text[line_start..dash];
            if !indent.chars().all(|c| c == ' ') {
                return Err(ArchyError::at(
                    first.start,
                    None,
                    "the first startup action does not start its own line",
                ));
            }
            // Where the item's content starts: its first key (a map's own start may sit on the dash).
            let content_at = first
                .entries()
                .first()
                .map_or(first.start.offset, |(_, k, _)| k.offset);
            let gap = " ".repeat(content_at.saturating_sub(dash).max(1));
            let step = child_step(first);
            let content = format!("{indent}{gap}");
            let dash_line = format!("{indent}-{}", &gap[1..]);
            let action = call_text(&dash_line, &content, &step, &quoted, module_name, eol);
            format!("{}{}{}", &text[..line_start], action, &text[line_start..])
        }
        None => {
            // An empty list: `actions: []` (flow style) becomes a block list with the call.
            let span = &text[list.start.offset..list.end.offset.min(text.len())];
            if !span.trim_start().starts_with('[') {
                return Err(ArchyError::at(
                    list.start,
                    None,
                    "the startup task has no actions list to link into",
                ));
            }
            let key_line_start = text[..list.start.offset].rfind('\n').map_or(0, |i| i + 1);
            let key_indent: String = text[key_line_start..]
                .chars()
                .take_while(|c| *c == ' ')
                .collect();
            let indent = format!("{key_indent}  ");
            let content = format!("{indent}  ");
            let action = call_text(
                &format!("{indent}- "),
                &content,
                "  ",
                &quoted,
                module_name,
                eol,
            );
            let close = text[list.start.offset..]
                .find(']')
                .map(|i| list.start.offset + i + 1)
                .unwrap_or(list.end.offset);
            let action = action.trim_end_matches(['\r', '\n']);
            format!(
                "{}{eol}{}{}",
                text[..list.start.offset].trim_end_matches(' '),
                action,
                &text[close..]
            )
        }
    };
    // The edited file must read as a flow that calls the module.
    let linked = parse_archy(&new_text)?;
    if !linked.logic.unbound_module_names().contains(module_name) {
        return Err(ArchyError::file(
            "internal: the linked text does not call the module",
        ));
    }
    Ok(Some(new_text))
}

/// Removes every `callCommonModule` action of `module_name` (anywhere in the file); `Ok(None)`
/// when there is none.
pub fn unlink_archy(text: &str, module_name: &str) -> Result<Option<String>, ArchyError> {
    parse_archy(text)?;
    let doc = parse_yaml(text)?;
    let mut ranges = Vec::new();
    collect_calls(text, &doc, module_name, &mut ranges)?;
    if ranges.is_empty() {
        return Ok(None);
    }
    ranges.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        at = end;
    }
    out.push_str(&text[at..]);
    parse_archy(&out)?;
    Ok(Some(out))
}

fn root(doc: &YNode) -> Result<(&str, &YNode), ArchyError> {
    match doc.entries().first() {
        Some((k, _, body)) => Ok((k.as_str(), body)),
        None => Err(ArchyError::at(doc.start, None, "not an Archy file")),
    }
}

/// The action list the startup runs first.
fn startup_list<'d>(root_key: &str, body: &'d YNode) -> Result<&'d YNode, ArchyError> {
    if let Some(r) = body.get("startUpRef") {
        let text = r.as_str().unwrap_or_default();
        let rest = text
            .strip_prefix(&format!("/{root_key}/"))
            .or_else(|| text.strip_prefix("./"))
            .unwrap_or(text);
        let found = rest.split_once('/').and_then(|(key, item)| {
            let (item_type, ref_id) = item.split_once('[')?;
            let ref_id = ref_id.strip_suffix(']')?;
            body.get(key)?.items().iter().find_map(|entry| {
                let (k, _, fields) = entry.entries().first()?;
                (k == item_type && fields.get("refId").and_then(YNode::as_str) == Some(ref_id))
                    .then_some((k.clone(), fields))
            })
        });
        return match found {
            Some((kind, _)) if kind == "menu" => Err(ArchyError::at(
                r.start,
                None,
                format!("startUpRef '{text}' names a menu; link inserts into a startup task (make a task the start, or link the module into that task)"),
            )),
            Some((_, fields)) => fields.get("actions").ok_or_else(|| {
                ArchyError::at(r.start, None, format!("the startup task '{text}' has no `actions` list"))
            }),
            None => Err(ArchyError::at(r.start, None, format!("startUpRef '{text}' names no task of this file"))),
        };
    }
    if let Some(list) = body.get("startUpTaskActions") {
        return Ok(list);
    }
    let first_task = CONTAINER_KEYS.iter().find_map(|(key, _)| {
        body.get(key)?
            .items()
            .first()?
            .entries()
            .first()
            .map(|(_, _, f)| f)
    });
    match first_task.and_then(|f| f.get("actions")) {
        Some(list) => Ok(list),
        None => Err(ArchyError::at(
            body.start,
            None,
            "the flow has no startup task to link into",
        )),
    }
}

/// Whether an action item is a `callCommonModule` of `module_name`.
fn calls_module(item: &YNode, module_name: &str) -> bool {
    item.get("callCommonModule")
        .and_then(|c| c.get("commonModule"))
        .is_some_and(|m| m.entries().iter().any(|(k, _, _)| k == module_name))
}

/// The byte offset of the `-` that opens the list item whose content starts at `content` (the
/// parser may place a map's start on the dash itself or after it).
fn dash_offset(text: &str, content: usize) -> Option<usize> {
    if text.as_bytes().get(content) == Some(&b'-') {
        return Some(content);
    }
    let before = &text[..content];
    let trimmed = before.trim_end_matches(' ');
    trimmed.ends_with('-').then(|| trimmed.len() - 1)
}

/// How far the file indents a key's value map under the key, judged from the first action.
fn child_step(item: &YNode) -> String {
    let step = item
        .entries()
        .first()
        .and_then(|(_, kpos, fields)| {
            let (_, child, _) = fields.entries().first()?;
            child.column.checked_sub(kpos.column)
        })
        .filter(|s| (1..=8).contains(s))
        .unwrap_or(2);
    " ".repeat(step)
}

/// The inserted action; `dash_line` is the indentation, dash and gap before its key.
fn call_text(
    dash_line: &str,
    content: &str,
    step: &str,
    quoted: &str,
    name: &str,
    eol: &str,
) -> String {
    let label = quote_if_needed(&format!("Call {name}"));
    format!(
        "{dash_line}callCommonModule:{eol}\
         {content}{step}name: {label}{eol}\
         {content}{step}commonModule:{eol}\
         {content}{step}{step}{quoted}:{eol}\
         {content}{step}{step}{step}ver_latestPublished: {{}}{eol}"
    )
}

/// The byte ranges (whole lines) of every list item that calls `module_name`.
fn collect_calls(
    text: &str,
    node: &YNode,
    module_name: &str,
    out: &mut Vec<(usize, usize)>,
) -> Result<(), ArchyError> {
    match &node.value {
        YValue::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if calls_module(item, module_name) {
                    let Some(dash) = dash_offset(text, item.start.offset) else {
                        return Err(ArchyError::at(
                            item.start,
                            Some("callCommonModule".into()),
                            "a call in a flow-style list ([...]) cannot be removed in place",
                        ));
                    };
                    let start = text[..dash].rfind('\n').map_or(0, |i| i + 1);
                    let end = match items
                        .get(i + 1)
                        .and_then(|next| dash_offset(text, next.start.offset))
                    {
                        Some(next_dash) => text[..next_dash].rfind('\n').map_or(0, |i| i + 1),
                        None => {
                            let last = content_end(item);
                            match text[last..].find('\n') {
                                Some(n) => last + n + 1,
                                None => text.len(),
                            }
                        }
                    };
                    out.push((start, end.max(start)));
                } else {
                    collect_calls(text, item, module_name, out)?;
                }
            }
        }
        YValue::Map(entries) => {
            for (_, _, v) in entries {
                collect_calls(text, v, module_name, out)?;
            }
        }
        YValue::Scalar { .. } => {}
    }
    Ok(())
}

/// Where the last piece of content under `node` ends (its last scalar's end).
fn content_end(node: &YNode) -> usize {
    match &node.value {
        YValue::Scalar { .. } => node.end.offset,
        YValue::Seq(items) => items
            .iter()
            .map(content_end)
            .max()
            .unwrap_or(node.start.offset + 1),
        YValue::Map(entries) => entries
            .iter()
            .map(|(_, k, v)| content_end(v).max(k.offset))
            .max()
            .unwrap_or(node.start.offset + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "inboundCall:\n  name: Main  # the main line\n  defaultLanguage: en-us\n  startUpRef: ./tasks/task[start]\n  tasks:\n    - task:\n        name: Start\n        refId: start\n        actions:\n          - playAudio:\n              name: Hello\n              audio:\n                tts: Hello!   # greeting\n          - disconnect:\n              name: Bye\n";

    #[test]
    fn link_inserts_one_call_first_and_keeps_every_other_byte() {
        let linked = link_archy(FLOW, "Auth Module")
            .expect("links")
            .expect("changed");
        let inserted = "          - callCommonModule:\n              name: Call Auth Module\n              commonModule:\n                Auth Module:\n                  ver_latestPublished: {}\n";
        assert_eq!(
            linked,
            FLOW.replacen(
                "          - playAudio:",
                &format!("{inserted}          - playAudio:"),
                1
            )
        );
        let flow = parse_archy(&linked).expect("re-reads");
        assert_eq!(
            flow.logic
                .unbound_module_names()
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["Auth Module"]
        );
        assert_eq!(link_archy(&linked, "Auth Module").expect("ok"), None);
        assert_eq!(
            unlink_archy(&linked, "Auth Module").expect("ok").as_deref(),
            Some(FLOW)
        );
        assert_eq!(unlink_archy(FLOW, "Auth Module").expect("ok"), None);
    }

    #[test]
    fn link_follows_the_files_indentation_and_line_endings() {
        let text = "inqueueCall:\r\n    name: Q\r\n    startUpTaskActions:\r\n    -   holdMusic:\r\n            name: Hold\r\n";
        let linked = link_archy(text, "M").expect("links").expect("changed");
        assert!(linked.starts_with("inqueueCall:\r\n    name: Q\r\n    startUpTaskActions:\r\n    -   callCommonModule:\r\n            name: Call M\r\n"), "{linked}");
        assert!(linked.ends_with("    -   holdMusic:\r\n            name: Hold\r\n"));
        assert_eq!(
            unlink_archy(&linked, "M").expect("ok").as_deref(),
            Some(text)
        );
    }

    #[test]
    fn a_menu_start_is_refused_with_the_reason() {
        let text = "inboundCall:\n  name: M\n  startUpRef: ./menus/menu[m]\n  menus:\n    - menu:\n        name: Main\n        refId: m\n        choices:\n          - menuDisconnect:\n              dtmf: digit_1\n";
        let err = link_archy(text, "X").expect_err("menu start");
        assert!(err.message.contains("names a menu"), "{err}");
    }
}
