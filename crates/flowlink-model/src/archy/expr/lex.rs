//! What Architect's expressions lex their own way: the punctuation (`.`, brackets and `* / %`
//! besides the JSON dialects' set), numbers (`1.x` is a member of `1`, a number running into a
//! name is refused) and single names (dots are tokens of their own). The scanner around them is
//! `crate::expr_syntax`'s.

use crate::expr_syntax::{digits_end, err, is_ident_char, is_ident_start, shorten, Tok};
use crate::ExprError;

/// The one-character tokens besides the comparison operators.
pub(super) fn punctuation(c: char) -> Option<Tok> {
    Some(match c {
        '(' => Tok::LParen,
        ')' => Tok::RParen,
        '[' => Tok::LBracket,
        ']' => Tok::RBracket,
        ',' => Tok::Comma,
        '.' => Tok::Dot,
        '+' => Tok::Op("+"),
        '-' => Tok::Op("-"),
        '*' => Tok::Op("*"),
        '/' => Tok::Op("/"),
        '%' => Tok::Op("%"),
        _ => return None,
    })
}

/// A name from `start`: the token and the index after it.
pub(super) fn ident(chars: &[char], start: usize) -> (Tok, usize) {
    let end = (start..chars.len())
        .find(|&j| !is_ident_char(chars[j]))
        .unwrap_or(chars.len());
    (Tok::Ident(chars[start..end].iter().collect()), end)
}

/// A number from `start`: the token and the index after it.
pub(super) fn number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
    let mut end = digits_end(chars, start);
    let decimal =
        chars.get(end) == Some(&'.') && chars.get(end + 1).is_some_and(char::is_ascii_digit);
    if decimal {
        end = digits_end(chars, end + 1);
    }
    if chars.get(end).copied().is_some_and(is_ident_start) {
        return err(
            end + 1,
            "a number cannot run into a name: add a space or an operator",
        );
    }
    let text: String = chars[start..end].iter().collect();
    let tok = if decimal {
        text.parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .map(Tok::Dec)
    } else {
        text.parse::<i64>().ok().map(Tok::Int)
    };
    match tok {
        Some(tok) => Ok((tok, end)),
        None => err(
            start + 1,
            format!("number {} is out of range", shorten(&text)),
        ),
    }
}
