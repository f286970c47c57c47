//! JUnit XML, the report CI systems read: one `testsuite` per test file, one `testcase` per
//! case, a `failure` element (message: the mismatch; text: expected, actual and the trace) for
//! a failed case and an `error` element for a case that could not run.

use crate::run::{FileResult, Status};

/// XML-escapes text for an attribute or element body.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML document of a run.
pub fn render(results: &[FileResult]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for file in results {
        let failures = file
            .cases
            .iter()
            .filter(|c| matches!(c.status, Status::Failed { .. }))
            .count();
        let errors = file
            .cases
            .iter()
            .filter(|c| matches!(c.status, Status::Error { .. }))
            .count();
        let time: f64 = file.cases.iter().map(|c| c.seconds).sum();
        s.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.6}\">\n",
            esc(&file.file),
            file.cases.len()
        ));
        for case in &file.cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.6}\"",
                esc(&case.name),
                esc(&file.flow),
                esc(&file.file),
                case.line,
                case.seconds
            );
            match &case.status {
                Status::Passed => s.push_str(&format!("{open}/>\n")),
                Status::Failed { mismatch } => {
                    let mut body = format!(
                        "expected: {}\nactual:   {}\n",
                        mismatch.expected, mismatch.actual
                    );
                    for line in &case.trace {
                        body.push_str(line);
                        body.push('\n');
                    }
                    s.push_str(&format!(
                        "{open}>\n      <failure message=\"{}: expected {}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        esc(mismatch.key),
                        esc(&mismatch.expected),
                        esc(mismatch.key),
                        esc(&body)
                    ));
                }
                Status::Error { message } => s.push_str(&format!(
                    "{open}>\n      <error message=\"{}\"/>\n    </testcase>\n",
                    esc(message)
                )),
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}
