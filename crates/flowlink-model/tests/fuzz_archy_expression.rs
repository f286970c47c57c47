//! Adversarial runs of the Archy expression parser (`parse_archy_expression`): nesting far
//! past the cap through every nesting form the language has (parentheses, `!`, `not`, `-`,
//! left-associative operator chains, calls, member chains, index chains, collection
//! literals), texts up to 1 MB, arbitrary Unicode and token soup built from the language's own
//! pieces. Every input ends in `Ok` or an `ExprError` whose column points into the text;
//! nothing panics or overflows the stack. Long run: see `fuzz_support` (`PROPTEST_CASES`).

mod fuzz_support;

use flowlink_model::archy::expr::parse_archy_expression;
use flowlink_model::{ExprError, MAX_EXPR_DEPTH, MAX_EXPR_LEN};
use fuzz_support::{arb_long_string, check_expr_error, closers, config, long_expression};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Nest {
    Parens,
    Bang,
    Not,
    Minus,
    Times,
    Call,
    Members,
    Index,
    List,
}

fn nested(shape: Nest, depth: usize, closed: bool) -> String {
    let close = |s: &str| closers(s, depth, closed);
    match shape {
        Nest::Parens => format!("{}Flow.x{}", "(".repeat(depth), close(")")),
        Nest::Bang => format!("{}true", "!".repeat(depth)),
        Nest::Not => format!("{}true", "NOT ".repeat(depth)),
        Nest::Minus => format!("{}Task.x", "-".repeat(depth)),
        Nest::Times => format!("1{}", " * State.y".repeat(depth)),
        Nest::Call => format!("{}1{}", "Append(\"a\", ".repeat(depth), close(")")),
        Nest::Members => format!("Flow.x{}", ".y".repeat(depth)),
        Nest::Index => format!("Flow.x{}", "[0]".repeat(depth)),
        Nest::List => format!("{}1{}", "[".repeat(depth), close("]")),
    }
}

fn arb_nest() -> impl Strategy<Value = Nest> {
    prop::sample::select(vec![
        Nest::Parens,
        Nest::Bang,
        Nest::Not,
        Nest::Minus,
        Nest::Times,
        Nest::Call,
        Nest::Members,
        Nest::Index,
        Nest::List,
    ])
}

/// Pieces of the language, so random sequences reach deep into the grammar.
fn arb_token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Flow.x",
        "Task.y",
        "State.z",
        "Common.c",
        "Call.Ani",
        "Call.ConversationId",
        "Format.Date.x",
        "If(",
        "Append(",
        "GetAt(",
        "MakeDuration(",
        "ToAudioTTS(",
        "GetCurrentDateTimeUtc()",
        "(",
        ")",
        "[",
        "]",
        ",",
        ".",
        ".e164",
        "[0]",
        "+",
        "-",
        "*",
        "/",
        "%",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "!",
        "and",
        "OR",
        "not",
        "\"s\"",
        "\"\\\"",
        "\"",
        "42",
        "3.5",
        "true",
        "NOT_SET",
        " ",
        "\n",
        "\t",
        "9999999999999999999999",
        "=",
        "&",
        "'",
    ])
}

/// Messages quote at most a shortened name, so they stay small whatever the text.
fn check_error(e: &ExprError, text: &str) -> Result<(), TestCaseError> {
    check_expr_error(e, text, 400)
}

proptest! {
    #![proptest_config(config(48))]

    /// Up to 10,000 levels: deeper than the cap is an error, never a stack overflow.
    #[test]
    fn deep_nesting_is_refused_not_recursed(shape in arb_nest(), depth in 0usize..=10_000, closed in any::<bool>()) {
        let text = nested(shape, depth, closed);
        match parse_archy_expression(&text) {
            Ok(_) => prop_assert!(depth <= MAX_EXPR_DEPTH, "{shape:?} x{depth} parsed"),
            Err(e) => check_error(&e, &text)?,
        }
    }

    /// Texts up to 1 MB as a whole expression, a string literal, a name or a number.
    #[test]
    fn long_texts_are_refused_quickly(long in arb_long_string(), wrap in 0usize..4) {
        let text = long_expression(&long, wrap);
        let result = parse_archy_expression(&text);
        if let Err(e) = &result {
            check_error(e, &text)?;
        }
        if text.chars().count() > MAX_EXPR_LEN {
            prop_assert!(result.is_err());
        }
    }

    /// Arbitrary Unicode, including lone quotes, escapes and control characters.
    #[test]
    fn arbitrary_text_is_ok_or_positioned_error(text in "\\PC{0,300}", prefix in "[(\\[!\"\\\\ .]{0,50}") {
        let text = format!("{prefix}{text}");
        if let Err(e) = parse_archy_expression(&text) {
            check_error(&e, &text)?;
        }
    }

    /// Random sequences of the language's own tokens.
    #[test]
    fn token_soup_is_ok_or_positioned_error(tokens in prop::collection::vec(arb_token(), 0..60)) {
        let text = tokens.concat();
        if let Err(e) = parse_archy_expression(&text) {
            check_error(&e, &text)?;
        }
    }
}
