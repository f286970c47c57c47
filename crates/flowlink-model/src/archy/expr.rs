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
//! Like the JSON dialects' parser, pathological input is refused rather than risked: text length,
//! recursion and tree depth are capped ([`MAX_EXPR_LEN`], [`MAX_EXPR_DEPTH`]). Every error
//! carries the 1-based character column in the expression text.

mod lex;

use lex::{err, shorten, tokenize, Tok, Token};

use crate::expr::{BinaryOp, Expr, Function, Literal, UnaryOp, VarRef, VARIADIC};
use crate::{ExprError, MAX_EXPR_DEPTH, MAX_EXPR_LEN};

/// Parses the text of an Archy `exp:` value, e.g. `If(IsSet(Flow.x), Flow.x, 0)`.
pub fn parse_archy_expression(src: &str) -> Result<Expr, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    if chars.len() > MAX_EXPR_LEN {
        return err(
            MAX_EXPR_LEN + 1,
            format!(
                "expression is too long ({} characters, at most {MAX_EXPR_LEN})",
                chars.len()
            ),
        );
    }
    let tokens = tokenize(&chars)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        recursion: 0,
        end_column: chars.len() + 1,
    };
    if parser.tokens.is_empty() {
        return err(
            1,
            "empty expression: write a value such as \"text\", 42 or Flow.x",
        );
    }
    let (expr, _) = parser.parse_expr()?;
    if let Some(token) = parser.peek() {
        return err(
            token.column,
            format!(
                "unexpected {} after a complete expression",
                token.tok.describe()
            ),
        );
    }
    Ok(expr)
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

type Parsed = (Expr, usize);

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    recursion: usize,
    end_column: usize,
}

fn binary(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary(op, Box::new(l), Box::new(r))
}

