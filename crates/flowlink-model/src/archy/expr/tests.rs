//! Unit tests of the Archy expression parser: forms, precedence, errors with columns, and every
//! `exp:` value of the corpus.

use super::*;
use crate::expr::VarRef;
use crate::MAX_EXPR_LEN;

fn ok(text: &str) -> Expr {
    parse_archy_expression(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn fails(text: &str) -> ExprError {
    match parse_archy_expression(text) {
        Ok(expr) => panic!("{text:?} should fail, parsed {expr:?}"),
        Err(e) => e,
    }
}

fn var(v: VarRef) -> Box<Expr> {
    Box::new(Expr::Var(v))
}

fn s(text: &str) -> Box<Expr> {
    Box::new(Expr::Literal(Literal::String(text.into())))
}

fn int(i: i64) -> Box<Expr> {
    Box::new(Expr::Literal(Literal::Integer(i)))
}

#[test]
fn scopes_resolve_to_variables_and_builtins() {
    assert_eq!(ok("Task.Queue"), Expr::Var(VarRef::Task("Queue".into())));
    assert_eq!(ok("state.x"), Expr::Var(VarRef::State("x".into())));
    assert_eq!(ok("COMMON.y"), Expr::Var(VarRef::Common("y".into())));
    assert_eq!(ok("flow.Ani"), Expr::Var(VarRef::Flow("Ani".into())));
    assert_eq!(ok("Call.ani"), Expr::Var(VarRef::CallAni));
    assert_eq!(ok("call.DNIS"), Expr::Var(VarRef::CallDnis));
    assert_eq!(
        ok("call.conversationid"),
        Expr::Var(VarRef::Builtin("Call.ConversationId".into()))
    );
    assert_eq!(
        ok("Flow.StartDateTimeUtc"),
        Expr::Var(VarRef::Builtin("Flow.StartDateTimeUtc".into()))
    );
    assert_eq!(
        ok("Slot.AppointmentDate"),
        Expr::Var(VarRef::Builtin("Slot.AppointmentDate".into()))
    );
    assert_eq!(
        ok("PromptSystem.on_hold_music"),
        Expr::Var(VarRef::Builtin("PromptSystem.on_hold_music".into()))
    );
    assert_eq!(
        ok("Format.Date.shortYear"),
        Expr::Literal(Literal::String("Format.Date.shortYear".into()))
    );
}

#[test]
fn postfix_member_and_index_chain() {
    assert_eq!(
        ok("Task.Queue.id"),
        Expr::Member(var(VarRef::Task("Queue".into())), "id".into())
    );
    assert_eq!(
        ok("Chat.Guest.customFields[Task.i].key"),
        Expr::Member(
            Box::new(Expr::Index(
                Box::new(Expr::Member(
                    var(VarRef::Builtin("Chat.Guest".into())),
                    "customFields".into()
                )),
                var(VarRef::Task("i".into()))
            )),
            "key".into()
        )
    );
    assert_eq!(
        ok("ToPhoneNumber(Call.Ani).e164"),
        Expr::Member(
            Box::new(Expr::Call(
                Function::ToPhoneNumber,
                vec![Expr::Var(VarRef::CallAni)]
            )),
            "e164".into()
        )
    );
}

#[test]
fn precedence_follows_architect() {
    // * binds tighter than +, + tighter than comparison, comparison tighter than and/or.
    assert_eq!(
        ok("1 + 2 * 3 == 7 or false"),
        Expr::Binary(
            BinaryOp::Or,
            Box::new(Expr::Binary(
                BinaryOp::Eq,
                Box::new(Expr::Binary(
                    BinaryOp::Add,
                    int(1),
                    Box::new(Expr::Binary(BinaryOp::Mul, int(2), int(3)))
                )),
                int(7)
            )),
            Box::new(Expr::Literal(Literal::Boolean(false)))
        )
    );
    assert_eq!(
        ok("a.b - 1 - 2".replace("a.b", "Flow.b").as_str()),
        Expr::Binary(
            BinaryOp::Sub,
            Box::new(Expr::Binary(
                BinaryOp::Sub,
                var(VarRef::Flow("b".into())),
                int(1)
            )),
            int(2)
        )
    );
    // `!` binds to its operand, `not` to a whole comparison; AND/OR in any case.
    assert_eq!(
        ok("!IsSet(Flow.x) AND Flow.y % 2 != 0"),
        Expr::Binary(
            BinaryOp::And,
            Box::new(Expr::Unary(
                UnaryOp::Not,
                Box::new(Expr::Call(
                    Function::IsSet,
                    vec![Expr::Var(VarRef::Flow("x".into()))]
                ))
            )),
            Box::new(Expr::Binary(
                BinaryOp::Ne,
                Box::new(Expr::Binary(
                    BinaryOp::Mod,
                    var(VarRef::Flow("y".into())),
                    int(2)
                )),
                int(0)
            ))
        )
    );
    assert_eq!(
        ok("not Flow.a == 1"),
        Expr::Unary(
            UnaryOp::Not,
            Box::new(Expr::Binary(
                BinaryOp::Eq,
                var(VarRef::Flow("a".into())),
                int(1)
            ))
        )
    );
}

#[test]
fn literals_lists_and_functions() {
    assert_eq!(
        ok("[1, \"a\\\"b\", NOT_SET, -2.5]"),
        Expr::List(vec![
            Expr::Literal(Literal::Integer(1)),
            Expr::Literal(Literal::String("a\"b".into())),
            Expr::Literal(Literal::NotSet),
            Expr::Literal(Literal::Decimal(-2.5)),
        ])
    );
    assert_eq!(ok("[]"), Expr::List(vec![]));
    assert_eq!(
        ok("right(Call.ani, 12)"),
        Expr::Call(Function::Right, vec![Expr::Var(VarRef::CallAni), *int(12)])
    );
    assert_eq!(
        ok("MakeDuration(0, 0, 5, 0)"),
        Expr::Call(
            Function::MakeDuration,
            vec![*int(0), *int(0), *int(5), *int(0)]
        )
    );
    assert_eq!(
        ok("GetCurrentDateTimeUtc()"),
        Expr::Call(Function::GetCurrentDateTimeUtc, vec![])
    );
    assert_eq!(
        ok("Append(\"a\", \"b\", \"c\")"),
        Expr::Call(Function::Append, vec![*s("a"), *s("b"), *s("c")])
    );
}

#[test]
fn errors_name_the_column() {
    let e = fails("Flow.x == ");
    assert_eq!(e.column, 11, "{e}");
    let e = fails("If(true, 1)");
    assert_eq!(
        (e.column, e.message.as_str()),
        (1, "If takes 3 arguments, found 2")
    );
    let e = fails("Appendd(\"a\")");
    assert_eq!(e.column, 1);
    assert!(e.message.contains("unknown function 'Appendd'"), "{e}");
    let e = fails("Flow.x = 1");
    assert_eq!(e.column, 8);
    let e = fails("Bogus.x");
    assert!(e.message.contains("unknown scope 'Bogus'"), "{e}");
    let e = fails("x");
    assert!(e.message.contains("unknown name 'x'"), "{e}");
    let e = fails("GetAt(Flow.c, 1");
    assert_eq!(e.column, 16, "{e}");
    assert!(e.message.contains("missing ')' to close column 6"), "{e}");
    let e = fails("Flow.c[1");
    assert!(e.message.contains("missing ']'"), "{e}");
    let e = fails("1 < 2 < 3");
    assert!(e.message.contains("cannot be chained"), "{e}");
    let e = fails("\"open");
    assert_eq!(e.column, 1);
    let e = fails("Flow.");
    assert!(e.message.contains("expected a name after 'Flow.'"), "{e}");
    let e = fails("Flow.x Flow.y");
    assert_eq!(e.column, 8);
    let e = fails("(1, 2)");
    assert_eq!(e.column, 3);
    assert!(fails("").message.contains("empty expression"));
    assert!(fails("2x").message.contains("cannot run into a name"));
    assert!(fails("99999999999999999999")
        .message
        .contains("out of range"));
}

#[test]
fn depth_and_length_are_capped() {
    let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert!(fails(&deep).message.contains("nested too deeply"));
    let chain = format!("1{}", " + 1".repeat(100));
    assert!(fails(&chain).message.contains("nested too deeply"));
    let members = format!("Flow.x{}", ".y".repeat(100));
    assert!(fails(&members).message.contains("nested too deeply"));
    let long = format!("\"{}\"", "a".repeat(MAX_EXPR_LEN));
    assert!(fails(&long).message.contains("too long"));
}

/// Every `exp:` value in the Archy corpus, found by a plain text scan (all are one-line plain,
/// double-quoted or single-quoted YAML scalars), with `{{key}}` / `${key}` placeholders filled.
fn corpus_expressions() -> Vec<(String, usize, String)> {
    let dir = std::env::var_os("FLOWLINK_ARCHY_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/archy-corpus")
        });
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()) != Some("md"))
        .collect();
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
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
    assert!(
        found.len() >= 500,
        "expected the corpus' 568 expressions, found {}",
        found.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
