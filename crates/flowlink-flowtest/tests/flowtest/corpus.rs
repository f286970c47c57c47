//! The Archy corpus (`../shared/archy-corpus`): every voice flow gets a generated smoke case
//! (each data action answered with success, a digit for each menu) and runs offline through
//! the runner with coverage; no case errors, no action is "not simulated", and every place in
//! the coverage report of an Archy flow resolves to a line of its file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use flowlink_flowtest::{parse_test_file, run_offline, FlowSet, Options, Status};
use flowlink_model::archy::{parse_archy, placeholders, substitute, ArchyOp};
use flowlink_model::{FlowLogic, NodeKind};

const VOICE: &[&str] = &[
    "inboundCall",
    "inqueueCall",
    "outboundCall",
    "secureCall",
    "commonModule",
];

fn corpus_dir() -> PathBuf {
    match std::env::var_os("FLOWLINK_ARCHY_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("../../../shared/archy-corpus"),
    }
}

fn plausible(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    if lower.contains("language") {
        "en-us".into()
    } else if lower.contains("division") {
        "Home".into()
    } else {
        format!("Sample {}", key.replace('_', " "))
    }
}

/// Every data action the flow calls, by the name the simulation answers.
fn data_action_names(logic: &FlowLogic) -> Vec<String> {
    logic
        .graph
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Archy(a) => match &a.op {
                ArchyOp::Core(NodeKind::DataAction { name, .. }) => Some(name.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn json_text(s: &str) -> String {
    serde_json::Value::String(s.into()).to_string()
}

#[test]
fn every_voice_flow_of_the_corpus_runs_a_smoke_case() {
    let dir = corpus_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    let mut tests = Vec::new();
    let mut names = std::collections::HashSet::new();
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let raw = std::fs::read_to_string(&path).unwrap();
        let subs: BTreeMap<String, String> = placeholders(&raw)
            .into_iter()
            .map(|(k, _)| {
                let v = plausible(&k);
                (k, v)
            })
            .collect();
        let text = substitute(&raw, &subs).unwrap();
        let root = text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .and_then(|l| l.strip_suffix(':'))
            .unwrap_or_default()
            .to_string();
        if !VOICE.contains(&root.as_str()) {
            // Other flow types are stored, not simulated (and their sample values may not
            // make valid expressions).
            continue;
        }
        let flow = parse_archy(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Two corpus files may share a flow name; the set needs one flow per name.
        if !VOICE.contains(&flow.root_key.as_str()) || !names.insert(flow.name.clone()) {
            continue;
        }
        let actions: Vec<String> = data_action_names(&flow.logic);
        let answers: Vec<String> = actions
            .iter()
            .map(|a| format!("{}: {{outputs: {{}}}}", json_text(a)))
            .collect();
        let test = format!(
            "flow: {}\ncases:\n  - name: smoke\n    call:\n      ani: \"tel:+13175550100\"\n      digits: [\"1\", \"1\", \"1\", \"1\"]\n      now: \"2026-11-30T15:00:00Z\"\n      dataActions: {{{}}}\n",
            json_text(&flow.name),
            answers.join(", ")
        );
        tests.push(parse_test_file(&format!("{file}.test.yaml"), &test).unwrap());
        sources.push((file, text));
    }
    let set = FlowSet::from_sources(&sources).unwrap_or_else(|e| panic!("{e}"));
    let opts = Options {
        coverage: true,
        keep_observed: true,
        ..Options::default()
    };
    let (results, coverage) = run_offline(&set, &tests, "corpus", &opts).unwrap();
    let mut problems = Vec::new();
    let mut ran = 0;
    for f in &results {
        for c in &f.cases {
            ran += 1;
            match &c.status {
                Status::Passed => {}
                other => problems.push(format!("{}: {other:?}", f.file)),
            }
            let outcome = &c.observed.as_ref().map(|o| format!("{:?}", o.outcome));
            if outcome
                .as_deref()
                .is_some_and(|o| o.contains("not simulated"))
            {
                problems.push(format!("{}: {outcome:?}", f.file));
            }
        }
    }
    println!("archy corpus: {ran} voice flows ran a smoke case through the runner");
    assert!(ran >= 20, "expected the corpus's voice flows, ran {ran}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let coverage = coverage.unwrap();
    assert!(
        coverage.flows.len() >= ran,
        "every flow under test is reported"
    );
    for f in &coverage.flows {
        for m in f.missed_actions.iter().chain(&f.missed_paths) {
            assert!(
                m.place.starts_with("line "),
                "{}: {} at {}",
                f.file,
                m.action,
                m.place
            );
        }
    }
}