fn comparison_op(op: &str) -> Option<BinaryOp> {
    Some(match op {
        "==" => BinaryOp::Eq,
        "!=" => BinaryOp::Ne,
        "<" => BinaryOp::Lt,
        "<=" => BinaryOp::Le,
        ">" => BinaryOp::Gt,
        ">=" => BinaryOp::Ge,
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.tok)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        matches!(self.peek_tok(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(word))
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek_tok() {
            Some(Tok::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn too_deep<T>(&self, column: usize) -> Result<T, ExprError> {
        err(
            column,
            format!("expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)"),
        )
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.recursion += 1;
        if self.recursion > MAX_EXPR_DEPTH {
            return self.too_deep(self.column());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.recursion = self.recursion.saturating_sub(1);
    }

    /// Builds a node over children of depth `child_depth`, refusing trees deeper than the cap.
    fn node(&self, column: usize, expr: Expr, child_depth: usize) -> Result<Parsed, ExprError> {
        let depth = child_depth + 1;
        if depth > MAX_EXPR_DEPTH {
            return self.too_deep(column);
        }
        Ok((expr, depth))
    }

    fn parse_expr(&mut self) -> Result<Parsed, ExprError> {
        self.enter()?;
        let result = self.parse_or();
        self.leave();
        result
    }

    /// One left-associative level: `next (op next)*`.
    fn left_assoc(
        &mut self,
        op_here: fn(&Parser) -> Option<BinaryOp>,
        next: fn(&mut Parser) -> Result<Parsed, ExprError>,
    ) -> Result<Parsed, ExprError> {
        let mut left = next(self)?;
        while let Some(op) = op_here(self) {
            let column = self.column();
            self.pos += 1;
            let right = next(self)?;
            let depth = left.1.max(right.1);
            left = self.node(column, binary(op, left.0, right.0), depth)?;
        }
        Ok(left)
    }

    fn parse_or(&mut self) -> Result<Parsed, ExprError> {
        self.left_assoc(
            |p| p.peek_keyword("or").then_some(BinaryOp::Or),
            Parser::parse_and,
        )
    }

    fn parse_and(&mut self) -> Result<Parsed, ExprError> {
        self.left_assoc(
            |p| p.peek_keyword("and").then_some(BinaryOp::And),
            Parser::parse_not,
        )
    }

    fn parse_not(&mut self) -> Result<Parsed, ExprError> {
        if !self.peek_keyword("not") {
            return self.parse_comparison();
        }
        let column = self.column();
        self.pos += 1;
        self.enter()?;
        let operand = self.parse_not();
        self.leave();
        let (operand, depth) = operand?;
        self.node(column, Expr::Unary(UnaryOp::Not, Box::new(operand)), depth)
    }

    fn parse_comparison(&mut self) -> Result<Parsed, ExprError> {
        let left = self.parse_additive()?;
        let Some(op) = self.peek_op().and_then(comparison_op) else {
            return Ok(left);
        };
        let column = self.column();
        self.pos += 1;
        let right = self.parse_additive()?;
        if let Some(next) = self.peek_op().filter(|o| comparison_op(o).is_some()) {
            return err(
                self.column(),
                format!("comparisons cannot be chained ('{next}' after a comparison): combine them with 'and'"),
            );
        }
        let depth = left.1.max(right.1);
        self.node(column, binary(op, left.0, right.0), depth)
    }

    fn parse_additive(&mut self) -> Result<Parsed, ExprError> {
        self.left_assoc(
            |p| match p.peek_op() {
                Some("+") => Some(BinaryOp::Add),
                Some("-") => Some(BinaryOp::Sub),
                _ => None,
            },
            Parser::parse_multiplicative,
        )
    }

    fn parse_multiplicative(&mut self) -> Result<Parsed, ExprError> {
        self.left_assoc(
            |p| match p.peek_op() {
                Some("*") => Some(BinaryOp::Mul),
                Some("/") => Some(BinaryOp::Div),
                Some("%") => Some(BinaryOp::Mod),
                _ => None,
            },
            Parser::parse_unary,
        )
    }

    fn parse_unary(&mut self) -> Result<Parsed, ExprError> {
        let op = match self.peek_op() {
            Some("-") => UnaryOp::Neg,
            Some("!") => UnaryOp::Not,
            _ => return self.parse_postfix(),
        };
        let column = self.column();
        self.pos += 1;
        self.enter()?;
        let operand = self.parse_unary();
        self.leave();
        let (operand, depth) = operand?;
        // Fold signs into number literals so `-5` is a plain literal for the engine.
        match (op, operand) {
            (UnaryOp::Neg, Expr::Literal(Literal::Integer(i))) => {
                Ok((Expr::Literal(Literal::Integer(i.wrapping_neg())), depth))
            }
            (UnaryOp::Neg, Expr::Literal(Literal::Decimal(d))) => {
                Ok((Expr::Literal(Literal::Decimal(-d)), depth))
            }
            (op, operand) => self.node(column, Expr::Unary(op, Box::new(operand)), depth),
        }
    }

    fn parse_postfix(&mut self) -> Result<Parsed, ExprError> {
        let (mut expr, mut depth) = self.parse_primary()?;
        loop {
            match self.peek_tok() {
                Some(Tok::Dot) => {
                    let column = self.column();
                    self.pos += 1;
                    let name = self.expect_name("a property name after '.'")?;
                    (expr, depth) = self.node(column, Expr::Member(Box::new(expr), name), depth)?;
                }
                Some(Tok::LBracket) => {
                    let column = self.column();
                    self.pos += 1;
                    let (index, index_depth) = self.parse_expr()?;
                    self.expect(&Tok::RBracket, "']'", column)?;
                    (expr, depth) = self.node(
                        column,
                        Expr::Index(Box::new(expr), Box::new(index)),
                        depth.max(index_depth),
                    )?;
                }
                _ => return Ok((expr, depth)),
            }
        }
    }

    fn expect_name(&mut self, what: &str) -> Result<String, ExprError> {
        match self.peek().cloned() {
            Some(Token {
                tok: Tok::Ident(name),
                ..
            }) => {
                self.pos += 1;
                Ok(name)
            }
            Some(token) => err(
                token.column,
                format!("expected {what} but found {}", token.tok.describe()),
            ),
            None => err(
                self.end_column,
                format!("expression ends too early: expected {what}"),
            ),
        }
    }

    fn expect(&mut self, want: &Tok, shown: &str, open_column: usize) -> Result<(), ExprError> {
        match self.peek() {
            Some(token) if token.tok == *want => {
                self.pos += 1;
                Ok(())
            }
            Some(token) => err(
                token.column,
                format!(
                    "expected {shown} (to close column {open_column}) but found {}",
                    token.tok.describe()
                ),
            ),
            None => err(
                self.end_column,
                format!("missing {shown} to close column {open_column}"),
            ),
        }
    }

    fn parse_primary(&mut self) -> Result<Parsed, ExprError> {
        let Some(token) = self.peek().cloned() else {
            return err(
                self.end_column,
                "expression ends too early: expected a value",
            );
        };
        self.pos += 1;
        let literal = |lit| Ok((Expr::Literal(lit), 1));
        match token.tok {
            Tok::Str(s) => literal(Literal::String(s)),
            Tok::Int(i) => literal(Literal::Integer(i)),
            Tok::Dec(d) => literal(Literal::Decimal(d)),
            Tok::LParen => {
                let inner = self.parse_expr()?;
                self.expect(&Tok::RParen, "')'", token.column)?;
                Ok(inner)
            }
            Tok::LBracket => {
                let (items, depth) = self.parse_list(&Tok::RBracket, "']'", token.column)?;
                self.node(token.column, Expr::List(items), depth)
            }
            Tok::Ident(name) => {
                if self.peek_tok() == Some(&Tok::LParen) {
                    let open = self.column();
                    self.pos += 1;
                    return self.parse_call(&name, token.column, open);
                }
                self.parse_name(&name, token.column)
            }
            other => err(
                token.column,
                format!("expected a value but found {}", other.describe()),
            ),
        }
    }

    /// Comma-separated expressions up to `close` (already past the opener); trailing comma refused.
    fn parse_list(
        &mut self,
        close: &Tok,
        shown: &str,
        open_column: usize,
    ) -> Result<(Vec<Expr>, usize), ExprError> {
        let mut items = Vec::new();
        let mut depth = 0;
        if self.peek_tok() == Some(close) {
            self.pos += 1;
            return Ok((items, depth));
        }
        loop {
            let (item, item_depth) = self.parse_expr()?;
            depth = depth.max(item_depth);
            items.push(item);
            if self.peek_tok() == Some(&Tok::Comma) {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.expect(close, shown, open_column)?;
        Ok((items, depth))
    }

    fn parse_call(&mut self, name: &str, column: usize, open: usize) -> Result<Parsed, ExprError> {
        let Some(function) = Function::from_name(name) else {
            return err(
                column,
                format!(
                    "unknown function '{}': see Architect's expression library (e.g. If, ToString, Append, FindString, AddHours, GetAt, ToAudioTTS)",
                    shorten(name)
                ),
            );
        };
        let (args, depth) = self.parse_list(&Tok::RParen, "')'", open)?;
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
        self.node(column, Expr::Call(function, args), depth)
    }

    /// A keyword literal or a scoped name (`Flow.x`, `Call.Ani`, `Format.Date.shortYear`).
    fn parse_name(&mut self, word: &str, column: usize) -> Result<Parsed, ExprError> {
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
        if self.peek_tok() != Some(&Tok::Dot) {
            return err(
                column,
                format!("unknown name '{}': {SCOPE_HINT}", shorten(word)),
            );
        }
        self.pos += 1;
        let name = self.expect_name(&format!("a name after '{word}.'"))?;
        let var = match lowered.as_str() {
            "flow" => builtin("Flow", &name).unwrap_or(VarRef::Flow(name)),
            "task" => VarRef::Task(name),
            "state" => VarRef::State(name),
            "common" => VarRef::Common(name),
            "call" if name.eq_ignore_ascii_case("ani") => VarRef::CallAni,
            "call" if name.eq_ignore_ascii_case("dnis") => VarRef::CallDnis,
            "format" => return Ok((Expr::Literal(Literal::String(self.format_name(name))), 1)),
            _ => match BUILTIN_SCOPES.iter().find(|s| s.eq_ignore_ascii_case(word)) {
                Some(scope) => builtin(scope, &name)
                    .unwrap_or_else(|| VarRef::Builtin(format!("{scope}.{name}"))),
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
    fn format_name(&mut self, first: String) -> String {
        let mut full = format!("Format.{first}");
        while self.peek_tok() == Some(&Tok::Dot) {
            match self.tokens.get(self.pos + 1).map(|t| &t.tok) {
                Some(Tok::Ident(part)) => {
                    full.push('.');
                    full.push_str(part);
                    self.pos += 2;
                }
                _ => break,
            }
        }
        full
    }
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
