//! The real corpus through the jobs API (issue 11 "Done when"): every file of
//! `../shared/archy-corpus` — placeholders filled with plausible values, modules first, and
//! `createStubs: true` for modules the corpus calls but does not hold — imported the way the
//! Terraform provider imports it, then exported back byte for byte.
//!
//! NOTE: meaningful only with the real Archy parser of branch r-archy; against r-jobs'
//! placeholder parser it checks only the plumbing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use flowlink_model::archy::substitute;
use serde_json::json;

use crate::common::TestServer;
use crate::support::{export, import};

fn corpus_dir() -> PathBuf {
    std::env::var_os("FLOWLINK_ARCHY_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR")
                    .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
            )
            .join("../../../shared/archy-corpus")
        })
}

/// A plausible value for placeholder `key` in file number `n` (flow names unique per file, so
/// two blueprints' `{{flow_name}}` do not become one flow).
fn value_for(key: &str, n: usize) -> String {
    let k = key.to_lowercase();
    if k.contains("language") {
        "en-us".into()
    } else if k.contains("division") {
        "Home".into()
    } else if k == "flow_name" || k.ends_with("flow_name") {
        format!("Corpus Flow {n} {key}")
    } else if k.contains("module") {
        format!("Corpus Module {key}")
    } else if k.ends_with("_type") {
        // Spliced into an expression as a member name (`State.externalContact.{{..._type}}`).
        "workEmail".into()
    } else if k.ends_with("id") {
        "3f1d2c4b-5a6e-4f70-8192-a3b4c5d6e7f8".into()
    } else if k.contains("email") || k.contains("address") {
        "someone@example.com".into()
    } else if k.contains("number") {
        "+13175550100".into()
    } else if k.contains("secret") {
        "s3cr3t".into()
    } else {
        format!("Corpus {key}")
    }
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.insert(rest[start + 2..start + 2 + len].to_string());
        rest = &rest[start + 2 + len + 2..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corpus_imports_through_the_jobs_api_and_exports_every_file() {
    let dir = corpus_dir();
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.md"))
        .map(|p| {
            let text = String::from_utf8(std::fs::read(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    files.sort();
    assert_eq!(files.len(), 78, "the corpus holds 78 files");
    // Modules first, so callers find them by name (stubs cover the ones the corpus lacks).
    files.sort_by_key(|(_, text)| !text.trim_start().starts_with("commonModule:"));

    // About 390 requests through one token: more than the default per-token budget.
    let config = flowlink_server::ServerConfig {
        rate_limit_per_minute: 0,
        ..Default::default()
    };
    let s = TestServer::start_with(config, None).await;
    let t = s.admin_token().await;
    let mut failures = Vec::new();
    let mut latest: HashMap<String, String> = HashMap::new();
    let mut order = Vec::new();
    for (n, (name, raw)) in files.iter().enumerate() {
        let subs: BTreeMap<String, String> = placeholders(raw)
            .into_iter()
            .map(|k| {
                let v = value_for(&k, n);
                (k, v)
            })
            .collect();
        let text = match substitute(raw, &subs) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{name}: substitution: {e}"));
                continue;
            }
        };
        let end = import(&s, &t, &text, Some(true)).await;
        if end.status != "Success" {
            failures.push(format!("{name}: import: {}", end.texts()));
            continue;
        }
        let id = end.flow_id();
        latest.insert(id.clone(), text);
        order.push((name.clone(), id));
    }
    let mut exported = 0;
    for (name, id) in &order {
        let got = export(&s, &t, json!([{"flow": {"id": id}}])).await;
        if got == latest[id].as_bytes() {
            exported += 1;
        } else {
            failures.push(format!(
                "{name}: export differs from the last import of {id}"
            ));
        }
    }
    println!(
        "archy corpus through the jobs API: {}/78 imported, {exported} exported byte for byte",
        order.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
