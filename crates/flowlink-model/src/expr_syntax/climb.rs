//! The shared precedence-climbing parser. Loosest first: `or` · `and` · `not` · comparison
//! (`== != < <= > >=`, not chained) · the language's arithmetic [`Level`]s · its prefix
//! operators · its postfix forms · a literal, `( … )` or the language's own operands.
//!
//! Text length, parser recursion and tree depth are capped ([`MAX_EXPR_LEN`],
//! [`MAX_EXPR_DEPTH`]) so neither parsing nor the engine's recursive evaluation (nor dropping
//! the tree) can exhaust the stack.

use std::marker::PhantomData;

use super::scan::{tokenize, Tok, Token};
use super::{err, ExprError, Language, MAX_EXPR_DEPTH, MAX_EXPR_LEN};
use crate::expr::{BinaryOp, Expr, Literal, UnaryOp};

/// A parsed sub-expression and the depth of its tree.
pub(crate) type Parsed = (Expr, usize);

/// One left-associative arithmetic level of a language.
pub(crate) struct Level {
    /// The operators of this level and the node each builds.
    pub(crate) ops: &'static [(&'static str, BinaryOp)],
    /// Operators refused at this level, with the message that says why.
    pub(crate) refused: &'static [(&'static str, &'static str)],
}

/// Parses `text` as one expression of language `L`.
pub(crate) fn parse<L: Language>(text: &str) -> Result<Expr, ExprError> {
    let length = text.chars().count();
    if length > MAX_EXPR_LEN {
        return err(
            MAX_EXPR_LEN + 1,
            format!("expression is too long ({length} characters, at most {MAX_EXPR_LEN})"),
        );
    }
    let chars: Vec<char> = text.chars().collect();
    let tokens = tokenize::<L>(&chars)?;
    if tokens.is_empty() {
        return err(
            1,
            "empty expression: write a value such as \"text\", 42 or Flow.x",
        );
    }
    let mut parser = Parser::<L> {
        tokens,
        pos: 0,
        recursion: 0,
        end_column: length + 1,
        language: PhantomData,
    };
    let (expr, _) = parser.parse_expr()?;
    if let Some(token) = parser.peek() {
        return err(
            token.column,
            format!(
                "unexpected {} after a complete expression",
                parser.describe(&token.tok)
            ),
        );
    }
    Ok(expr)
}

/// The parser's position in the tokens of one expression, with its recursion count.
pub(crate) struct Parser<L> {
    tokens: Vec<Token>,
    pos: usize,
    recursion: usize,
    end_column: usize,
    language: PhantomData<L>,
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

fn binary(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    Expr::Binary(op, Box::new(l), Box::new(r))
}

impl<L: Language> Parser<L> {
    /// The current token.
    pub(crate) fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    /// The current token's kind.
    pub(crate) fn peek_tok(&self) -> Option<&Tok> {
        self.peek_ahead(0)
    }

    /// The kind of the token `ahead` places after the current one.
    pub(crate) fn peek_ahead(&self, ahead: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + ahead).map(|t| &t.tok)
    }

    /// Moves past `count` tokens.
    pub(crate) fn advance(&mut self, count: usize) {
        self.pos += count;
    }

    /// The column of the current token, or just past the text at the end.
    pub(crate) fn column(&self) -> usize {
        self.peek().map_or(self.end_column, |t| t.column)
    }

    /// The column just past the text.
    pub(crate) fn end_column(&self) -> usize {
        self.end_column
    }

