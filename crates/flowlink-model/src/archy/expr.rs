//! The Archy expression language (the text of an `exp:` value, reference §1.5, §3.6): parsed
//! into the model's [`Expr`] so the engine evaluates Archy and JSON-dialect expressions alike.
//!
//! Grammar, loosest first (keywords, scope names and function names are case-insensitive;
//! variable names are kept as written):
//! `or` · `and` · `not` · comparison (`== != < <= > >=`, not chained) · `+ -` · `* / %` ·
//! prefix `-` and `!` · postfix `.name` and `[index]` · primary: `"string"` (escapes
//! `\" \\ \n \t \r`), integer, decimal, `true`, `false`, `NOT_SET`, `( … )`, `[a, b]`,
//! `Function(args)`, and scoped names `Flow.x`, `Task.x`, `State.x`, `Common.x` and built-ins
//! (`Call.Ani`, `Call.ConversationId`, `Message.Message`, `Slot.Date`, …); `Prompt.Welcome` and
//! `PromptSystem.on_hold_music` name prompts (they evaluate to that prompt's audio).
//! `Format.Date.shortYear` style format names are string constants.
//!
//! The scanner, the precedence climbing and the caps on text length, recursion and tree depth
//! ([`MAX_EXPR_LEN`](crate::MAX_EXPR_LEN), [`MAX_EXPR_DEPTH`](crate::MAX_EXPR_DEPTH)) are shared
//! with the JSON dialects' language (`crate::expr_syntax`); this module and `lex` hold what is
//! Architect's own. Every error carries the 1-based character column in the expression text.

mod lex;

use crate::expr::{BinaryOp, Expr, Function, Literal, UnaryOp, VarRef, VARIADIC};
use crate::expr_syntax::{err, parse, shorten, Language, Level, Parsed, Parser, Tok, Token};
use crate::ExprError;

/// Parses the text of an Archy `exp:` value, e.g. `If(IsSet(Flow.x), Flow.x, 0)`.
pub fn parse_archy_expression(src: &str) -> Result<Expr, ExprError> {
    parse::<Archy>(src)
}

/// Architect's language: `+ -` and `* / %` levels, prefix `-` and `!`, postfix `.name` and
/// `[index]`, list literals, scoped names and the expression library's functions.
struct Archy;

impl Language for Archy {
    const STRING_NOUN: &'static str = "a string";
    const BANG_IS_NOT: bool = true;
    const LEVELS: &'static [Level] = &[
        Level {
            ops: &[("+", BinaryOp::Add), ("-", BinaryOp::Sub)],
            refused: &[],
        },
        Level {
            ops: &[
                ("*", BinaryOp::Mul),
                ("/", BinaryOp::Div),
                ("%", BinaryOp::Mod),
            ],
            refused: &[],
        },
    ];
    const PREFIX: &'static [(&'static str, UnaryOp)] = &[("-", UnaryOp::Neg), ("!", UnaryOp::Not)];

    fn punctuation(c: char) -> Option<Tok> {
        lex::punctuation(c)
    }

    fn number(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
        lex::number(chars, start)
    }

    fn name(chars: &[char], start: usize) -> Result<(Tok, usize), ExprError> {
        Ok(lex::ident(chars, start))
    }

    fn opener(open_column: usize) -> String {
        format!("column {open_column}")
    }

    fn operand(parser: &mut Parser<Archy>, token: Token) -> Result<Parsed, ExprError> {
        match token.tok {
            Tok::LBracket => {
                let (items, depth) = parser.parse_list(&Tok::RBracket, "']'", token.column)?;
                parser.node(token.column, Expr::List(items), depth)
            }
            Tok::Ident(ref name) => {
                if parser.peek_tok() == Some(&Tok::LParen) {
                    let open = parser.column();
                    parser.advance(1);
                    return parse_call(parser, name, token.column, open);
                }
                parse_name(parser, name, token.column)
            }
            _ => parser.not_a_value(&token),
        }
    }

    fn postfix(parser: &mut Parser<Archy>, value: Parsed) -> Result<Parsed, ExprError> {
        let (mut expr, mut depth) = value;
        loop {
            match parser.peek_tok() {
                Some(Tok::Dot) => {
                    let column = parser.column();
                    parser.advance(1);
                    let name = expect_name(parser, "a property name after '.'")?;
                    (expr, depth) =
                        parser.node(column, Expr::Member(Box::new(expr), name), depth)?;
                }
                Some(Tok::LBracket) => {
                    let column = parser.column();
                    parser.advance(1);
                    let (index, index_depth) = parser.parse_expr()?;
                    parser.expect(&Tok::RBracket, "']'", column)?;
                    (expr, depth) = parser.node(
                        column,
                        Expr::Index(Box::new(expr), Box::new(index)),
                        depth.max(index_depth),
                    )?;
                }
                _ => return Ok((expr, depth)),
            }
        }
    }
}

/// Scopes whose names are read-only built-ins answered by the simulation.
const BUILTIN_SCOPES: &[&str] = &[
    "Call",
    "Message",
    "Chat",
    "Email",
    "Workitem",
    "Survey",
    "Session",
    "Slot",
    "Conversation",
    "Callback",
    "Menu",
    "System",
    "Utterance",
    "Intent",
    "Bot",
    "Knowledge",
    "Transcription",
    "Interaction",
    "Prompt",
    "PromptSystem",
];

