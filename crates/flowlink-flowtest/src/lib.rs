//! `flowlink test`'s runner (SPEC §10): flow tests as files, run offline through the engine
//! or against a server through the executions API, with coverage, JUnit XML and JSON reports.
//!
//! - [`spec`]: `*.test.yaml` → [`TestFile`] (line numbers kept; unknown keys are errors).
//! - [`expect`]: the expectations and [`check`]; [`observed`]: what a call did, from the
//!   engine or from a server trace alike.
//! - [`flows`]: a folder of flow files (Archy YAML or JSON) → [`FlowSet`] with modules bound.
//! - [`run`]: offline, in parallel; [`server`]: the same cases through `flowlink-client`.
//! - [`coverage`] (+ [`locate`] for Archy lines), [`report`], [`junit`], [`update`].
//!
//! Architecture invariant: no dependency on the server; everything but [`flows::FlowSet::load_dir`],
//! [`load_tests`] and [`server`] is pure (no I/O), so it is unit-testable.

pub mod coverage;
pub mod error;
pub mod expect;
pub mod flows;
pub mod junit;
pub mod locate;
pub mod observed;
pub mod report;
pub mod run;
pub mod server;
pub mod spec;
pub mod update;

use std::path::{Path, PathBuf};

pub use coverage::{CoverageReport, FlowCoverage};
pub use error::TestError;
pub use expect::{check, Expect, Mismatch};
pub use flows::FlowSet;
pub use observed::Observed;
pub use run::{run_offline, CaseResult, FileResult, Options, Status};
pub use spec::{parse_test_file, Case, TestFile};

/// Every `*.test.yaml` under `paths` (files named directly are taken whatever their name),
/// sorted per path.
pub fn find_tests(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TestError> {
    let mut out = Vec::new();
    for p in paths {
        flows::collect(p, &mut out, &|n| n.ends_with(".test.yaml"))
            .map_err(|e| TestError::at(&p.display().to_string(), 0, e))?;
    }
    Ok(out)
}

/// Reads and parses one test file.
pub fn load_test(path: &Path) -> Result<(TestFile, String), TestError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| TestError::at(&file, 0, format!("cannot read: {e}")))?;
    Ok((parse_test_file(&file, &text)?, text))
}

/// Reads and parses test files.
pub fn load_tests(paths: &[PathBuf]) -> Result<Vec<(TestFile, String)>, TestError> {
    paths.iter().map(|p| load_test(p)).collect()
}
