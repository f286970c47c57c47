//! The Archy reader never panics and always answers: arbitrary text, and corpus-like files cut
//! or mutated anywhere, give a flow or an error with a position.

use flowlink_model::archy::{export_archy, link_archy, parse_archy, unlink_archy};
use proptest::prelude::*;

const SAMPLE: &str = "inboundCall:\n  name: Sample\n  defaultLanguage: en-us\n  startUpRef: ./tasks/task[t]\n  initialGreeting:\n    tts: Hi\n  tasks:\n    - task:\n        name: T\n        refId: t\n        actions:\n          - decision:\n              condition:\n                exp: Call.Ani == \"1\"\n              outputs:\n                yes:\n                  actions:\n                    - loop:\n                        loopCount:\n                          lit: 2\n                        outputs:\n                          loop:\n                            actions:\n                              - loopExit:\n                                  name: x\n          - callCommonModule:\n              commonModule:\n                Auth:\n                  ver_latestPublished: {}\n          - jumpToTask:\n              targetTaskRef: ./tasks/task[t]\n";

fn exercise(text: &str) {
    if let Ok(flow) = parse_archy(text) {
        let _ = export_archy(&flow.logic, &flow.flow_type, &flow.name);
        let _ = link_archy(text, "M");
        let _ = unlink_archy(text, "Auth");
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        exercise(&text);
    }

    #[test]
    fn cut_or_mutated_files_never_panic(cut in 0usize..SAMPLE.len(), at in 0usize..SAMPLE.len(), byte in prop::sample::select(vec![' ', '-', ':', '\n', '[', '{', '"', '\'', '#', 'x', '\t', '|', '>'])) {
        exercise(&SAMPLE[..cut]);
        let mut mutated: Vec<char> = SAMPLE.chars().collect();
        if at < mutated.len() {
            mutated[at] = byte;
        }
        exercise(&mutated.into_iter().collect::<String>());
    }
}

#[test]
fn deep_nesting_is_refused_not_recursed() {
    let mut text = String::from("inboundCall:\n  name: Deep\n  x: ");
    text.push_str(&"[".repeat(100_000));
    let err = parse_archy(&text).expect_err("too deep");
    assert!(err.line >= 1, "{err}");
}
