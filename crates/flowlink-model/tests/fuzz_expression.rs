//! Adversarial runs of `parse_expression`: nesting far past the cap (10,000 parentheses,
//! prefix operators, left-associative chains, nested calls), texts up to 1 MB and arbitrary
//! Unicode. Every input ends in `Ok` or a positioned `ExprError`; nothing panics, overflows the
//! stack or grows without bound. Long run: see `fuzz_support` (`PROPTEST_CASES`).

mod fuzz_support;

use flowlink_model::{parse_expression, ExprError, MAX_EXPR_DEPTH, MAX_EXPR_LEN};
use fuzz_support::{arb_long_string, check_expr_error, closers, config, long_expression};
use proptest::prelude::*;

/// Shapes that nest once per repetition.
#[derive(Debug, Clone, Copy)]
enum Nest {
    Parens,
    Not,
    Minus,
    Plus,
    If,
    ToString,
}

fn nested(shape: Nest, depth: usize, closed: bool) -> String {
    let close = |s: &str| closers(s, depth, closed);
    match shape {
        Nest::Parens => format!("{}Flow.x{}", "(".repeat(depth), close(")")),
        Nest::Not => format!("{}true", "not ".repeat(depth)),
        Nest::Minus => format!("{}Flow.x", "-".repeat(depth)),
        Nest::Plus => format!("1{}", " + Flow.x".repeat(depth)),
        Nest::If => format!("{}1{}", "If(true, ".repeat(depth), close(", 2)")),
        Nest::ToString => format!("{}1{}", "ToString(".repeat(depth), close(")")),
    }
}

fn arb_nest() -> impl Strategy<Value = Nest> {
    prop::sample::select(vec![
        Nest::Parens,
        Nest::Not,
        Nest::Minus,
        Nest::Plus,
        Nest::If,
        Nest::ToString,
    ])
}

/// An error's column points into the text or just past it, and its message is short: it may
/// quote one token, never the whole of a long text.
fn check_error(e: &ExprError, text: &str) -> Result<(), TestCaseError> {
    check_expr_error(e, text, 4 * MAX_EXPR_LEN + 200)
}

proptest! {
    #![proptest_config(config(48))]

    /// Up to 10,000 levels: deeper than the cap is an error, never a stack overflow.
    #[test]
    fn deep_nesting_is_refused_not_recursed(shape in arb_nest(), depth in 0usize..=10_000, closed in any::<bool>()) {
        let text = nested(shape, depth, closed);
        match parse_expression(&text) {
            Ok(_) => {
                prop_assert!(depth <= MAX_EXPR_DEPTH, "{shape:?} x{depth} parsed");
                prop_assert!(text.chars().count() <= MAX_EXPR_LEN);
            }
            Err(e) => check_error(&e, &text)?,
        }
        if depth > MAX_EXPR_DEPTH {
            prop_assert!(parse_expression(&text).is_err(), "{shape:?} x{depth} accepted");
        }
    }

    /// Texts up to 1 MB as a whole expression, a string literal, a name or a number.
    #[test]
    fn long_texts_are_refused_quickly(long in arb_long_string(), wrap in 0usize..4) {
        let text = long_expression(&long, wrap);
        let result = parse_expression(&text);
        if let Err(e) = &result {
            check_error(e, &text)?;
        }
        if text.chars().count() > MAX_EXPR_LEN {
            prop_assert!(result.is_err(), "{} chars accepted", text.chars().count());
        }
    }

    /// Arbitrary Unicode, including lone quotes, escapes and control characters.
    #[test]
    fn arbitrary_text_is_ok_or_positioned_error(text in "\\PC{0,300}", prefix in "[(\"\\\\ ]{0,50}") {
        let text = format!("{prefix}{text}");
        if let Err(e) = parse_expression(&text) {
            check_error(&e, &text)?;
        }
    }
}
