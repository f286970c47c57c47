//! The expression subset of Architect (SPEC §3): parsed once at write time into [`Expr`],
//! evaluated by the engine.

/// A parsed expression. Variables are resolved to a [`VarRef`] at parse time so the engine
/// never looks at strings to decide scope.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `"text"`, `42`, `3.5`, `true`, `false`, `NOT_SET`.
    Literal(Literal),
    Var(VarRef),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A call to one of the known functions; arity is checked at parse time.
    Call(Function, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Integer(i64),
    Decimal(f64),
    Boolean(bool),
    NotSet,
}

/// Where a variable lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VarRef {
    /// `Flow.x` — a variable of the running flow frame.
    Flow(String),
    /// `Common.x` — a variable of the running module frame.
    Common(String),
    /// `Interaction.data.x` — participant data shared by every frame of the interaction.
    InteractionData(String),
    /// `Call.Ani`
    CallAni,
    /// `Call.Dnis`
    CallDnis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Add,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    If,
    ToString,
    ToInt,
    IsSet,
    IsNotSetOrEmpty,
    Contains,
    Length,
}
