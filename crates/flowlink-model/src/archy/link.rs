//! Linking a module into an Archy file and unlinking it, as text edits that leave every other
//! byte as it was (SPEC §9): the parsed tree's positions say where the startup task's first
//! action starts and where a call's lines begin and end; the inserted action copies the
//! indentation the file already uses there, and the line ending.
//!
//! A flow that starts with a menu has no startup task: link adds one in front of it (refId
//! [`LINKED_STARTUP_REF`]) holding the call and a `jumpToMenu` to the old start (its reference
//! copied byte for byte), and points `startUpRef` at it; when unlink leaves that task holding
//! only the jump, it removes the task and puts the old `startUpRef` back, so link then unlink
//! gives back the original bytes.

use super::parse::{parse_archy, ArchyFlow, CONTAINER_KEYS};
use super::yaml::{parse_yaml, quote_if_needed, Pos, YNode, YValue};
use super::ArchyError;

/// The refId of the startup task link adds in front of a flow that starts with a menu.
pub const LINKED_STARTUP_REF: &str = "flowlinkLinkedStartup";

/// That task's name, saying where it comes from.
const LINKED_STARTUP_NAME: &str = "Linked modules (flowlink link)";

/// The `startUpRef` link writes when it adds that task.
fn linked_startup_ref() -> String {
    format!("./tasks/task[{LINKED_STARTUP_REF}]")
}

/// Inserts one floating `callCommonModule` of `module_name` (no inputs) as the first action of
/// the startup task (`startUpRef`) or of `startUpTaskActions` — for a flow that starts with a
/// menu, in a startup task added in front of it (module docs); `Ok(None)` when that list
/// already calls the module.
pub fn link_archy(text: &str, module_name: &str) -> Result<Option<String>, ArchyError> {
    link_archy_parsed(text, module_name).map(|linked| linked.map(|(text, _)| text))
}

/// [`link_archy`], with the parse of the linked text it validates against (so a caller that
/// needs the flow does not read the text again).
pub fn link_archy_parsed(
    text: &str,
    module_name: &str,
) -> Result<Option<(String, ArchyFlow)>, ArchyError> {
    // The text is read once as YAML here and once as a flow after the edit (which validates the
    // whole file): linking many flows stays close to the cost of reading them.
    let doc = parse_yaml(text)?;
    let (root_key, body) = root(&doc)?;
    let list = match startup_list(root_key, body)? {
        Startup::Actions(list) => list,
        Startup::Menu {
            start_ref,
            container,
        } => {
            let new_text = link_menu_start(text, body, start_ref, container, module_name)?;
            return checked_link(new_text, module_name).map(Some);
        }
    };
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
    checked_link(new_text, module_name).map(Some)
}

/// The edited file must read as a flow that calls the module.
fn checked_link(new_text: String, module_name: &str) -> Result<(String, ArchyFlow), ArchyError> {
    let linked = parse_archy(&new_text)?;
    if !linked.logic.unbound_module_names().contains(module_name) {
        return Err(ArchyError::file(
            "internal: the linked text does not call the module",
        ));
    }
    Ok((new_text, linked))
}

/// The bytes of a one-line scalar as written (quotes included, a trailing comment and spaces
/// not): the parser's end may run past them.
fn scalar_span(text: &str, node: &YNode) -> std::ops::Range<usize> {
    let start = node.start.offset.min(text.len());
    let line_end = text[start..]
        .find(['\r', '\n'])
        .map_or(text.len(), |n| start + n);
    let line = &text[start..line_end];
    let bytes = line.as_bytes();
    let end = match bytes.first() {
        Some(b'"') => {
            let mut i = 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            (i + 1).min(bytes.len())
        }
        Some(b'\'') => {
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            (i + 1).min(bytes.len())
        }
        _ => {
            let plain = line.find(" #").map_or(line, |n| &line[..n]);
            plain.trim_end().len()
        }
    };
    start..start + end
}

