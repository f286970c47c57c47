//! The shared scanner: expression text (as characters) into tokens, each with its 1-based
//! column. Whitespace only separates; strings, comparison operators and the hints for operators
//! from other languages are common; punctuation, numbers and names come from the [`Language`].

use super::{err, ExprError, Language};

/// One token of either expression language.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Str(String),
    Int(i64),
    Dec(f64),
    /// A single name (Architect: `Flow`, `If`; dots are their own tokens).
    Ident(String),
    /// A dotted name split at its dots (JSON dialects: `Flow.x`, `If`).
    Path(Vec<String>),
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Op(&'static str),
}

impl Tok {
    /// How an error message names the token; `string_noun` names a string.
    pub(crate) fn describe(&self, string_noun: &str) -> String {
        match self {
            Tok::Str(_) => string_noun.into(),
            Tok::Int(i) => format!("number {i}"),
            Tok::Dec(d) => format!("number {d}"),
            Tok::Ident(name) => format!("'{}'", shorten(name)),
            Tok::Path(segments) => format!("'{}'", segments.join(".")),
            Tok::Dot => "'.'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Comma => "','".into(),
            Tok::Op(op) => format!("'{op}'"),
        }
    }

    /// Whether the token is the single name `word` (keywords are case-insensitive).
    pub(crate) fn is_keyword(&self, word: &str) -> bool {
        match self {
            Tok::Ident(name) => name.eq_ignore_ascii_case(word),
            Tok::Path(segments) => segments.len() == 1 && segments[0].eq_ignore_ascii_case(word),
            _ => false,
        }
    }
}

/// A token and the 1-based character column where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) column: usize,
}

/// Long names are quoted shortened so an error stays small whatever the input.
pub(crate) fn shorten(name: &str) -> String {
    const KEEP: usize = 40;
    if name.chars().count() <= KEEP {
        name.to_owned()
    } else {
        let head: String = name.chars().take(KEEP).collect();
        format!("{head}…")
    }
}

/// Whether `c` may start a name.
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Whether `c` may continue a name.
pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The index of the first non-digit at or after `from` (or the end).
pub(crate) fn digits_end(chars: &[char], from: usize) -> usize {
    (from..chars.len())
        .find(|&j| !chars[j].is_ascii_digit())
        .unwrap_or(chars.len())
}

/// Splits `chars` into tokens of language `L`.
pub(super) fn tokenize<L: Language>(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (tok, end) = if let Some(tok) = L::punctuation(c) {
            (tok, i + 1)
        } else {
            match c {
                '=' | '!' | '<' | '>' => {
                    let (op, width) = comparison::<L>(c, chars.get(i + 1).copied(), column)?;
                    (Tok::Op(op), i + width)
                }
                '"' => {
                    let (value, end) = lex_string(chars, i)?;
                    (Tok::Str(value), end)
                }
                '\'' => return err(column, "strings use double quotes: \"text\""),
                c if c.is_ascii_digit() => L::number(chars, i)?,
                c if is_ident_start(c) => L::name(chars, i)?,
                '&' => return err(column, "'&' is not an operator: use 'and'"),
                '|' => return err(column, "'|' is not an operator: use 'or'"),
                other => return err(column, format!("unexpected character '{other}'")),
            }
        };
        tokens.push(Token { tok, column });
        i = end;
    }
    Ok(tokens)
}

/// An operator starting with `= ! < >`: the operator and its width in characters.
fn comparison<L: Language>(
    c: char,
    next: Option<char>,
    column: usize,
) -> Result<(&'static str, usize), ExprError> {
    Ok(match (c, next) {
        ('=', Some('=')) => ("==", 2),
        ('!', Some('=')) => ("!=", 2),
        ('<', Some('=')) => ("<=", 2),
        ('>', Some('=')) => (">=", 2),
        ('<', Some('>')) => return err(column, "'<>' is not an operator: use '!='"),
        ('<', _) => ("<", 1),
        ('>', _) => (">", 1),
        ('=', _) => return err(column, "single '=' is not an operator: compare with '=='"),
        _ if L::BANG_IS_NOT => ("!", 1),
        _ => return err(column, "'!' is not an operator: use 'not' or '!='"),
    })
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
