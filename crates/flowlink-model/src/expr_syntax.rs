//! The machinery both expression languages share: the JSON dialects' language (SPEC §3,
//! [`crate::parse_expression`]) and Architect's (`exp:` values,
//! [`crate::archy::expr::parse_archy_expression`]). A scanner over characters with 1-based
//! columns ([`scan`]) and a precedence-climbing parser with the depth caps ([`climb`]), both
//! parameterised by a [`Language`]: what differs between the two (punctuation, how numbers and
//! names are lexed, the arithmetic levels, prefix operators, what a name or a call means) is
//! the language's; everything else exists once, so the two cannot drift apart in how they
//! refuse pathological input or word a common error.

mod climb;
mod scan;

pub(crate) use climb::{parse, Level, Parsed, Parser};
pub(crate) use scan::{digits_end, is_ident_char, is_ident_start, shorten, Tok, Token};

use crate::expr::UnaryOp;

/// Deepest expression tree (and parser recursion) accepted.
pub const MAX_EXPR_DEPTH: usize = 64;
/// Longest expression text accepted, in characters.
pub const MAX_EXPR_LEN: usize = 10_000;

/// An expression syntax error with its 1-based character column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (column {column})")]
pub struct ExprError {
    /// What is wrong, naming the fix where there is one.
    pub message: String,
    /// 1-based column (in characters) where the problem starts.
    pub column: usize,
}

/// An [`ExprError`] at `column`, as a `Result` so callers can `return err(..)`.
pub(crate) fn err<T>(column: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        message: message.into(),
        column,
    })
}

/// What one expression language adds to the shared scanner and parser.
pub(crate) trait Language: Sized {
    /// How an error message names a string token ("string", "a string").
    const STRING_NOUN: &'static str;
    /// Whether a lone `!` is the prefix not; otherwise it is refused with a hint.
    const BANG_IS_NOT: bool;
    /// The arithmetic levels between comparison and the prefix operators, loosest first.
    const LEVELS: &'static [Level];
    /// Prefix operators (signs fold into number literals).
    const PREFIX: &'static [(&'static str, UnaryOp)];

    /// A one-character token other than the comparison operators, if `c` is one.
    fn punctuation(c: char) -> Option<Tok>;
    /// Lexes the number starting at the digit `chars[start]`: the token and the index after it.
    fn number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError>;
    /// Lexes the name starting at `chars[start]` (an identifier start): the token and the index
    /// after it.
    fn name(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError>;
    /// How a "missing ')'" error names the opener at `open_column`.
    fn opener(open_column: usize) -> String;
    /// The value a token other than a literal or `(` starts (the parser has moved past it).
    fn operand(parser: &mut Parser<Self>, token: Token) -> Result<Parsed, ExprError>;
    /// Postfix forms after a value; none by default.
    fn postfix(parser: &mut Parser<Self>, value: Parsed) -> Result<Parsed, ExprError> {
        let _ = parser;
        Ok(value)
    }
}