/// The line start of `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Link into a flow whose `startUpRef` (the scalar `start_ref`) names a menu of `container`
/// (the list holding it): a new first task holding the call and a jump to that menu, and
/// `startUpRef` pointed at it. The task goes first in `tasks`, or in a new `tasks` key right
/// before the menus' key; its layout copies the existing list's.
fn link_menu_start(
    text: &str,
    body: &YNode,
    start_ref: &YNode,
    container: (&str, Pos, &YNode),
    module_name: &str,
) -> Result<String, ArchyError> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let tasks = body
        .entries()
        .iter()
        .find(|(k, _, _)| k == "tasks")
        .map(|(_, kpos, v)| (*kpos, v));
    // The list whose layout the new task copies, and where the new lines go.
    let (model, insert_at, key_line) = match tasks {
        Some((kpos, list)) => match list.items().first() {
            Some(first) => (first, None, kpos),
            None => {
                return Err(ArchyError::at(
                    kpos,
                    None,
                    "`tasks` is empty or a flow-style list ([...]); link needs a block list",
                ))
            }
        },
        None => {
            let (_, kpos, list) = container;
            match list.items().first() {
                Some(first) => (first, Some(line_start(text, kpos.offset)), kpos),
                None => return Err(ArchyError::at(kpos, None, "the start menu's list is empty")),
            }
        }
    };
    let dash = dash_offset(text, model.start.offset).ok_or_else(|| {
        ArchyError::at(
            model.start,
            None,
            "the flow's lists are flow-style ([...]); link needs block lists",
        )
    })?;
    let dash_line_start = line_start(text, dash);
    let indent = &text[dash_line_start..dash];
    if !indent.chars().all(|c| c == ' ') {
        return Err(ArchyError::at(
            model.start,
            None,
            "the first task or menu does not start its own line",
        ));
    }
    let content_at = model
        .entries()
        .first()
        .map_or(model.start.offset, |(_, k, _)| k.offset);
    let gap = " ".repeat(content_at.saturating_sub(dash).max(1));
    let step = child_step(model);
    let fields = format!("{indent}{gap}{step}");
    let action_indent = format!("{fields}{step}");
    let quoted = quote_if_needed(module_name);
    let call = call_text(
        &format!("{action_indent}- "),
        &format!("{action_indent}  "),
        &step,
        &quoted,
        module_name,
        eol,
    );
    let old_ref = &text[scalar_span(text, start_ref)];
    let mut task = String::new();
    if insert_at.is_some() {
        let key_indent = &text[line_start(text, key_line.offset)..key_line.offset];
        task.push_str(&format!("{key_indent}tasks:{eol}"));
    }
    task.push_str(&format!(
        "{indent}-{}task:{eol}\
         {fields}name: {}{eol}\
         {fields}refId: {LINKED_STARTUP_REF}{eol}\
         {fields}actions:{eol}\
         {call}\
         {action_indent}- jumpToMenu:{eol}\
         {action_indent}  {step}name: Start menu{eol}\
         {action_indent}  {step}targetMenuRef: {old_ref}{eol}",
        &gap[1..],
        quote_if_needed(LINKED_STARTUP_NAME),
    ));
    let at = insert_at.unwrap_or(dash_line_start);
    // Two splices, the later one first so the earlier offsets stay valid.
    let (ref_span, insert) = (scalar_span(text, start_ref), at);
    let mut out = text.to_string();
    if insert > ref_span.start {
        out.insert_str(insert, &task);
        out.replace_range(ref_span, &linked_startup_ref());
    } else {
        out.replace_range(ref_span, &linked_startup_ref());
        out.insert_str(insert, &task);
    }
    Ok(out)
}

