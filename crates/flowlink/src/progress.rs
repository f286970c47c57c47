//! The bulk-operation progress bar on stderr; hidden when stderr is not a terminal or with
//! `--quiet`, so scripts and pipes get clean output.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use flowlink_client::{FlowResult, FlowStatus, Progress};

/// A [`Progress`] that drives an indicatif bar.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar labelled `verb` (e.g. `linking`), visible only on a terminal and without `quiet`.
    pub fn new(verb: &str, quiet: bool) -> Self {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} flows {msg} ({elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(verb.to_string());
        Bar { bar }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    fn done(&self, result: &FlowResult) {
        if let FlowStatus::Failed(_) = result.status {
            self.bar.set_message("(some failed)");
        }
        self.bar.inc(1);
    }
}