    /// How an error message names `tok` in this language.
    pub(crate) fn describe(&self, tok: &Tok) -> String {
        tok.describe(L::STRING_NOUN)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        self.peek_tok().is_some_and(|t| t.is_keyword(word))
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
    pub(crate) fn node(
        &self,
        column: usize,
        expr: Expr,
        child_depth: usize,
    ) -> Result<Parsed, ExprError> {
        let depth = child_depth + 1;
        if depth > MAX_EXPR_DEPTH {
            return self.too_deep(column);
        }
        Ok((expr, depth))
    }

    /// A whole (sub-)expression, counting one level of recursion.
    pub(crate) fn parse_expr(&mut self) -> Result<Parsed, ExprError> {
        self.enter()?;
        let result = self.parse_or();
        self.leave();
        result
    }

    /// One left-associative level: `next (op next)*`, where `op_here` names the operator at
    /// the current token (or refuses it).
    fn left_assoc(
        &mut self,
        op_here: impl Fn(&Self) -> Result<Option<BinaryOp>, ExprError>,
        next: impl Fn(&mut Self) -> Result<Parsed, ExprError>,
    ) -> Result<Parsed, ExprError> {
        let mut left = next(self)?;
        while let Some(op) = op_here(self)? {
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
            |p| Ok(p.peek_keyword("or").then_some(BinaryOp::Or)),
            Self::parse_and,
        )
    }

    fn parse_and(&mut self) -> Result<Parsed, ExprError> {
        self.left_assoc(
            |p| Ok(p.peek_keyword("and").then_some(BinaryOp::And)),
            Self::parse_not,
        )
    }

    fn parse_not(&mut self) -> Result<Parsed, ExprError> {
        if !self.peek_keyword("not") {
            return self.parse_comparison();
        }
        let (column, (operand, depth)) = self.prefixed(Self::parse_not)?;
        self.node(column, Expr::Unary(UnaryOp::Not, Box::new(operand)), depth)
    }

    /// Moves past a prefix operator and parses its operand one recursion level deeper: the
    /// operator's column and the operand.
    fn prefixed(
        &mut self,
        operand: fn(&mut Self) -> Result<Parsed, ExprError>,
    ) -> Result<(usize, Parsed), ExprError> {
        let column = self.column();
        self.pos += 1;
        self.enter()?;
        let parsed = operand(self);
        self.leave();
        Ok((column, parsed?))
    }

    fn parse_comparison(&mut self) -> Result<Parsed, ExprError> {
        let left = self.parse_level(0)?;
        let Some(op) = self.peek_op().and_then(comparison_op) else {
            return Ok(left);
        };
        let column = self.column();
        self.pos += 1;
        let right = self.parse_level(0)?;
        if let Some(next) = self.peek_op().filter(|o| comparison_op(o).is_some()) {
            return err(
                self.column(),
                format!("comparisons cannot be chained ('{next}' after a comparison): combine them with 'and'"),
            );
        }
        let depth = left.1.max(right.1);
        self.node(column, binary(op, left.0, right.0), depth)
    }

    /// Arithmetic level `index` of [`Language::LEVELS`]; past the last, the prefix operators.
    fn parse_level(&mut self, index: usize) -> Result<Parsed, ExprError> {
        let Some(level) = L::LEVELS.get(index) else {
            return self.parse_unary();
        };
        self.left_assoc(
            |p| {
                let Some(op) = p.peek_op() else {
                    return Ok(None);
                };
                if let Some(&(_, refusal)) = level.refused.iter().find(|(o, _)| *o == op) {
                    return err(p.column(), refusal);
                }
                Ok(level.ops.iter().find(|(o, _)| *o == op).map(|&(_, op)| op))
            },
            |p| p.parse_level(index + 1),
        )
    }

    fn parse_unary(&mut self) -> Result<Parsed, ExprError> {
        let prefix = self
            .peek_op()
            .and_then(|op| L::PREFIX.iter().find(|(o, _)| *o == op));
        let Some(&(_, op)) = prefix else {
            let value = self.parse_primary()?;
            return L::postfix(self, value);
        };
        let (column, (operand, depth)) = self.prefixed(Self::parse_unary)?;
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
            _ => L::operand(self, token),
        }
    }

    /// The error for a token that cannot start a value.
    pub(crate) fn not_a_value<T>(&self, token: &Token) -> Result<T, ExprError> {
        err(
            token.column,
            format!("expected a value but found {}", self.describe(&token.tok)),
        )
    }

    /// Moves past `want` (shown as `shown`), which closes the opener at `open_column`.
    pub(crate) fn expect(
        &mut self,
        want: &Tok,
        shown: &str,
        open_column: usize,
    ) -> Result<(), ExprError> {
        match self.peek() {
            Some(token) if token.tok == *want => {
                self.pos += 1;
                Ok(())
            }
            Some(token) => err(
                token.column,
                format!(
                    "expected {shown} (to close {}) but found {}",
                    L::opener(open_column),
                    self.describe(&token.tok)
                ),
            ),
            None => err(
                self.end_column,
                format!("missing {shown} to close {}", L::opener(open_column)),
            ),
        }
    }

    /// Comma-separated expressions up to `close` (already past the opener); trailing comma
    /// refused. Returns them and the depth of the deepest.
    pub(crate) fn parse_list(
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
}
