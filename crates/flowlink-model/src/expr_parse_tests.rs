//! Unit tests for the expression parser and data-target keys.

use super::*;
use crate::graph::DataTarget;

fn ok(text: &str) -> Expr {
    match parse_expression(text) {
        Ok(expr) => expr,
        Err(e) => panic!("`{text}` should parse: {e}"),
    }
}

fn fails(text: &str) -> ExprError {
    match parse_expression(text) {
        Ok(expr) => panic!("`{text}` should fail but parsed as {expr:?}"),
        Err(e) => e,
    }
}

fn var(v: VarRef) -> Box<Expr> {
    Box::new(Expr::Var(v))
}

fn lit(l: Literal) -> Box<Expr> {
    Box::new(Expr::Literal(l))
}

#[test]
fn literals() {
    assert_eq!(
        ok(r#""a \"quoted\" \\ word""#),
        Expr::Literal(Literal::String("a \"quoted\" \\ word".into()))
    );
    assert_eq!(ok("42"), Expr::Literal(Literal::Integer(42)));
    assert_eq!(ok("3.25"), Expr::Literal(Literal::Decimal(3.25)));
    assert_eq!(ok("-7"), Expr::Literal(Literal::Integer(-7)));
    assert_eq!(ok("TRUE"), Expr::Literal(Literal::Boolean(true)));
    assert_eq!(ok("false"), Expr::Literal(Literal::Boolean(false)));
    assert_eq!(ok("NOT_SET"), Expr::Literal(Literal::NotSet));
    assert_eq!(ok("not_set"), Expr::Literal(Literal::NotSet));
}

#[test]
fn variables_resolve_scopes_case_insensitively() {
    assert_eq!(ok("Flow.count"), Expr::Var(VarRef::Flow("count".into())));
    assert_eq!(ok("flow.count"), Expr::Var(VarRef::Flow("count".into())));
    assert_eq!(
        ok("Common.customerId"),
        Expr::Var(VarRef::Common("customerId".into()))
    );
    assert_eq!(
        ok("Interaction.data.auth_status"),
        Expr::Var(VarRef::InteractionData("auth_status".into()))
    );
    assert_eq!(
        ok("INTERACTION.Data.x"),
        Expr::Var(VarRef::InteractionData("x".into()))
    );
    assert_eq!(ok("Call.Ani"), Expr::Var(VarRef::CallAni));
    assert_eq!(ok("call.dnis"), Expr::Var(VarRef::CallDnis));
}

#[test]
fn precedence_or_below_and_below_not_below_comparison_below_plus() {
    // not Flow.a == 1 or Flow.b + 1 > 2 and true
    let parsed = ok("not Flow.a == 1 or Flow.b + 1 > 2 and true");
    let left = Expr::Unary(
        UnaryOp::Not,
        Box::new(Expr::Binary(
            BinaryOp::Eq,
            var(VarRef::Flow("a".into())),
            lit(Literal::Integer(1)),
        )),
    );
    let sum = Expr::Binary(
        BinaryOp::Add,
        var(VarRef::Flow("b".into())),
        lit(Literal::Integer(1)),
    );
    let cmp = Expr::Binary(BinaryOp::Gt, Box::new(sum), lit(Literal::Integer(2)));
    let right = Expr::Binary(BinaryOp::And, Box::new(cmp), lit(Literal::Boolean(true)));
    assert_eq!(
        parsed,
        Expr::Binary(BinaryOp::Or, Box::new(left), Box::new(right))
    );
}

#[test]
fn parentheses_override_precedence() {
    let parsed = ok("(true or false) and false");
    let inner = Expr::Binary(
        BinaryOp::Or,
        lit(Literal::Boolean(true)),
        lit(Literal::Boolean(false)),
    );
    assert_eq!(
        parsed,
        Expr::Binary(BinaryOp::And, Box::new(inner), lit(Literal::Boolean(false)))
    );
}

#[test]
fn plus_is_left_associative() {
    let parsed = ok(r#""a" + "b" + "c""#);
    let ab = Expr::Binary(
        BinaryOp::Add,
        lit(Literal::String("a".into())),
        lit(Literal::String("b".into())),
    );
    assert_eq!(
        parsed,
        Expr::Binary(
            BinaryOp::Add,
            Box::new(ab),
            lit(Literal::String("c".into()))
        )
    );
}

#[test]
fn all_comparison_operators() {
    for (text, op) in [
        ("==", BinaryOp::Eq),
        ("!=", BinaryOp::Ne),
        ("<", BinaryOp::Lt),
        ("<=", BinaryOp::Le),
        (">", BinaryOp::Gt),
        (">=", BinaryOp::Ge),
    ] {
        assert_eq!(
            ok(&format!("1 {text} 2")),
            Expr::Binary(op, lit(Literal::Integer(1)), lit(Literal::Integer(2))),
            "{text}"
        );
    }
}

#[test]
fn unary_minus_on_variable() {
    assert_eq!(
        ok("-Flow.x"),
        Expr::Unary(UnaryOp::Neg, var(VarRef::Flow("x".into())))
    );
}

#[test]
fn functions_case_insensitive_with_arity() {
    assert_eq!(
        ok(r#"if(IsSet(Flow.x), ToString(Flow.x), "none")"#),
        Expr::Call(
            Function::If,
            vec![
                Expr::Call(Function::IsSet, vec![Expr::Var(VarRef::Flow("x".into()))]),
                Expr::Call(
                    Function::ToString,
                    vec![Expr::Var(VarRef::Flow("x".into()))]
                ),
                Expr::Literal(Literal::String("none".into())),
            ]
        )
    );
    assert_eq!(
        ok("LENGTH(Call.Ani)"),
        Expr::Call(Function::Length, vec![Expr::Var(VarRef::CallAni)])
    );
    assert_eq!(
        ok("toint(\"5\")"),
        Expr::Call(
            Function::ToInt,
            vec![Expr::Literal(Literal::String("5".into()))]
        )
    );
    assert_eq!(
        ok("Contains(Call.Dnis, \"800\")"),
        Expr::Call(
            Function::Contains,
            vec![
                Expr::Var(VarRef::CallDnis),
                Expr::Literal(Literal::String("800".into()))
            ]
        )
    );
    assert_eq!(
        ok("IsNotSetOrEmpty(Flow.x)"),
        Expr::Call(
            Function::IsNotSetOrEmpty,
            vec![Expr::Var(VarRef::Flow("x".into()))]
        )
    );
}

#[test]
fn wrong_arity_names_function_and_column() {
    let e = fails("1 + If(true, 2)");
    assert_eq!(e.column, 5);
    assert!(
        e.message.contains("If takes 3 arguments, found 2"),
        "{}",
        e.message
    );
    let e = fails("Length()");
    assert_eq!(e.column, 1);
    assert!(
        e.message.contains("Length takes 1 argument, found 0"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_function_lists_known_ones() {
    let e = fails("Upper(\"x\")");
    assert_eq!(e.column, 1);
    assert!(
        e.message.contains("unknown function 'Upper'") && e.message.contains("IsNotSetOrEmpty"),
        "{}",
        e.message
    );
}

#[test]
fn syntax_errors_report_one_based_columns() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "empty expression"),
        ("   ", 1, "empty expression"),
        ("Flow.x ==", 10, "ends too early"),
        ("Flow.x = 1", 8, "'=='"),
        ("\"open", 1, "unterminated string"),
        ("(1 + 2", 7, "missing ')'"),
        ("1 2", 3, "unexpected number 2"),
        ("foo", 1, "unknown name 'foo'"),
        ("Session.x", 1, "unknown variable 'Session.x'"),
        ("Flow.a.b", 1, "unknown variable"),
        ("1 < 2 < 3", 7, "cannot be chained"),
        ("Flow.x - 1", 8, "subtraction is not supported"),
        ("'single'", 1, "double quotes"),
        ("1 && 2", 3, "use 'and'"),
        ("99999999999999999999", 1, "too large"),
        ("1.", 2, "decimal point"),
        ("\"a\\q\"", 3, "unknown escape"),
        ("Flow.", 6, "expected a name"),
        ("é", 1, "unexpected character"),
        ("x é", 3, "unexpected character"),
        ("and", 1, "expected a value"),
        (")", 1, "expected a value"),
    ];
    for (text, column, fragment) in cases {
        let e = fails(text);
        assert_eq!(e.column, *column, "column for `{text}`: {}", e.message);
        assert!(
            e.message.contains(fragment),
            "message for `{text}` should contain {fragment:?}: {}",
            e.message
        );
    }
}

#[test]
fn columns_count_characters_not_bytes() {
    // "é" is two bytes; the error after it must still be at character column 5.
    let e = fails("\"é\" +");
    assert_eq!(e.column, 6);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}1{}", "(".repeat(3000), ")".repeat(3000));
    assert!(fails(&deep).message.contains("nested too deeply"));
    let nots = format!("{}true", "not ".repeat(2000));
    assert!(fails(&nots).message.contains("nested too deeply"));
    let minus = format!("{}Flow.x", "-".repeat(5000));
    assert!(fails(&minus).message.contains("nested too deeply"));
    let calls = format!("{}1{}", "ToString(".repeat(200), ")".repeat(200));
    assert!(fails(&calls).message.contains("nested too deeply"));
    // Long flat chains build deep trees too; they are capped the same way.
    let sum = vec!["1"; 500].join(" + ");
    assert!(fails(&sum).message.contains("nested too deeply"));
}

#[test]
fn nesting_within_the_cap_parses() {
    let ok_deep = format!("{}1{}", "(".repeat(40), ")".repeat(40));
    assert_eq!(ok(&ok_deep), Expr::Literal(Literal::Integer(1)));
    let sum = vec!["1"; 40].join(" + ");
    assert!(matches!(ok(&sum), Expr::Binary(BinaryOp::Add, _, _)));
}

#[test]
fn overlong_text_is_refused() {
    let long = format!("\"{}\"", "x".repeat(MAX_EXPR_LEN));
    assert!(fails(&long).message.contains("too long"));
}

#[test]
fn data_targets() {
    assert_eq!(
        parse_data_target("auth_status"),
        Ok(DataTarget::Participant("auth_status".into()))
    );
    assert_eq!(
        parse_data_target("Flow.x"),
        Ok(DataTarget::Variable(VarRef::Flow("x".into())))
    );
    assert_eq!(
        parse_data_target("common.y"),
        Ok(DataTarget::Variable(VarRef::Common("y".into())))
    );
    assert_eq!(
        parse_data_target("Interaction.data.z"),
        Ok(DataTarget::Participant("z".into()))
    );
    assert_eq!(
        parse_data_target("customer.id"),
        Ok(DataTarget::Participant("customer.id".into()))
    );
    assert!(parse_data_target("").is_err());
    assert!(parse_data_target("Flow.a.b").is_err());
    assert!(parse_data_target("Call.Ani").is_err());
}
