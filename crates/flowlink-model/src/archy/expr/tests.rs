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
