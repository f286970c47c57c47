//! `--update`: writes what each snapshot case (`snapshot: true`) observed into its `expect`
//! (outcome, prompts heard, participant data, tags, modules entered), replacing the `expect`
//! it had and leaving every other byte of the file as it was. Pure: text in, text out.

use flowlink_api::trace::FinalOutcome;
use serde_json::Value;

use crate::observed::Observed;
use crate::run::FileResult;
use crate::spec::TestFile;

fn q(text: &str) -> String {
    // A JSON string is a valid YAML double-quoted scalar.
    Value::String(text.to_string()).to_string()
}

fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.map(|i| q(&i)).collect();
    format!("[{}]", items.join(", "))
}

/// The `expect` block for `observed`, indented by `indent` spaces.
pub fn expect_block(observed: &Observed, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut s = format!("{pad}expect:\n");
    let outcome = match &observed.outcome {
        FinalOutcome::Disconnected => "disconnected".to_string(),
        FinalOutcome::Transferred { queue } => format!("{{transferred: {}}}", q(queue)),
        FinalOutcome::Failed { reason } => format!("{{failed: {}}}", q(reason)),
    };
    s.push_str(&format!("{pad}  outcome: {outcome}\n"));
    if !observed.prompts.is_empty() {
        let prompts = observed.prompts.iter().map(|(_, t)| t.clone());
        s.push_str(&format!("{pad}  prompts: {}\n", list(prompts)));
    }
    if !observed.participant_data.is_empty() {
        let data = Value::Object(observed.participant_data.clone());
        s.push_str(&format!("{pad}  participantData: {data}\n"));
    }
    if !observed.tags.is_empty() {
        s.push_str(&format!(
            "{pad}  tags: {}\n",
            list(observed.tags.iter().cloned())
        ));
    }
    let mut modules: Vec<String> = Vec::new();
    for m in &observed.modules {
        if !modules.contains(&m.name) {
            modules.push(m.name.clone());
        }
    }
    if !modules.is_empty() {
        s.push_str(&format!("{pad}  modules: {}\n", list(modules.into_iter())));
    }
    s
}

/// The text of `file` with every snapshot case's `expect` rewritten from `results` (which
/// must hold the observed calls); `None` when no case asked for it.
pub fn update_text(text: &str, file: &TestFile, results: &FileResult) -> Option<String> {
    let mut edits = Vec::new();
    for case in &file.cases {
        let Some(place) = case.snapshot else { continue };
        let observed = results
            .cases
            .iter()
            .find(|r| r.line == case.line)
            .and_then(|r| r.observed.as_ref());
        if let Some(observed) = observed {
            edits.push((place, expect_block(observed, place.indent)));
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(p, _)| std::cmp::Reverse(p.start));
    let mut out = text.to_string();
    for (place, block) in edits {
        let mut block = block;
        // A file whose last line has no newline: the block starts on a line of its own.
        if place.start == out.len() && !out.ends_with('\n') {
            block.insert(0, '\n');
        }
        out.replace_range(place.start..place.end, &block);
    }
    Some(out)
}
