//! Parser for the expression subset of SPEC §3: literals, scoped variables, comparison,
//! `and`/`or`/`not`, `+`, unary minus and a handful of functions. Parsing happens once at write
//! time so syntax errors reach the author with a column; the engine only sees [`Expr`].
//!
//! Pathological input is refused rather than risked: the text length, the parser's recursion
//! and the depth of the resulting tree are all capped, so neither parsing nor the engine's
//! recursive evaluation (nor dropping the tree) can exhaust the stack.

use crate::expr::{BinaryOp, Expr, Function, Literal, UnaryOp, VarRef};

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

fn err<T>(column: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        message: message.into(),
        column,
    })
}

/// Parses one expression, e.g. `If(Flow.count > 2, "many", "few")`.
///
/// Scope names (`Flow`, `Common`, `Interaction.data`, `Call`), keywords, literals and function
/// names are case-insensitive; variable names are kept as written.
pub fn parse_expression(text: &str) -> Result<Expr, ExprError> {
    let length = text.chars().count();
    if length > MAX_EXPR_LEN {
        return err(
            MAX_EXPR_LEN + 1,
            format!("expression is too long ({length} characters, at most {MAX_EXPR_LEN})"),
        );
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        recursion: 0,
        end_column: length + 1,
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
                token.kind.describe()
            ),
        );
    }
    Ok(expr)
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Str(String),
    Int(i64),
    Dec(f64),
    /// Identifier path such as `Flow.x` or `If`, split at dots.
    Path(Vec<String>),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
}

