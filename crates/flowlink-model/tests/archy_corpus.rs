//! The real Archy corpus (`../shared/archy-corpus`, 78 files from public Genesys repositories):
//! every file parses (placeholders filled with plausible values), exports, and the export
//! re-parses to the same canonical logic; linking a module in and out restores the bytes; and
//! every `exp:` value parses as an Archy expression. Prints the counts.

mod corpus_support;

use corpus_support::{assert_no_expression_failed, corpus, corpus_expressions};
use flowlink_model::archy::expr::parse_archy_expression;
use flowlink_model::archy::{export_archy, parse_archy};

#[test]
fn every_corpus_file_parses_exports_and_reparses_to_the_same_logic() {
    let files = corpus();
    assert_eq!(files.len(), 78, "the corpus holds 78 Archy files");
    let mut failures = Vec::new();
    let mut passed = 0;
    for (name, text) in &files {
        let result = (|| -> Result<(), String> {
            let flow = parse_archy(text).map_err(|e| format!("parse: {e}"))?;
            let yaml = export_archy(&flow.logic, &flow.flow_type, &flow.name)
                .map_err(|e| format!("export: {e}"))?;
            let again = parse_archy(&yaml).map_err(|e| format!("re-parse: {e}\n{yaml}"))?;
            if again.logic != flow.logic {
                let first = flow
                    .logic
                    .graph
                    .nodes
                    .iter()
                    .zip(&again.logic.graph.nodes)
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("{a:?}\n  vs\n{b:?}"))
                    .unwrap_or_else(|| "node count or variables differ".into());
                return Err(format!("canonical logic differs after export: {first}"));
            }
            if (again.name.as_str(), again.flow_type.as_str())
                != (flow.name.as_str(), flow.flow_type.as_str())
            {
                return Err("name or type differs after export".into());
            }
            Ok(())
        })();
        match result {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!("archy corpus: {passed}/{} round-trip", files.len());
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn linking_a_module_into_corpus_files_inserts_one_block_and_unlink_restores_the_bytes() {
    use flowlink_model::archy::{link_archy, unlink_archy, LINKED_STARTUP_REF};
    let module = "Shared Auth Module";
    let mut linked_count = 0;
    let mut menu_starts = Vec::new();
    let mut failures = Vec::new();
    let files = corpus();
    for (name, text) in &files {
        let linked = match link_archy(text, module) {
            Ok(Some(linked)) => linked,
            Ok(None) => panic!("{name}: reported already linked"),
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        // One contiguous insertion: the original is a prefix plus a suffix of the linked text —
        // except for a menu start, where `startUpRef` also changes (to the added task).
        let menu_start = linked.contains(&format!("refId: {LINKED_STARTUP_REF}"));
        let compared = if menu_start {
            menu_starts.push(name.clone());
            let at = |t: &str| t.find("startUpRef:").expect("a menu start has startUpRef");
            let (a, b) = (at(text), at(&linked));
            assert_eq!(a, b, "{name}: bytes before startUpRef changed");
            let eol = |t: &str, from: usize| t[from..].find('\n').map_or(t.len(), |n| from + n);
            (
                text[eol(text, a)..].to_string(),
                linked[eol(&linked, b)..].to_string(),
            )
        } else {
            (text.clone(), linked.clone())
        };
        let (before, after) = (&compared.0, &compared.1);
        let prefix = before
            .bytes()
            .zip(after.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let suffix = before
            .bytes()
            .rev()
            .zip(after.bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(
            prefix + suffix >= before.len(),
            "{name}: bytes outside the insertion changed"
        );
        let flow = parse_archy(&linked).unwrap_or_else(|e| panic!("{name}: linked text: {e}"));
        assert!(
            flow.logic.unbound_module_names().contains(module),
            "{name}: the call is not in the linked flow"
        );
        assert_eq!(
            link_archy(&linked, module).expect("ok"),
            None,
            "{name}: link twice"
        );
        assert_eq!(
            unlink_archy(&linked, module).expect("unlinks").as_deref(),
            Some(text.as_str()),
            "{name}: unlink restores the file"
        );
        linked_count += 1;
    }
    println!(
        "archy corpus: linked and unlinked {linked_count}/{} files byte for byte; {} start with \
         a menu (a startup task added): {}",
        files.len(),
        menu_starts.len(),
        menu_starts.join(", ")
    );
    assert!(failures.is_empty(), "link failed:\n{}", failures.join("\n"));
    assert_eq!(linked_count, files.len());
    assert_eq!(menu_starts.len(), 13, "the corpus has 13 menu starts");
}

#[test]
fn every_corpus_expression_parses() {
    let found = corpus_expressions();
    let failures: Vec<String> = found
        .iter()
        .filter_map(|(file, line, text)| {
            parse_archy_expression(text)
                .err()
                .map(|e| format!("{file}:{line}: {text:?}: {e}"))
        })
        .collect();
    println!("{} corpus `exp:` expressions parsed", found.len());
    assert_no_expression_failed(found.len(), &failures);
}
