//! Architect's expression language as one AST: parsed once at write time into [`Expr`],
//! evaluated by the engine. The JSON dialects parse the SPEC §3 subset into it
//! ([`crate::parse_expression`]); Archy files parse the fuller language
//! ([`crate::archy::expr::parse_archy_expression`]): more operators, postfix member access and
//! indexing, collection literals, more scopes and Architect's function library ([`Function`]).

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
    /// `[a, b, c]`: a collection literal (Archy).
    List(Vec<Expr>),
    /// `x[i]`: the item at 0-based index `i` of a collection (Archy).
    Index(Box<Expr>, Box<Expr>),
    /// `x.name`: a property of a JSON, object or phone-number value, e.g. `Task.Queue.id`,
    /// `ToPhoneNumber(Call.Ani).e164` (Archy).
    Member(Box<Expr>, String),
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
    /// `Task.x` — a task variable of the running frame (Archy).
    Task(String),
    /// `State.x` — a state variable of the running frame (Archy).
    State(String),
    /// A read-only built-in answered by the simulation, by its dotted name: canonical casing
    /// for the known ones (`Call.ConversationId`, `Call.CalledAddress`, `Call.Language`,
    /// `Flow.StartDateTimeUtc`), as written for the rest (`Message.Message`, `Slot.Date`,
    /// `Prompt.Welcome`, `PromptSystem.on_hold_music`).
    Builtin(String),
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
    /// `-` (Archy): numbers, DateTime − DateTime, DateTime − Duration, Duration − Duration.
    Sub,
    /// `*` (Archy).
    Mul,
    /// `/` (Archy): Integer / Integer is a Decimal, as in Architect.
    Div,
    /// `%` (Archy).
    Mod,
}

/// Declares [`Function`] with each function's written name and its argument count range,
/// so parser and engine share one table.
macro_rules! functions {
    ($($variant:ident = $name:literal, $min:literal ..= $max:literal;)*) => {
        /// A function of Architect's expression library. Names are case-insensitive in text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function {
            $(#[doc = $name] $variant,)*
        }

        impl Function {
            /// Every function, in declaration order.
            pub const ALL: &'static [Function] = &[$(Function::$variant,)*];

            /// The function's name as Architect writes it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Function::$variant => $name,)*
                }
            }

            /// Fewest and most arguments accepted ([`VARIADIC`] = no upper bound).
            pub fn arity(self) -> (usize, usize) {
                match self {
                    $(Function::$variant => ($min, $max),)*
                }
            }
        }
    };
}

/// Upper bound of [`Function::arity`] for functions that take any number of arguments.
pub const VARIADIC: usize = 255;

