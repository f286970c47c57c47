//! The evaluated arguments of one function call, read by type with errors that name the
//! function and the argument.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use flowlink_model::expr::Function;

use crate::eval::EvalError;
use crate::value::{Audio, V};

/// Evaluated arguments; `v[i]` is argument `i + 1`.
pub(crate) struct Args<'a> {
    pub(crate) f: Function,
    pub(crate) v: Vec<V<'a>>,
}

impl<'a> Args<'a> {
    pub(crate) fn new(f: Function, v: Vec<V<'a>>) -> Self {
        Args { f, v }
    }

    /// An error of this function.
    pub(crate) fn bad(&self, message: impl Into<String>) -> EvalError {
        EvalError::BadArgument {
            function: self.f.name(),
            message: message.into(),
        }
    }

    fn wrong(&self, i: usize, wanted: &str) -> EvalError {
        self.bad(format!(
            "argument {} must be {wanted}, found {}",
            i + 1,
            self.get(i).type_name()
        ))
    }

    /// Refuses any NOT_SET argument.
    pub(crate) fn refuse_not_set(&self) -> Result<(), EvalError> {
        match self.v.iter().position(|v| matches!(v, V::NotSet)) {
            Some(i) => Err(self.bad(format!(
                "argument {} is NOT_SET (guard it with IsSet or If)",
                i + 1
            ))),
            None => Ok(()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.v.len()
    }

    /// Argument `i` (NOT_SET past the end, for optional arguments).
    pub(crate) fn get(&self, i: usize) -> &V<'a> {
        self.v.get(i).unwrap_or(&V::NotSet)
    }

    /// Moves argument `i` out.
    pub(crate) fn take(&mut self, i: usize) -> V<'a> {
        self.v
            .get_mut(i)
            .map_or(V::NotSet, |v| std::mem::replace(v, V::NotSet))
    }

    /// Argument `i` as text: a String, or any value's text form but NOT_SET.
    pub(crate) fn text(&self, i: usize) -> Result<Cow<'_, str>, EvalError> {
        match self.get(i) {
            V::Str(s) => Ok(Cow::Borrowed(s.as_ref())),
            V::NotSet => Err(self.wrong(i, "a String")),
            other => Ok(Cow::Owned(
                other
                    .clone()
                    .into_text()
                    .map(Cow::into_owned)
                    .unwrap_or_default(),
            )),
        }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64, EvalError> {
        match self.get(i) {
            V::Int(n) => Ok(*n),
            V::Dec(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Ok(*d as i64),
            _ => Err(self.wrong(i, "an Integer")),
        }
    }

    pub(crate) fn num(&self, i: usize) -> Result<f64, EvalError> {
        match self.get(i) {
            V::Int(n) => Ok(*n as f64),
            V::Dec(d) => Ok(*d),
            _ => Err(self.wrong(i, "a number")),
        }
    }

    pub(crate) fn boolean(&self, i: usize) -> Result<bool, EvalError> {
        match self.get(i) {
            V::Bool(b) => Ok(*b),
            _ => Err(self.wrong(i, "a Boolean")),
        }
    }

    /// Optional Boolean argument `i`, `default` when absent.
    pub(crate) fn flag(&self, i: usize, default: bool) -> Result<bool, EvalError> {
        if i < self.v.len() {
            self.boolean(i)
        } else {
            Ok(default)
        }
    }

    pub(crate) fn datetime(&self, i: usize) -> Result<DateTime<Utc>, EvalError> {
        self.get(i)
            .as_datetime()
            .ok_or_else(|| self.wrong(i, "a DateTime"))
    }

    pub(crate) fn date(&self, i: usize) -> Result<NaiveDate, EvalError> {
        self.get(i).as_date().ok_or_else(|| self.wrong(i, "a Date"))
    }

    pub(crate) fn time(&self, i: usize) -> Result<NaiveTime, EvalError> {
        self.get(i).as_time().ok_or_else(|| self.wrong(i, "a Time"))
    }

    /// Argument `i` as a Duration in milliseconds.
    pub(crate) fn duration(&self, i: usize) -> Result<i64, EvalError> {
        self.get(i)
            .as_duration()
            .ok_or_else(|| self.wrong(i, "a Duration"))
    }

    pub(crate) fn audio(&self, i: usize) -> Result<Audio, EvalError> {
        self.get(i).as_audio().ok_or_else(|| self.wrong(i, "Audio"))
    }

    /// Argument `i` as a collection's items; NOT_SET is the empty collection.
    pub(crate) fn items(&self, i: usize) -> Result<Vec<V<'_>>, EvalError> {
        match self.get(i) {
            V::NotSet => Ok(Vec::new()),
            v => v.items().ok_or_else(|| self.wrong(i, "a collection")),
        }
    }
}

/// A computed string value.
pub(crate) fn owned(s: impl Into<String>) -> V<'static> {
    V::Str(Cow::Owned(s.into()))
}