/// Built-ins with a canonical spelling (matched case-insensitively).
const KNOWN_BUILTINS: &[&str] = &[
    "Call.ConversationId",
    "Call.CalledAddress",
    "Call.CalledAddressOriginal",
    "Call.Language",
    "Call.RemoteName",
    "Call.CurrentQueue",
    "Call.EstimatedWaitTime",
    "Call.PositionInQueue",
    "Call.Contact",
    "Call.UUIData",
    "Flow.StartDateTimeUtc",
    "Message.ConversationId",
    "Message.Message",
    "Message.IsNewConversation",
];

const SCOPE_HINT: &str = "variables are written Flow.x, Task.x, State.x or Common.x; built-ins Call.Ani, Call.ConversationId, Message.Message, …";

fn expect_name(parser: &mut Parser<Archy>, what: &str) -> Result<String, ExprError> {
    match parser.peek().cloned() {
        Some(Token {
            tok: Tok::Ident(name),
            ..
        }) => {
            parser.advance(1);
            Ok(name)
        }
        Some(token) => err(
            token.column,
            format!("expected {what} but found {}", parser.describe(&token.tok)),
        ),
        None => err(
            parser.end_column(),
            format!("expression ends too early: expected {what}"),
        ),
    }
}

fn parse_call(
    parser: &mut Parser<Archy>,
    name: &str,
    column: usize,
    open: usize,
) -> Result<Parsed, ExprError> {
    let Some(function) = Function::from_name(name) else {
        return err(
            column,
            format!(
                "unknown function '{}': see Architect's expression library (e.g. If, ToString, Append, FindString, AddHours, GetAt, ToAudioTTS)",
                shorten(name)
            ),
        );
    };
    let (args, depth) = parser.parse_list(&Tok::RParen, "')'", open)?;
    let (min, max) = function.arity();
    if args.len() < min || args.len() > max {
        let wanted = match (min, max) {
            (a, b) if a == b => format!("{a}"),
            (a, VARIADIC) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        let plural = if (min, max) == (1, 1) { "" } else { "s" };
        return err(
            column,
            format!(
                "{} takes {wanted} argument{plural}, found {}",
                function.name(),
                args.len()
            ),
        );
    }
    parser.node(column, Expr::Call(function, args), depth)
}

/// A keyword literal or a scoped name (`Flow.x`, `Call.Ani`, `Format.Date.shortYear`).
fn parse_name(parser: &mut Parser<Archy>, word: &str, column: usize) -> Result<Parsed, ExprError> {
    let lowered = word.to_ascii_lowercase();
    let lit = match lowered.as_str() {
        "true" => Some(Literal::Boolean(true)),
        "false" => Some(Literal::Boolean(false)),
        "not_set" => Some(Literal::NotSet),
        _ => None,
    };
    if let Some(lit) = lit {
        return Ok((Expr::Literal(lit), 1));
    }
    if matches!(lowered.as_str(), "and" | "or" | "not") {
        return err(column, format!("expected a value but found '{word}'"));
    }
    if parser.peek_tok() != Some(&Tok::Dot) {
        return err(
            column,
            format!("unknown name '{}': {SCOPE_HINT}", shorten(word)),
        );
    }
    parser.advance(1);
    let name = expect_name(parser, &format!("a name after '{word}.'"))?;
    let var = match lowered.as_str() {
        "flow" => builtin("Flow", &name).unwrap_or(VarRef::Flow(name)),
        "task" => VarRef::Task(name),
        "state" => VarRef::State(name),
        "common" => VarRef::Common(name),
        "call" if name.eq_ignore_ascii_case("ani") => VarRef::CallAni,
        "call" if name.eq_ignore_ascii_case("dnis") => VarRef::CallDnis,
        "format" => return Ok((Expr::Literal(Literal::String(format_name(parser, name))), 1)),
        _ => match BUILTIN_SCOPES.iter().find(|s| s.eq_ignore_ascii_case(word)) {
            Some(scope) => {
                builtin(scope, &name).unwrap_or_else(|| VarRef::Builtin(format!("{scope}.{name}")))
            }
            None => {
                return err(
                    column,
                    format!("unknown scope '{}': {SCOPE_HINT}", shorten(word)),
                )
            }
        },
    };
    Ok((Expr::Var(var), 1))
}

/// `Format.Date.shortYear`: the whole dotted name, kept as a string constant.
fn format_name(parser: &mut Parser<Archy>, first: String) -> String {
    let mut full = format!("Format.{first}");
    while parser.peek_tok() == Some(&Tok::Dot) {
        match parser.peek_ahead(1) {
            Some(Tok::Ident(part)) => {
                full.push('.');
                full.push_str(part);
                parser.advance(2);
            }
            _ => break,
        }
    }
    full
}

/// The canonical built-in `scope.name`, if it is a known one.
fn builtin(scope: &str, name: &str) -> Option<VarRef> {
    KNOWN_BUILTINS.iter().find_map(|known| {
        let (s, n) = known.split_once('.')?;
        (s.eq_ignore_ascii_case(scope) && n.eq_ignore_ascii_case(name))
            .then(|| VarRef::Builtin((*known).to_owned()))
    })
}

#[cfg(test)]
mod tests;
