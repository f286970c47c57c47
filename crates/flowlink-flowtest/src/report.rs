//! Reports of a run: one line per case, the first mismatch of a failed case as expected vs
//! actual with the trace around it, a summary line, and the JSON document (`-o json`). Pure
//! string building; the CLI prints.

use flowlink_api::trace::{Event, TraceStep};
use serde::Serialize;

use crate::coverage::CoverageReport;
use crate::run::{FileResult, Status};

/// One trace step as a line: `#3 menu 'Main' (menus[0]) → dtmf:2: prompt "Welcome"`.
pub fn step_line(index: usize, step: &TraceStep) -> String {
    let indent = "  ".repeat(step.depth as usize);
    let name = if step.node_name.is_empty() {
        String::new()
    } else {
        format!(" '{}'", step.node_name)
    };
    let out = step
        .outcome
        .as_deref()
        .map(|o| format!(" → {o}"))
        .unwrap_or_default();
    let what = match &step.event {
        Event::PromptPlayed { prompt } => {
            format!(": prompt {:?}", prompt.text.as_deref().unwrap_or(""))
        }
        Event::InputCollected { digits, prompt } => {
            let heard = prompt
                .as_ref()
                .and_then(|p| p.text.as_deref())
                .map(|t| format!(" prompt {t:?},"))
                .unwrap_or_default();
            format!(":{heard} digits {}", digits.as_deref().unwrap_or("(none)"))
        }
        Event::ModuleEnter {
            module_name,
            version,
            ..
        } => format!(": enter module '{module_name}' v{version}"),
        Event::ModuleExit { .. } => ": module returned".into(),
        Event::ModuleCallFailed { reason, .. } | Event::Error { reason, .. } => {
            format!(": error: {reason}")
        }
        Event::Transfer { queue } => format!(": transfer to {queue}"),
        Event::Decision { expression, value } => format!(": {expression} = {value}"),
        Event::DataAction { name, .. } => format!(": data action {name}"),
        Event::TagsAdded { tags } => format!(": tags {tags:?}"),
        Event::SetData { data } => {
            let keys: Vec<&str> = data.iter().map(|d| d.key.as_str()).collect();
            format!(": set {}", keys.join(", "))
        }
        _ => String::new(),
    };
    format!(
        "#{index} {indent}{}{name} ({}){out}{what}",
        step.node_type, step.node_id
    )
}

/// Counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
}

impl Summary {
    /// The counts over `results`.
    pub fn of(results: &[FileResult]) -> Summary {
        let mut s = Summary::default();
        for c in results.iter().flat_map(|f| &f.cases) {
            match c.status {
                Status::Passed => s.passed += 1,
                Status::Failed { .. } => s.failed += 1,
                Status::Error { .. } => s.errors += 1,
            }
        }
        s
    }

    /// Cases run.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors
    }
}

/// The text report: a line per case, details of failures, a summary.
pub fn render_text(results: &[FileResult], seconds: f64) -> String {
    let mut s = String::new();
    for file in results {
        for case in &file.cases {
            let tag = match &case.status {
                Status::Passed => "ok  ",
                Status::Failed { .. } => "FAIL",
                Status::Error { .. } => "ERR ",
            };
            s.push_str(&format!(
                "{tag} {}:{}: {} › {}\n",
                file.file, case.line, file.flow, case.name
            ));
            match &case.status {
                Status::Passed => {}
                Status::Failed { mismatch } => {
                    s.push_str(&format!("       {}\n", mismatch.key));
                    s.push_str(&format!("         expected: {}\n", mismatch.expected));
                    s.push_str(&format!("         actual:   {}\n", mismatch.actual));
                    if !case.trace.is_empty() {
                        s.push_str("       trace:\n");
                        for line in &case.trace {
                            s.push_str(&format!("         {line}\n"));
                        }
                    }
                }
                Status::Error { message } => s.push_str(&format!("       {message}\n")),
            }
        }
    }
    let sum = Summary::of(results);
    s.push_str(&format!(
        "{} cases: {} passed, {} failed, {} errors ({:.2}s)\n",
        sum.total(),
        sum.passed,
        sum.failed,
        sum.errors,
        seconds
    ));
    s
}

/// The `-o json` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReport<'a> {
    pub summary: Summary,
    pub files: &'a [FileResult],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<&'a CoverageReport>,
}