/// After unlink removed calls: when `startUpRef` names the task link added and that task now
/// holds only its jump to the old start menu, the text without the task and with the old
/// `startUpRef` back (`None`: nothing to restore).
fn restore_menu_start(text: &str) -> Result<Option<String>, ArchyError> {
    let doc = parse_yaml(text)?;
    let (_, body) = root(&doc)?;
    let Some(start_ref) = body.get("startUpRef") else {
        return Ok(None);
    };
    if start_ref.as_str() != Some(linked_startup_ref().as_str()) {
        return Ok(None);
    }
    let Some((tasks_key, tasks)) = body
        .entries()
        .iter()
        .find(|(k, _, _)| k == "tasks")
        .map(|(_, kpos, v)| (*kpos, v))
    else {
        return Ok(None);
    };
    let items = tasks.items();
    let Some(i) = items.iter().position(|item| {
        item.get("task")
            .and_then(|t| t.get("refId"))
            .and_then(YNode::as_str)
            == Some(LINKED_STARTUP_REF)
    }) else {
        return Ok(None);
    };
    let Some(fields) = items[i].get("task") else {
        return Ok(None);
    };
    let actions = fields.get("actions").map(YNode::items).unwrap_or_default();
    let [only] = actions else {
        return Ok(None);
    };
    let Some(target) = only.get("jumpToMenu").and_then(|j| j.get("targetMenuRef")) else {
        return Ok(None);
    };
    let old_ref = &text[scalar_span(text, target)];
    let item_end = |item: &YNode| {
        let last = content_end(item);
        text[last..].find('\n').map_or(text.len(), |n| last + n + 1)
    };
    // The task's lines; with the key too when it is the only task (link added the key).
    let remove = if items.len() == 1 {
        line_start(text, tasks_key.offset)..item_end(&items[0])
    } else {
        let Some(dash) = dash_offset(text, items[i].start.offset) else {
            return Ok(None);
        };
        let end = match items
            .get(i + 1)
            .and_then(|n| dash_offset(text, n.start.offset))
        {
            Some(next) => line_start(text, next),
            None => item_end(&items[i]),
        };
        line_start(text, dash)..end
    };
    let ref_span = scalar_span(text, start_ref);
    let mut out = text.to_string();
    if remove.start > ref_span.start {
        out.replace_range(remove, "");
        out.replace_range(ref_span, old_ref);
    } else {
        out.replace_range(ref_span, old_ref);
        out.replace_range(remove, "");
    }
    Ok(Some(out))
}

/// Removes every `callCommonModule` action of `module_name` (anywhere in the file); `Ok(None)`
/// when there is none.
pub fn unlink_archy(text: &str, module_name: &str) -> Result<Option<String>, ArchyError> {
    unlink_archy_parsed(text, module_name).map(|unlinked| unlinked.map(|(text, _)| text))
}

/// [`unlink_archy`], with the parse of the unlinked text.
pub fn unlink_archy_parsed(
    text: &str,
    module_name: &str,
) -> Result<Option<(String, ArchyFlow)>, ArchyError> {
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
    if let Some(restored) = restore_menu_start(&out)? {
        out = restored;
    }
    let flow = parse_archy(&out)?;
    Ok(Some((out, flow)))
}

fn root(doc: &YNode) -> Result<(&str, &YNode), ArchyError> {
    match doc.entries().first() {
        Some((k, _, body)) => Ok((k.as_str(), body)),
        None => Err(ArchyError::at(doc.start, None, "not an Archy file")),
    }
}

/// Where the startup begins.
enum Startup<'d> {
    /// The action list it runs first.
    Actions(&'d YNode),
    /// A menu: the `startUpRef` scalar, and the key (with its position) and list holding it.
    Menu {
        start_ref: &'d YNode,
        container: (&'d str, Pos, &'d YNode),
    },
}

