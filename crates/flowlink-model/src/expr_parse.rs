//! Parser for the expression subset of SPEC §3: literals, scoped variables, comparison,
//! `and`/`or`/`not`, `+`, unary minus and a handful of functions. Parsing happens once at write
//! time so syntax errors reach the author with a column; the engine only sees [`Expr`].
//!
//! This file holds only what is the JSON dialects' own (dotted names lexed whole, their numbers,
//! the refused `-` between values, the scopes and the fixed function table); the scanner, the
//! precedence climbing and the caps on length and depth are shared with Architect's language in
//! `crate::expr_syntax`.

use crate::expr::{BinaryOp, Expr, Function, Literal, UnaryOp, VarRef};
use crate::expr_syntax::{
    digits_end, err, is_ident_char, is_ident_start, parse, Language, Level, Parsed, Parser, Tok,
    Token,
};

pub use crate::expr_syntax::{ExprError, MAX_EXPR_DEPTH, MAX_EXPR_LEN};

/// Parses one expression, e.g. `If(Flow.count > 2, "many", "few")`.
///
/// Scope names (`Flow`, `Common`, `Interaction.data`, `Call`), keywords, literals and function
/// names are case-insensitive; variable names are kept as written.
pub fn parse_expression(text: &str) -> Result<Expr, ExprError> {
    parse::<Json>(text)
}

/// The JSON dialects' language: `+` only (a `-` between values is refused), prefix `-`, dotted
/// names lexed whole, a fixed set of functions with fixed arity.
struct Json;

impl Language for Json {
    const STRING_NOUN: &'static str = "string";
    const BANG_IS_NOT: bool = false;
    const LEVELS: &'static [Level] = &[Level {
        ops: &[("+", BinaryOp::Add)],
        refused: &[(
            "-",
            "subtraction is not supported: '-' is only a sign, as in -5",
        )],
    }];
    const PREFIX: &'static [(&'static str, UnaryOp)] = &[("-", UnaryOp::Neg)];

    fn punctuation(c: char) -> Option<Tok> {
        Some(match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '+' => Tok::Op("+"),
            '-' => Tok::Op("-"),
            _ => return None,
        })
    }

    fn number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
        lex_number(chars, start)
    }

    fn name(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
        lex_path(chars, start).map(|(segments, end)| (Tok::Path(segments), end))
    }

    fn opener(open_column: usize) -> String {
        format!("the '(' at column {open_column}")
    }

    fn operand(parser: &mut Parser<Json>, token: Token) -> Result<Parsed, ExprError> {
        let Tok::Path(segments) = &token.tok else {
            return parser.not_a_value(&token);
        };
        if parser.peek_tok() == Some(&Tok::LParen) {
            parser.advance(1);
            return parse_call(parser, segments, token.column);
        }
        parse_name(segments, token.column)
    }
}

fn lex_number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
    let mut i = digits_end(chars, start);
    let mut decimal = false;
    if i < chars.len() && chars[i] == '.' {
        if !chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            return err(
                i + 1,
                "a decimal point must be followed by digits, e.g. 1.5",
            );
        }
        decimal = true;
        i = digits_end(chars, i + 1);
    }
    if i < chars.len() && (is_ident_char(chars[i]) || chars[i] == '.') {
        return err(
            i + 1,
            format!("unexpected character '{}' in number", chars[i]),
        );
    }
    let text: String = chars[start..i].iter().collect();
    let tok = if decimal {
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Tok::Dec(value),
            _ => return err(start + 1, format!("number {text} is out of range")),
        }
    } else {
        match text.parse::<i64>() {
            Ok(value) => Tok::Int(value),
            Err(_) => return err(start + 1, format!("integer {text} is too large")),
        }
    };
    Ok((tok, i))
}

fn lex_path(chars: &[char], start: usize) -> Result<(Vec<String>, usize), ExprError> {
    let mut segments = Vec::new();
    let mut i = start;
    loop {
        let seg_start = i;
        while i < chars.len() && is_ident_char(chars[i]) {
            i += 1;
        }
        if i == seg_start {
            return err(i + 1, "expected a name after '.'");
        }
        segments.push(chars[seg_start..i].iter().collect());
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            if !chars.get(i).is_some_and(|c| is_ident_start(*c)) {
                return err(i + 1, "expected a name after '.'");
            }
        } else {
            return Ok((segments, i));
        }
    }
}

const KNOWN_FUNCTIONS: &str = "If, ToString, ToInt, IsSet, IsNotSetOrEmpty, Contains, Length";

