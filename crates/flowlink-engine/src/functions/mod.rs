//! Architect's expression functions, one file per family. [`call`] checks the argument count,
//! applies the function's NOT_SET rule (see `eval`'s header) and dispatches by family; `If`
//! is the only function whose arguments are evaluated lazily.

mod args;
mod audio;
mod collection;
mod conversion;
mod datetime;
mod logic;
pub(crate) mod number;
mod objects;
mod string;

use flowlink_model::expr::{Function, VARIADIC};
use flowlink_model::Expr;

use crate::eval::{eval, Env, EvalError};
use crate::value::V;
pub(crate) use args::Args;

/// Which file implements a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Logic,
    String,
    Number,
    DateTime,
    Collection,
    Conversion,
    Objects,
    Audio,
}

/// How a function treats a NOT_SET argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotSetRule {
    /// The function itself decides (`IsSet`, `Append`, `Count`, …).
    Aware,
    /// NOT_SET as the first argument gives NOT_SET (conversions, look-ups); elsewhere refused.
    Propagate,
    /// Any NOT_SET argument is a runtime error naming it.
    Refuse,
}

fn family(f: Function) -> Family {
    use Function as F;
    match f {
        F::If | F::IsSet | F::IsNotSet | F::IsNotSetOrEmpty | F::AreEqual => Family::Logic,
        F::Contains
        | F::Length
        | F::Append
        | F::FindString
        | F::FindStringReverse
        | F::Left
        | F::Right
        | F::Substring
        | F::Replace
        | F::Trim
        | F::TrimStart
        | F::TrimEnd
        | F::Lower
        | F::Upper
        | F::StartsWith
        | F::EndsWith
        | F::Split
        | F::IsEmpty
        | F::IsNumeric => Family::String,
        F::Abs
        | F::Round
        | F::Floor
        | F::Ceiling
        | F::Truncate
        | F::Min
        | F::Max
        | F::Sum
        | F::Average => Family::Number,
        F::GetCurrentDateTimeUtc
        | F::MakeDateTime
        | F::MakeDate
        | F::MakeTime
        | F::MakeDuration
        | F::AddSeconds
        | F::AddMinutes
        | F::AddHours
        | F::AddDays
        | F::AddMonths
        | F::AddYears
        | F::DateTimeDiff
        | F::GetYear
        | F::GetMonth
        | F::GetDay
        | F::GetHour
        | F::GetMinute
        | F::GetSecond
        | F::GetDayOfWeek
        | F::GetDayOfYear
        | F::ToDateTime
        | F::ToDate
        | F::ToTime
        | F::ToDuration
        | F::GetDurationTotalSeconds => Family::DateTime,
        F::Count
        | F::GetAt
        | F::SetAt
        | F::FindFirst
        | F::FindLast
        | F::AddItem
        | F::MakeList
        | F::Distinct
        | F::Reverse
        | F::Sort
        | F::Slice
        | F::MakeListAgentScorePair => Family::Collection,
        F::ToString
        | F::ToInt
        | F::ToDecimal
        | F::ToBool
        | F::ToDisplayString
        | F::ToPhoneNumber
        | F::ToCommunication
        | F::MakeCommunication
        | F::JsonParse
        | F::ToJson
        | F::GetJsonObjectProperty
        | F::JsonObjectContainsKey
        | F::ResolveSlot => Family::Conversion,
        F::ToQueue
        | F::ToUser
        | F::ToSkill
        | F::ToLanguageSkill
        | F::ToScheduleGroup
        | F::ToEmergencyGroup
        | F::ToPrompt
        | F::FindQueue
        | F::FindQueueById
        | F::FindUser
        | F::FindUserById
        | F::FindSkill
        | F::FindLanguageSkill
        | F::FindScheduleGroup
        | F::FindEmergencyGroup => Family::Objects,
        F::ToAudio
        | F::ToAudioTTS
        | F::ToAudioBlank
        | F::ToAudioDuration
        | F::ToAudioNumber
        | F::ToAudioDigits
        | F::ToAudioDateTime
        | F::ToAudioBool
        | F::AudioPlaybackOptions => Family::Audio,
    }
}

fn not_set_rule(f: Function) -> NotSetRule {
    use Function as F;
    match f {
        F::If
        | F::IsSet
        | F::IsNotSet
        | F::IsNotSetOrEmpty
        | F::AreEqual
        | F::Append
        | F::Length
        | F::IsEmpty
        | F::ToDisplayString
        | F::ToCommunication
        | F::MakeCommunication
        | F::Count
        | F::AddItem
        | F::MakeList
        | F::FindFirst
        | F::FindLast
        | F::Contains => NotSetRule::Aware,
        F::ToString
        | F::ToInt
        | F::ToDecimal
        | F::ToBool
        | F::ToDateTime
        | F::ToDate
        | F::ToTime
        | F::ToDuration
        | F::ToPhoneNumber
        | F::JsonParse
        | F::ToJson
        | F::ResolveSlot
        | F::GetJsonObjectProperty
        | F::GetYear
        | F::GetMonth
        | F::GetDay
        | F::GetHour
        | F::GetMinute
        | F::GetSecond
        | F::GetDayOfWeek
        | F::GetDayOfYear
        | F::GetDurationTotalSeconds => NotSetRule::Propagate,
        _ if family(f) == Family::Objects => NotSetRule::Propagate,
        _ => NotSetRule::Refuse,
    }
}

/// Evaluates `f(args)`.
pub(crate) fn call<'a>(f: Function, args: &'a [Expr], env: &Env<'a>) -> Result<V<'a>, EvalError> {
    let (min, max) = f.arity();
    if args.len() < min || args.len() > max {
        let wanted = match (min, max) {
            (a, b) if a == b => format!("{a} argument(s)"),
            (a, VARIADIC) => format!("at least {a} argument(s)"),
            (a, b) => format!("{a} to {b} arguments"),
        };
        return Err(EvalError::BadArgument {
            function: f.name(),
            message: format!("takes {wanted}, got {}", args.len()),
        });
    }
    if f == Function::If {
        return logic::if_(args, env);
    }
    let values = args
        .iter()
        .map(|a| eval(a, env))
        .collect::<Result<Vec<_>, _>>()?;
    let args = Args::new(f, values);
    match not_set_rule(f) {
        NotSetRule::Aware => {}
        NotSetRule::Propagate => {
            if matches!(args.v.first(), Some(V::NotSet)) {
                return Ok(V::NotSet);
            }
            args.refuse_not_set()?;
        }
        NotSetRule::Refuse => args.refuse_not_set()?,
    }
    match family(f) {
        Family::Logic => logic::call(args),
        Family::String => string::call(args),
        Family::Number => number::call(args),
        Family::DateTime => datetime::call(args, env),
        Family::Collection => collection::call(args),
        Family::Conversion => conversion::call(args),
        Family::Objects => objects::call(args),
        Family::Audio => audio::call(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_a_family_and_a_rule() {
        // Exhaustive matches guarantee this at compile time; the test documents the count.
        let families: Vec<Family> = Function::ALL.iter().map(|f| family(*f)).collect();
        assert_eq!(families.len(), Function::ALL.len());
        assert!(Function::ALL.len() >= 100, "{}", Function::ALL.len());
        assert_eq!(not_set_rule(Function::FindQueue), NotSetRule::Propagate);
        assert_eq!(not_set_rule(Function::Left), NotSetRule::Refuse);
    }
}