/// Where the startup begins.
fn startup_list<'d>(root_key: &str, body: &'d YNode) -> Result<Startup<'d>, ArchyError> {
    if let Some(r) = body.get("startUpRef") {
        let text = r.as_str().unwrap_or_default();
        let rest = text
            .strip_prefix(&format!("/{root_key}/"))
            .or_else(|| text.strip_prefix("./"))
            .unwrap_or(text);
        let found = rest.split_once('/').and_then(|(key, item)| {
            let (item_type, ref_id) = item.split_once('[')?;
            let ref_id = ref_id.strip_suffix(']')?;
            let (key, kpos, list) = body.entries().iter().find(|(k, _, _)| k == key)?;
            list.items().iter().find_map(|entry| {
                let (k, _, fields) = entry.entries().first()?;
                (k == item_type && fields.get("refId").and_then(YNode::as_str) == Some(ref_id))
                    .then_some((k.clone(), fields, (key.as_str(), *kpos, list)))
            })
        });
        return match found {
            Some((kind, _, container)) if kind == "menu" => Ok(Startup::Menu {
                start_ref: r,
                container,
            }),
            Some((_, fields, _)) => fields.get("actions").map(Startup::Actions).ok_or_else(|| {
                ArchyError::at(
                    r.start,
                    None,
                    format!("the startup task '{text}' has no `actions` list"),
                )
            }),
            None => Err(ArchyError::at(
                r.start,
                None,
                format!("startUpRef '{text}' names no task of this file"),
            )),
        };
    }
    if let Some(list) = body.get("startUpTaskActions") {
        return Ok(Startup::Actions(list));
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
        Some(list) => Ok(Startup::Actions(list)),
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
    fn a_menu_start_gets_a_startup_task_and_unlink_restores_the_bytes() {
        let text = "inboundCall:\n  name: M\n  startUpRef: \"/inboundCall/menus/menu[m]\"  # start\n  menus:\n    - menu:\n        name: Main\n        refId: m\n        choices:\n          - menuDisconnect:\n              dtmf: digit_1";
        let linked = link_archy(text, "X").expect("links").expect("changed");
        assert_eq!(
            linked,
            "inboundCall:\n  name: M\n  startUpRef: ./tasks/task[flowlinkLinkedStartup]  # start\n  tasks:\n    - task:\n        name: Linked modules (flowlink link)\n        refId: flowlinkLinkedStartup\n        actions:\n          - callCommonModule:\n              name: Call X\n              commonModule:\n                X:\n                  ver_latestPublished: {}\n          - jumpToMenu:\n              name: Start menu\n              targetMenuRef: \"/inboundCall/menus/menu[m]\"\n  menus:\n    - menu:\n        name: Main\n        refId: m\n        choices:\n          - menuDisconnect:\n              dtmf: digit_1"
        );
        // A second module goes into the same task, before the first.
        let twice = link_archy(&linked, "Y").expect("links").expect("changed");
        let without_x = unlink_archy(&twice, "X").expect("ok").expect("changed");
        assert!(
            without_x.contains("refId: flowlinkLinkedStartup"),
            "{without_x}"
        );
        assert_eq!(
            unlink_archy(&without_x, "Y").expect("ok").as_deref(),
            Some(text)
        );
        assert_eq!(
            unlink_archy(&linked, "X").expect("ok").as_deref(),
            Some(text)
        );
    }

    #[test]
    fn a_menu_start_with_tasks_gets_the_new_task_first() {
        let text = "inboundCall:\n  name: M\n  startUpRef: ./menus/menu[m]\n  menus:\n    - menu:\n        name: Main\n        refId: m\n        choices:\n          - menuTask:\n              dtmf: digit_1\n              targetTaskRef: ./tasks/task[t]\n  tasks:\n    - task:\n        name: T\n        refId: t\n        actions:\n          - disconnect:\n              name: Bye\n";
        let linked = link_archy(text, "X").expect("links").expect("changed");
        assert!(
            linked
                .contains("  tasks:\n    - task:\n        name: Linked modules (flowlink link)\n"),
            "{linked}"
        );
        assert!(linked.contains("targetMenuRef: ./menus/menu[m]\n    - task:\n        name: T\n"));
        assert_eq!(
            unlink_archy(&linked, "X").expect("ok").as_deref(),
            Some(text)
        );
    }
}
