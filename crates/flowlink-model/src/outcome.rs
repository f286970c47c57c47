//! Wire spelling of edge outcomes (`default`, `success`, `dtmf:1`, ...).

use crate::graph::Outcome;

/// Longest accepted digit string after `dtmf:`.
const MAX_DTMF_LEN: usize = 32;

/// Parses an outcome as written on an edge type or a branch key. Named outcomes match
/// case-insensitively; `dtmf:` must be followed by 1–32 of `0-9`, `*`, `#`.
pub fn outcome_from_wire(text: &str) -> Option<Outcome> {
    let lower = text.trim().to_ascii_lowercase();
    let outcome = match lower.as_str() {
        "default" => Outcome::Default,
        "success" => Outcome::Success,
        "failure" => Outcome::Failure,
        "true" => Outcome::True,
        "false" => Outcome::False,
        "timeout" => Outcome::Timeout,
        "nomatch" => Outcome::NoMatch,
        other => {
            let digits = other.strip_prefix("dtmf:")?;
            let valid = !digits.is_empty()
                && digits.len() <= MAX_DTMF_LEN
                && digits
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
            if !valid {
                return None;
            }
            Outcome::Dtmf(digits.to_string())
        }
    };
    Some(outcome)
}

impl Outcome {
    /// The wire spelling: `default`, `success`, `failure`, `true`, `false`, `timeout`,
    /// `noMatch`, `dtmf:N`.
    pub fn as_wire(&self) -> String {
        match self {
            Outcome::Default => "default".into(),
            Outcome::Success => "success".into(),
            Outcome::Failure => "failure".into(),
            Outcome::True => "true".into(),
            Outcome::False => "false".into(),
            Outcome::Timeout => "timeout".into(),
            Outcome::NoMatch => "noMatch".into(),
            Outcome::Dtmf(d) => format!("dtmf:{d}"),
            Outcome::Named(name) => name.clone(),
        }
    }
}
