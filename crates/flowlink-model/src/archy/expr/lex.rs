//! Tokens of an Archy expression, each with its 1-based character column.

use crate::expr_parse::ExprError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Str(String),
    Int(i64),
    Dec(f64),
    Ident(String),
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Op(&'static str),
}

impl Tok {
    /// How an error message names the token.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Str(_) => "a string".into(),
            Tok::Int(i) => format!("number {i}"),
            Tok::Dec(d) => format!("number {d}"),
            Tok::Ident(name) => format!("'{}'", shorten(name)),
            Tok::Dot => "'.'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Comma => "','".into(),
            Tok::Op(op) => format!("'{op}'"),
        }
    }
}

/// Long names are quoted shortened so an error stays small whatever the input.
pub(super) fn shorten(name: &str) -> String {
    const KEEP: usize = 40;
    if name.chars().count() <= KEEP {
        name.to_owned()
    } else {
        let head: String = name.chars().take(KEEP).collect();
        format!("{head}…")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) column: usize,
}

pub(super) fn err<T>(column: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        message: message.into(),
        column,
    })
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `chars` into tokens; whitespace (spaces, tabs, newlines) only separates.
pub(super) fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        let (tok, width) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            ',' => (Tok::Comma, 1),
            '.' => (Tok::Dot, 1),
            '+' => (Tok::Op("+"), 1),
            '-' => (Tok::Op("-"), 1),
            '*' => (Tok::Op("*"), 1),
            '/' => (Tok::Op("/"), 1),
            '%' => (Tok::Op("%"), 1),
            '=' if next == Some('=') => (Tok::Op("=="), 2),
            '=' => return err(column, "single '=' is not an operator: compare with '=='"),
            '!' if next == Some('=') => (Tok::Op("!="), 2),
            '!' => (Tok::Op("!"), 1),
            '<' if next == Some('=') => (Tok::Op("<="), 2),
            '<' if next == Some('>') => return err(column, "'<>' is not an operator: use '!='"),
            '<' => (Tok::Op("<"), 1),
            '>' if next == Some('=') => (Tok::Op(">="), 2),
            '>' => (Tok::Op(">"), 1),
            '&' => return err(column, "'&' is not an operator: use 'and'"),
            '|' => return err(column, "'|' is not an operator: use 'or'"),
            '\'' => return err(column, "strings use double quotes: \"text\""),
            '"' => {
                let (value, end) = lex_string(chars, i)?;
                tokens.push(Token {
                    tok: Tok::Str(value),
                    column,
                });
                i = end;
                continue;
            }
            c if c.is_ascii_digit() => {
                let (tok, end) = lex_number(chars, i)?;
                tokens.push(Token { tok, column });
                i = end;
                continue;
            }
            c if is_ident_start(c) => {
                let end = (i..chars.len())
                    .find(|&j| !is_ident_char(chars[j]))
                    .unwrap_or(chars.len());
                tokens.push(Token {
                    tok: Tok::Ident(chars[i..end].iter().collect()),
                    column,
                });
                i = end;
                continue;
            }
            other => return err(column, format!("unexpected character '{other}'")),
        };
        tokens.push(Token { tok, column });
        i += width;
    }
    Ok(tokens)
}

/// A double-quoted string from `start`; returns the value and the index after it.
fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), ExprError> {
    let mut value = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok((value, i + 1)),
            '\\' => {
                let escaped = match chars.get(i + 1) {
                    Some('"') => '"',
                    Some('\\') => '\\',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some(other) => {
                        return err(
                            i + 1,
                            format!(
                                "unknown escape '\\{other}' in string (use \\\" \\\\ \\n \\t \\r)"
                            ),
                        )
                    }
                    None => break,
                };
                value.push(escaped);
                i += 2;
            }
            c => {
                value.push(c);
                i += 1;
            }
        }
    }
    err(start + 1, "unterminated string: add the closing '\"'")
}

fn lex_number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
    let digits_end = |from: usize| {
        (from..chars.len())
            .find(|&j| !chars[j].is_ascii_digit())
            .unwrap_or(chars.len())
    };
    let mut end = digits_end(start);
    let decimal =
        chars.get(end) == Some(&'.') && chars.get(end + 1).is_some_and(char::is_ascii_digit);
    if decimal {
        end = digits_end(end + 1);
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
