//! Expectations (SPEC §10 `expect`) and how an observed call is checked against them. Pure: no
//! I/O. The first mismatch is reported with the trace step it concerns, so the report can show
//! the steps around it.

use serde_json::{Map, Value};

use crate::observed::Observed;

/// Text a prompt must contain (`"Welcome"`) or match (`"/^Connecting/"`).
#[derive(Debug, Clone)]
pub enum TextMatch {
    Substring(String),
    Regex {
        source: String,
        regex: regex_lite::Regex,
    },
}

impl TextMatch {
    /// Parses `"/.../"` as a regular expression, anything else as a substring.
    pub fn parse(text: &str) -> Result<TextMatch, String> {
        match text
            .strip_prefix('/')
            .and_then(|t| t.strip_suffix('/'))
            .filter(|_| text.len() >= 2)
        {
            Some(pattern) => regex_lite::Regex::new(pattern)
                .map(|regex| TextMatch::Regex {
                    source: text.to_string(),
                    regex,
                })
                .map_err(|e| format!("`{text}` is not a valid /regex/: {e}")),
            None => Ok(TextMatch::Substring(text.to_string())),
        }
    }

    /// Whether `text` satisfies this match.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            TextMatch::Substring(s) => text.contains(s.as_str()),
            TextMatch::Regex { regex, .. } => regex.is_match(text),
        }
    }

    /// As written in the test file.
    pub fn source(&self) -> &str {
        match self {
            TextMatch::Substring(s) => s,
            TextMatch::Regex { source, .. } => source,
        }
    }
}

/// How the call must end.
#[derive(Debug, Clone)]
pub enum OutcomeExpect {
    Disconnected,
    /// Transferred to this queue (exact name).
    Transferred(String),
    /// Failed with a reason containing (or matching) this text.
    Failed(TextMatch),
}

/// A module the call must enter, optionally at a version (`"Name@3"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleExpect {
    /// Module name or id.
    pub module: String,
    pub version: Option<u32>,
}

impl ModuleExpect {
    /// Parses `Name` or `Name@3` (also `Name@3.0`).
    pub fn parse(text: &str) -> Result<ModuleExpect, String> {
        if let Some((name, version)) = text.rsplit_once('@') {
            let number = version.strip_suffix(".0").unwrap_or(version);
            return match number.parse::<u32>() {
                Ok(v) if !name.trim().is_empty() => Ok(ModuleExpect {
                    module: name.trim().to_string(),
                    version: Some(v),
                }),
                _ => Err(format!(
                    "`{text}` is not a module name or `Name@VERSION` (e.g. `Caller Check@3`)"
                )),
            };
        }
        if text.trim().is_empty() {
            return Err("a module expectation is a module name, not empty".into());
        }
        Ok(ModuleExpect {
            module: text.trim().to_string(),
            version: None,
        })
    }
}

/// Every expectation of one case; each one is optional.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub outcome: Option<OutcomeExpect>,
    /// Heard in this order (other prompts may come between).
    pub prompts: Vec<TextMatch>,
    /// Never heard.
    pub not_prompts: Vec<TextMatch>,
    /// At the end of the call.
    pub participant_data: Map<String, Value>,
    /// Present at the end of the call.
    pub tags: Vec<String>,
    /// Entered at least once.
    pub modules: Vec<ModuleExpect>,
    pub max_actions: Option<u32>,
}

impl Expect {
    /// Whether checking needs the trace steps (prompts and modules come from them).
    pub fn needs_steps(&self) -> bool {
        !self.prompts.is_empty() || !self.not_prompts.is_empty() || !self.modules.is_empty()
    }
}

/// The first expectation a call did not meet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    /// The expectation key: `outcome`, `prompts`, `notPrompts`, `participantData`, `tags`,
    /// `modules`, `maxActions`.
    pub key: &'static str,
    pub expected: String,
    pub actual: String,
    /// The trace step the mismatch concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
}

fn outcome_text(o: &flowlink_api::trace::FinalOutcome) -> String {
    use flowlink_api::trace::FinalOutcome;
    match o {
        FinalOutcome::Disconnected => "disconnected".into(),
        FinalOutcome::Transferred { queue } => format!("transferred: {queue}"),
        FinalOutcome::Failed { reason } => format!("failed: {reason}"),
    }
}

/// A value as participant data holds it: strings as they are, others as JSON text.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn quoted(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|p| format!("{p:?}")).collect();
    format!("[{}]", items.join(", "))
}

