//! Shared access to the real Archy corpus (`../shared/archy-corpus`) for the tests that read
//! it: where it is, each file's text with its placeholders filled, and every `exp:` value.
//! The model's tests use it as `mod corpus_support;`; the engine's corpus tests include this
//! same file by `#[path]`, so the corpus is read one way in both crates without a test crate.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use flowlink_model::archy::{placeholders, substitute};

/// Where the corpus is: `FLOWLINK_ARCHY_CORPUS`, else beside the workspace.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("FLOWLINK_ARCHY_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("../../../shared/archy-corpus"),
    }
}

/// The corpus files (everything but `SOURCES.md`), sorted, each with its file name.
fn corpus_files() -> Vec<(String, PathBuf)> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()) != Some("SOURCES.md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            (name, path)
        })
        .collect()
}

/// A plausible value for a placeholder, by its key.
pub fn plausible(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    if lower.contains("language") {
        "en-us".into()
    } else if lower.contains("division") {
        "Home".into()
    } else if lower.ends_with("_type") {
        // Spliced into an expression as a member name (`State.externalContact.{{..._type}}`).
        "workEmail".into()
    } else if lower.contains("priority") || lower.ends_with("_id") && lower.contains("metric") {
        "5".into()
    } else {
        format!("Sample {}", key.replace('_', " "))
    }
}

/// Each corpus file's name and text with its placeholders filled ([`plausible`]).
pub fn corpus() -> Vec<(String, String)> {
    corpus_files()
        .into_iter()
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path).expect("readable corpus file");
            let subs: BTreeMap<String, String> = placeholders(&text)
                .into_iter()
                .map(|(k, _)| {
                    let v = plausible(&k);
                    (k, v)
                })
                .collect();
            let text = substitute(&text, &subs).expect("every placeholder has a value");
            (name, text)
        })
        .collect()
}

/// Every `exp:` value in the corpus as (file, line, text), found by a plain text scan (all are
/// one-line plain, double-quoted or single-quoted YAML scalars), with `{{key}}` / `${key}`
/// placeholders filled with `X`.
pub fn corpus_expressions() -> Vec<(String, usize, String)> {
    let mut found = Vec::new();
    for (name, path) in corpus_files() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start().trim_start_matches("- ");
            let Some(raw) = trimmed.strip_prefix("exp:") else {
                continue;
            };
            let value = yaml_scalar(raw.trim());
            found.push((name.clone(), n + 1, fill_placeholders(&value)));
        }
    }
    found
}

/// Asserts that the scan found the corpus' expressions (`found` of them) and that none is in
/// `failures` (one line each).
pub fn assert_no_expression_failed(found: usize, failures: &[String]) {
    assert!(
        found >= 500,
        "expected the corpus' 568 expressions, found {}",
        found
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Decodes a one-line YAML scalar: `"..."` with escapes, `'...'` with `''`, or plain.
fn yaml_scalar(raw: &str) -> String {
    if let Some(body) = raw.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => break,
                },
                c => out.push(c),
            }
        }
        out
    } else if let Some(body) = raw.strip_prefix('\'') {
        body.strip_suffix('\'').unwrap_or(body).replace("''", "'")
    } else {
        raw.split(" #").next().unwrap_or(raw).trim().to_owned()
    }
}

/// Replaces each `{{key}}` / `${key}` placeholder with `X`.
fn fill_placeholders(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{").or_else(|| rest.find("${")) {
        out.push_str(&rest[..start]);
        let close = if rest[start..].starts_with("{{") {
            "}}"
        } else {
            "}"
        };
        match rest[start..].find(close) {
            Some(end) => {
                out.push('X');
                rest = &rest[start + end + close.len()..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