fn parse_name(segments: &[String], column: usize) -> Result<Parsed, ExprError> {
    if segments.len() == 1 {
        let word = segments[0].to_ascii_lowercase();
        let lit = match word.as_str() {
            "true" => Literal::Boolean(true),
            "false" => Literal::Boolean(false),
            "not_set" => Literal::NotSet,
            "and" | "or" | "not" => return err(column, format!("expected a value but found '{}'", segments[0])),
            _ => {
                return err(column, format!(
                    "unknown name '{}': variables are written Flow.x, Common.x, Interaction.data.x, Call.Ani or Call.Dnis",
                    segments[0]
                ))
            }
        };
        return Ok((Expr::Literal(lit), 1));
    }
    resolve_variable(segments, column).map(|var| (Expr::Var(var), 1))
}

fn parse_call(
    parser: &mut Parser<Json>,
    segments: &[String],
    column: usize,
) -> Result<Parsed, ExprError> {
    let name = segments.join(".");
    let (function, arity) = match lookup_function(&name) {
        Some(found) => found,
        None => {
            return err(
                column,
                format!("unknown function '{name}': known functions are {KNOWN_FUNCTIONS}"),
            )
        }
    };
    let open_column = column + name.chars().count();
    let (args, depth) = parser.parse_list(&Tok::RParen, "')'", open_column)?;
    if args.len() != arity {
        let plural = if arity == 1 { "" } else { "s" };
        return err(
            column,
            format!(
                "{name} takes {arity} argument{plural}, found {}",
                args.len()
            ),
        );
    }
    parser.node(column, Expr::Call(function, args), depth)
}

fn lookup_function(name: &str) -> Option<(Function, usize)> {
    Some(match name.to_ascii_lowercase().as_str() {
        "if" => (Function::If, 3),
        "tostring" => (Function::ToString, 1),
        "toint" => (Function::ToInt, 1),
        "isset" => (Function::IsSet, 1),
        "isnotsetorempty" => (Function::IsNotSetOrEmpty, 1),
        "contains" => (Function::Contains, 2),
        "length" => (Function::Length, 1),
        _ => return None,
    })
}

/// Resolves a dotted name (`Flow.x`, `Interaction.data.x`, `Call.Ani`) to a [`VarRef`].
fn resolve_variable(segments: &[String], column: usize) -> Result<VarRef, ExprError> {
    let scope = segments[0].to_ascii_lowercase();
    let resolved = match (scope.as_str(), segments.len()) {
        ("flow", 2) => Some(VarRef::Flow(segments[1].clone())),
        ("common", 2) => Some(VarRef::Common(segments[1].clone())),
        ("interaction", 3) if segments[1].eq_ignore_ascii_case("data") => {
            Some(VarRef::InteractionData(segments[2].clone()))
        }
        ("call", 2) if segments[1].eq_ignore_ascii_case("ani") => Some(VarRef::CallAni),
        ("call", 2) if segments[1].eq_ignore_ascii_case("dnis") => Some(VarRef::CallDnis),
        _ => None,
    };
    resolved.ok_or_else(|| ExprError {
        message: format!(
            "unknown variable '{}': variables are written Flow.x, Common.x, Interaction.data.x, Call.Ani or Call.Dnis",
            segments.join(".")
        ),
        column,
    })
}

/// Parses a `setData` key or an output-mapping target: `Flow.x` / `Common.x` name a variable,
/// `Interaction.data.x` or any other key names participant data.
pub(crate) fn parse_data_target(key: &str) -> Result<crate::graph::DataTarget, String> {
    use crate::graph::DataTarget;
    let key = key.trim();
    if key.is_empty() {
        return Err("key is empty: name participant data (e.g. auth_status) or a variable (Flow.x, Common.x)".into());
    }
    let segments: Vec<&str> = key.split('.').collect();
    let scope = segments[0].to_ascii_lowercase();
    let valid_name = |s: &str| !s.is_empty() && s.chars().all(is_ident_char);
    match scope.as_str() {
        "flow" | "common" if segments.len() > 1 => {
            if segments.len() != 2 || !valid_name(segments[1]) {
                return Err(format!(
                    "'{key}' is not a variable name: write {}.name",
                    segments[0]
                ));
            }
            let name = segments[1].to_string();
            Ok(DataTarget::Variable(if scope == "flow" {
                VarRef::Flow(name)
            } else {
                VarRef::Common(name)
            }))
        }
        "interaction" if segments.len() == 3 && segments[1].eq_ignore_ascii_case("data") => {
            Ok(DataTarget::Participant(segments[2].to_string()))
        }
        "call" if segments.len() == 2 => Err(format!("'{key}' is read-only and cannot be set")),
        _ => Ok(DataTarget::Participant(key.to_string())),
    }
}

#[cfg(test)]
#[path = "expr_parse_tests.rs"]
mod tests;