/// Checks `observed` against `expect`; the first mismatch in the order of SPEC §10's keys.
pub fn check(expect: &Expect, observed: &Observed) -> Option<Mismatch> {
    use flowlink_api::trace::FinalOutcome;
    let last_step = observed.steps.len().checked_sub(1);
    if let Some(want) = &expect.outcome {
        let ok = match (want, &observed.outcome) {
            (OutcomeExpect::Disconnected, FinalOutcome::Disconnected) => true,
            (OutcomeExpect::Transferred(q), FinalOutcome::Transferred { queue }) => q == queue,
            (OutcomeExpect::Failed(m), FinalOutcome::Failed { reason }) => m.matches(reason),
            _ => false,
        };
        if !ok {
            let expected = match want {
                OutcomeExpect::Disconnected => "disconnected".to_string(),
                OutcomeExpect::Transferred(q) => format!("transferred: {q}"),
                OutcomeExpect::Failed(m) => format!("failed: {}", m.source()),
            };
            return Some(Mismatch {
                key: "outcome",
                expected,
                actual: outcome_text(&observed.outcome),
                step: last_step,
            });
        }
    }
    let mut from = 0;
    let mut after_step = None;
    for (i, want) in expect.prompts.iter().enumerate() {
        match observed.prompts[from..]
            .iter()
            .position(|(_, text)| want.matches(text))
        {
            Some(at) => {
                after_step = Some(observed.prompts[from + at].0);
                from += at + 1;
            }
            None => {
                let heard: Vec<String> = observed.prompts.iter().map(|(_, t)| t.clone()).collect();
                let place = match from {
                    0 => String::new(),
                    _ => format!(" after {:?}", expect.prompts[i - 1].source()),
                };
                return Some(Mismatch {
                    key: "prompts",
                    expected: format!(
                        "prompt {} of {} {:?} heard{place}",
                        i + 1,
                        expect.prompts.len(),
                        want.source()
                    ),
                    actual: format!("heard {}", quoted(&heard)),
                    step: after_step.or(last_step),
                });
            }
        }
    }
    for not in &expect.not_prompts {
        if let Some((step, text)) = observed.prompts.iter().find(|(_, t)| not.matches(t)) {
            return Some(Mismatch {
                key: "notPrompts",
                expected: format!("no prompt matching {:?}", not.source()),
                actual: format!("heard {text:?}"),
                step: Some(*step),
            });
        }
    }
    for (key, want) in &expect.participant_data {
        let got = observed.participant_data.get(key);
        if got.map(plain) != Some(plain(want)) {
            return Some(Mismatch {
                key: "participantData",
                expected: format!("{key} = {:?}", plain(want)),
                actual: match got {
                    Some(v) => format!("{key} = {:?}", plain(v)),
                    None => format!("{key} not set"),
                },
                step: last_step,
            });
        }
    }
    for tag in &expect.tags {
        if !observed.tags.contains(tag) {
            return Some(Mismatch {
                key: "tags",
                expected: format!("tag {tag:?}"),
                actual: format!("tags {}", quoted(&observed.tags)),
                step: last_step,
            });
        }
    }
    for want in &expect.modules {
        let entered = observed.modules.iter().any(|m| {
            (m.name.eq_ignore_ascii_case(&want.module) || m.id == want.module)
                && want.version.is_none_or(|v| v == m.version)
        });
        if !entered {
            let seen: Vec<String> = observed
                .modules
                .iter()
                .map(|m| format!("{}@{}", m.name, m.version))
                .collect();
            let expected = match want.version {
                Some(v) => format!("module {:?} entered at version {v}", want.module),
                None => format!("module {:?} entered", want.module),
            };
            return Some(Mismatch {
                key: "modules",
                expected,
                actual: format!("entered {}", quoted(&seen)),
                step: last_step,
            });
        }
    }
    if let Some(max) = expect.max_actions {
        if observed.action_count > max {
            return Some(Mismatch {
                key: "maxActions",
                expected: format!("at most {max} actions"),
                actual: format!("{} actions", observed.action_count),
                step: last_step,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slashes_make_a_regex_only_around_a_pattern() {
        assert!(matches!(TextMatch::parse("/"), Ok(TextMatch::Substring(s)) if s == "/"));
        assert!(matches!(
            TextMatch::parse("a/b/"),
            Ok(TextMatch::Substring(_))
        ));
        let re = TextMatch::parse("/^Press [0-9]/").expect("a regex");
        assert!(re.matches("Press 1 for sales") && !re.matches("Please Press 1"));
        assert!(TextMatch::parse("Press")
            .expect("text")
            .matches("Please Press 1"));
    }

    #[test]
    fn module_expectations_read_a_version_after_the_last_at() {
        assert_eq!(
            ModuleExpect::parse("Team@Home@3.0"),
            Ok(ModuleExpect {
                module: "Team@Home".into(),
                version: Some(3)
            })
        );
        assert_eq!(
            ModuleExpect::parse(" Caller Check "),
            Ok(ModuleExpect {
                module: "Caller Check".into(),
                version: None
            })
        );
        assert!(ModuleExpect::parse("@2").is_err() && ModuleExpect::parse("").is_err());
    }
}