functions! {
    // logic
    If = "If", 3..=3;
    IsSet = "IsSet", 1..=1;
    IsNotSet = "IsNotSet", 1..=1;
    IsNotSetOrEmpty = "IsNotSetOrEmpty", 1..=1;
    AreEqual = "AreEqual", 2..=2;
    // string
    ToString = "ToString", 1..=2;
    ToInt = "ToInt", 1..=1;
    Contains = "Contains", 2..=3;
    Length = "Length", 1..=1;
    Append = "Append", 1..=255;
    FindString = "FindString", 2..=2;
    FindStringReverse = "FindStringReverse", 2..=2;
    Left = "Left", 2..=2;
    Right = "Right", 2..=2;
    Substring = "Substring", 3..=3;
    Replace = "Replace", 3..=3;
    Trim = "Trim", 1..=1;
    TrimStart = "TrimStart", 1..=1;
    TrimEnd = "TrimEnd", 1..=1;
    Lower = "Lower", 1..=1;
    Upper = "Upper", 1..=1;
    StartsWith = "StartsWith", 2..=3;
    EndsWith = "EndsWith", 2..=3;
    Split = "Split", 2..=2;
    IsEmpty = "IsEmpty", 1..=1;
    IsNumeric = "IsNumeric", 1..=1;
    // number / math
    Abs = "Abs", 1..=1;
    Round = "Round", 1..=2;
    Floor = "Floor", 1..=1;
    Ceiling = "Ceiling", 1..=1;
    Truncate = "Truncate", 1..=1;
    Min = "Min", 1..=255;
    Max = "Max", 1..=255;
    Sum = "Sum", 1..=1;
    Average = "Average", 1..=1;
    // date-time / duration
    GetCurrentDateTimeUtc = "GetCurrentDateTimeUtc", 0..=0;
    MakeDateTime = "MakeDateTime", 3..=7;
    MakeDate = "MakeDate", 3..=3;
    MakeTime = "MakeTime", 2..=3;
    MakeDuration = "MakeDuration", 4..=5;
    AddSeconds = "AddSeconds", 2..=2;
    AddMinutes = "AddMinutes", 2..=2;
    AddHours = "AddHours", 2..=2;
    AddDays = "AddDays", 2..=2;
    AddMonths = "AddMonths", 2..=2;
    AddYears = "AddYears", 2..=2;
    DateTimeDiff = "DateTimeDiff", 2..=2;
    GetYear = "GetYear", 1..=1;
    GetMonth = "GetMonth", 1..=1;
    GetDay = "GetDay", 1..=1;
    GetHour = "GetHour", 1..=1;
    GetMinute = "GetMinute", 1..=1;
    GetSecond = "GetSecond", 1..=1;
    GetDayOfWeek = "GetDayOfWeek", 1..=1;
    GetDayOfYear = "GetDayOfYear", 1..=1;
    ToDateTime = "ToDateTime", 1..=1;
    ToDate = "ToDate", 1..=1;
    ToTime = "ToTime", 1..=1;
    ToDuration = "ToDuration", 1..=1;
    GetDurationTotalSeconds = "GetDurationTotalSeconds", 1..=1;
    // collection
    Count = "Count", 1..=1;
    GetAt = "GetAt", 2..=2;
    SetAt = "SetAt", 3..=3;
    FindFirst = "FindFirst", 2..=2;
    FindLast = "FindLast", 2..=2;
    AddItem = "AddItem", 2..=2;
    MakeList = "MakeList", 0..=255;
    Distinct = "Distinct", 1..=1;
    Reverse = "Reverse", 1..=1;
    Sort = "Sort", 1..=1;
    Slice = "Slice", 2..=3;
    MakeListAgentScorePair = "MakeListAgentScorePair", 2..=2;
    // conversion
    ToDecimal = "ToDecimal", 1..=1;
    ToBool = "ToBool", 1..=1;
    ToDisplayString = "ToDisplayString", 1..=2;
    ToPhoneNumber = "ToPhoneNumber", 1..=1;
    ToCommunication = "ToCommunication", 1..=2;
    MakeCommunication = "MakeCommunication", 0..=255;
    JsonParse = "JsonParse", 1..=1;
    ToJson = "ToJson", 1..=1;
    GetJsonObjectProperty = "GetJsonObjectProperty", 2..=2;
    JsonObjectContainsKey = "JsonObjectContainsKey", 2..=2;
    ResolveSlot = "ResolveSlot", 1..=1;
    // named objects held by name or id (queues, users, ...), answered without a directory
    ToQueue = "ToQueue", 1..=1;
    ToUser = "ToUser", 1..=1;
    ToSkill = "ToSkill", 1..=1;
    ToLanguageSkill = "ToLanguageSkill", 1..=1;
    ToScheduleGroup = "ToScheduleGroup", 1..=1;
    ToEmergencyGroup = "ToEmergencyGroup", 1..=1;
    ToPrompt = "ToPrompt", 1..=1;
    FindQueue = "FindQueue", 1..=1;
    FindQueueById = "FindQueueById", 1..=1;
    FindUser = "FindUser", 1..=1;
    FindUserById = "FindUserById", 1..=1;
    FindSkill = "FindSkill", 1..=1;
    FindLanguageSkill = "FindLanguageSkill", 1..=1;
    FindScheduleGroup = "FindScheduleGroup", 1..=1;
    FindEmergencyGroup = "FindEmergencyGroup", 1..=1;
    // audio
    ToAudio = "ToAudio", 1..=1;
    ToAudioTTS = "ToAudioTTS", 1..=2;
    ToAudioBlank = "ToAudioBlank", 1..=1;
    ToAudioDuration = "ToAudioDuration", 1..=1;
    ToAudioNumber = "ToAudioNumber", 1..=1;
    ToAudioDigits = "ToAudioDigits", 1..=1;
    ToAudioDateTime = "ToAudioDateTime", 1..=1;
    ToAudioBool = "ToAudioBool", 1..=1;
    AudioPlaybackOptions = "AudioPlaybackOptions", 2..=3;
}

impl Function {
    /// Looks a function up by name, ASCII-case-insensitively (`toString`, `right`, `lower`).
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}