impl TokenKind {
    fn describe(&self) -> String {
        match self {
            TokenKind::Str(_) => "string".into(),
            TokenKind::Int(i) => format!("number {i}"),
            TokenKind::Dec(d) => format!("number {d}"),
            TokenKind::Path(segments) => format!("'{}'", segments.join(".")),
            TokenKind::LParen => "'('".into(),
            TokenKind::RParen => "')'".into(),
            TokenKind::Comma => "','".into(),
            TokenKind::Op(op) => format!("'{op}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    column: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn tokenize(text: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let simple = match c {
            '(' => Some(TokenKind::LParen),
            ')' => Some(TokenKind::RParen),
            ',' => Some(TokenKind::Comma),
            '+' => Some(TokenKind::Op("+")),
            '-' => Some(TokenKind::Op("-")),
            _ => None,
        };
        if let Some(kind) = simple {
            tokens.push(Token { kind, column });
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match c {
            '=' | '!' | '<' | '>' => {
                let (op, width): (&'static str, usize) = match (c, next) {
                    ('=', Some('=')) => ("==", 2),
                    ('!', Some('=')) => ("!=", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', Some('>')) => return err(column, "'<>' is not an operator: use '!='"),
                    ('<', _) => ("<", 1),
                    ('>', _) => (">", 1),
                    ('=', _) => {
                        return err(column, "single '=' is not an operator: compare with '=='")
                    }
                    _ => return err(column, "'!' is not an operator: use 'not' or '!='"),
                };
                tokens.push(Token {
                    kind: TokenKind::Op(op),
                    column,
                });
                i += width;
            }
            '"' => {
                let (value, end) = lex_string(&chars, i)?;
                tokens.push(Token {
                    kind: TokenKind::Str(value),
                    column,
                });
                i = end;
            }
            '\'' => return err(column, "strings use double quotes: \"text\""),
            c if c.is_ascii_digit() => {
                let (kind, end) = lex_number(&chars, i)?;
                tokens.push(Token { kind, column });
                i = end;
            }
            c if is_ident_start(c) => {
                let (segments, end) = lex_path(&chars, i)?;
                tokens.push(Token {
                    kind: TokenKind::Path(segments),
                    column,
                });
                i = end;
            }
            '&' | '|' => {
                let word = if c == '&' { "and" } else { "or" };
                return err(column, format!("'{c}' is not an operator: use '{word}'"));
            }
            other => return err(column, format!("unexpected character '{other}'")),
        }
    }
    Ok(tokens)
}

/// Lexes a double-quoted string starting at `start`; returns the value and the index after it.
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

fn lex_number(chars: &[char], start: usize) -> Result<(TokenKind, usize), ExprError> {
    let mut i = start;
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    let mut decimal = false;
    if i < chars.len() && chars[i] == '.' {
        if !chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            return err(
                i + 1,
                "a decimal point must be followed by digits, e.g. 1.5",
            );
        }
        decimal = true;
        i += 1;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < chars.len() && (is_ident_char(chars[i]) || chars[i] == '.') {
        return err(
            i + 1,
            format!("unexpected character '{}' in number", chars[i]),
        );
    }
    let text: String = chars[start..i].iter().collect();
    let kind = if decimal {
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => TokenKind::Dec(value),
            _ => return err(start + 1, format!("number {text} is out of range")),
        }
    } else {
        match text.parse::<i64>() {
            Ok(value) => TokenKind::Int(value),
            Err(_) => return err(start + 1, format!("integer {text} is too large")),
        }
    };
    Ok((kind, i))
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

/// A parsed sub-expression and the depth of its tree.
type Parsed = (Expr, usize);

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    recursion: usize,
    end_column: usize,
}

const KNOWN_FUNCTIONS: &str = "If, ToString, ToInt, IsSet, IsNotSetOrEmpty, Contains, Length";

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: TokenKind::Path(s), .. }) if s.len() == 1 && s[0].eq_ignore_ascii_case(word))
    }

    fn peek_op(&self) -> Option<&'static str> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Op(op),
                ..
            }) => Some(op),
            _ => None,
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.recursion += 1;
        if self.recursion > MAX_EXPR_DEPTH {
            return err(
                self.column(),
                format!("expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)"),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.recursion = self.recursion.saturating_sub(1);
    }

    /// Builds a node from children, refusing trees deeper than the cap.
    fn node(&self, column: usize, expr: Expr, child_depth: usize) -> Result<Parsed, ExprError> {
        let depth = child_depth + 1;
        if depth > MAX_EXPR_DEPTH {
            return err(
                column,
                format!("expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)"),
            );
        }
        Ok((expr, depth))
    }

    fn parse_expr(&mut self) -> Result<Parsed, ExprError> {
        self.enter()?;
        let result = self.parse_or();
        self.leave();
        result
    }

    fn parse_or(&mut self) -> Result<Parsed, ExprError> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or") {
            let column = self.column();
            self.pos += 1;
            let right = self.parse_and()?;
            let depth = left.1.max(right.1);
            left = self.node(
                column,
                Expr::Binary(BinaryOp::Or, Box::new(left.0), Box::new(right.0)),
                depth,
            )?;
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Parsed, ExprError> {
        let mut left = self.parse_not()?;
        while self.peek_keyword("and") {
            let column = self.column();
            self.pos += 1;
            let right = self.parse_not()?;
            let depth = left.1.max(right.1);
            left = self.node(
                column,
                Expr::Binary(BinaryOp::And, Box::new(left.0), Box::new(right.0)),
                depth,
            )?;
        }
        Ok(left)
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
            return err(self.column(), format!("comparisons cannot be chained ('{next}' after a comparison): combine them with 'and'"));
        }
        let depth = left.1.max(right.1);
        self.node(
            column,
            Expr::Binary(op, Box::new(left.0), Box::new(right.0)),
            depth,
        )
    }

    fn parse_additive(&mut self) -> Result<Parsed, ExprError> {
        let mut left = self.parse_unary()?;
        loop {
            match self.peek_op() {
                Some("+") => {
                    let column = self.column();
                    self.pos += 1;
                    let right = self.parse_unary()?;
                    let depth = left.1.max(right.1);
                    left = self.node(
                        column,
                        Expr::Binary(BinaryOp::Add, Box::new(left.0), Box::new(right.0)),
                        depth,
                    )?;
                }
                Some("-") => {
                    return err(
                        self.column(),
                        "subtraction is not supported: '-' is only a sign, as in -5",
                    );
                }
                _ => return Ok(left),
            }
        }
    }

    fn parse_unary(&mut self) -> Result<Parsed, ExprError> {
        if self.peek_op() != Some("-") {
            return self.parse_primary();
        }
        let column = self.column();
        self.pos += 1;
        self.enter()?;
        let operand = self.parse_unary();
        self.leave();
        let (operand, depth) = operand?;
        // Fold signs into number literals so `-5` is a plain literal for the engine.
        match operand {
            Expr::Literal(Literal::Integer(i)) => Ok((Expr::Literal(Literal::Integer(-i)), depth)),
            Expr::Literal(Literal::Decimal(d)) => Ok((Expr::Literal(Literal::Decimal(-d)), depth)),
            other => self.node(column, Expr::Unary(UnaryOp::Neg, Box::new(other)), depth),
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
        match token.kind {
            TokenKind::Str(s) => literal(Literal::String(s)),
            TokenKind::Int(i) => literal(Literal::Integer(i)),
            TokenKind::Dec(d) => literal(Literal::Decimal(d)),
            TokenKind::LParen => {
                let inner = self.parse_expr()?;
                self.expect_rparen(token.column)?;
                Ok(inner)
            }
            TokenKind::Path(segments) => {
                if matches!(
                    self.peek(),
                    Some(Token {
                        kind: TokenKind::LParen,
                        ..
                    })
                ) {
                    self.pos += 1;
                    return self.parse_call(&segments, token.column);
                }
                self.parse_name(&segments, token.column)
            }
            other => err(
                token.column,
                format!("expected a value but found {}", other.describe()),
            ),
        }
    }

    fn expect_rparen(&mut self, open_column: usize) -> Result<(), ExprError> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::RParen,
                ..
            }) => {
                self.pos += 1;
                Ok(())
            }
            Some(token) => err(
                token.column,
                format!(
                    "expected ')' (to close the '(' at column {open_column}) but found {}",
                    token.kind.describe()
                ),
            ),
            None => err(
                self.end_column,
                format!("missing ')' to close the '(' at column {open_column}"),
            ),
        }
    }

    fn parse_name(&self, segments: &[String], column: usize) -> Result<Parsed, ExprError> {
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

    fn parse_call(&mut self, segments: &[String], column: usize) -> Result<Parsed, ExprError> {
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
        let mut args = Vec::new();
        let mut depth = 0;
        if matches!(
            self.peek(),
            Some(Token {
                kind: TokenKind::RParen,
                ..
            })
        ) {
            self.pos += 1;
        } else {
            loop {
                let (arg, arg_depth) = self.parse_expr()?;
                depth = depth.max(arg_depth);
                args.push(arg);
                match self.peek() {
                    Some(Token {
                        kind: TokenKind::Comma,
                        ..
                    }) => self.pos += 1,
                    _ => break,
                }
            }
            self.expect_rparen(open_column)?;
        }
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
        self.node(column, Expr::Call(function, args), depth)
    }
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
