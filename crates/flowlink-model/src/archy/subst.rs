//! `{{key}}` substitution (SPEC §9): plain text, before any parsing, exactly like Archy and the
//! Terraform provider. Only the exact form `{{key}}` (no spaces inside the braces) counts.

use std::collections::BTreeMap;

use super::ArchyError;

/// Every `{{key}}` placeholder in `text` with its 1-based line, in order of appearance.
pub fn placeholders(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                break;
            };
            let key = &after[..close];
            if is_key(key) {
                out.push((key.to_string(), i + 1));
                rest = &after[close + 2..];
            } else {
                rest = &rest[open + 1..];
            }
        }
    }
    out
}

/// A key: non-empty, no braces, no leading or trailing whitespace (Archy's rule).
fn is_key(key: &str) -> bool {
    !key.is_empty() && key.trim() == key && !key.contains(['{', '}', '\n'])
}

/// Replaces each `{{key}}` by its value. A placeholder with no value is an error that lists
/// every remaining placeholder with its line.
pub fn substitute(text: &str, subs: &BTreeMap<String, String>) -> Result<String, ArchyError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) if is_key(&after[..close]) => {
                let key = &after[..close];
                out.push_str(&rest[..open]);
                match subs.get(key) {
                    Some(value) => out.push_str(value),
                    None => {
                        out.push_str("{{");
                        out.push_str(key);
                        out.push_str("}}");
                    }
                }
                rest = &after[close + 2..];
            }
            _ => {
                out.push_str(&rest[..open + 1]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    let left: Vec<(String, usize)> = placeholders(&out)
        .into_iter()
        .filter(|(k, _)| !subs.contains_key(k))
        .collect();
    if let Some((_, first_line)) = left.first() {
        let list = left
            .iter()
            .map(|(k, line)| format!("{{{{{k}}}}} (line {line})"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ArchyError {
            line: *first_line,
            column: 1,
            action: None,
            message: format!(
                "{} placeholder(s) without a value: {list}; give each a value (--sub KEY=VALUE or --subs FILE)",
                left.len()
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_known_keys_and_lists_the_rest_with_lines() {
        let mut subs = BTreeMap::new();
        subs.insert("a".to_string(), "ONE".to_string());
        assert_eq!(
            substitute("x: {{a}} {{ a }}\n", &subs).expect("ok"),
            "x: ONE {{ a }}\n"
        );
        let err = substitute("x: {{a}}\ny: {{b}}\nz: {{c}}{{b}}\n", &subs).expect_err("left");
        assert_eq!(err.line, 2);
        assert!(
            err.message
                .contains("{{b}} (line 2), {{c}} (line 3), {{b}} (line 3)"),
            "{err}"
        );
    }

    #[test]
    fn values_are_not_substituted_again() {
        let mut subs = BTreeMap::new();
        subs.insert("a".to_string(), "{{a}}".to_string());
        assert_eq!(substitute("{{a}}", &subs).expect("ok"), "{{a}}");
    }
}
