//! Running cases offline: every selected case of every test file through the engine in
//! process, on all cores (plain `std::thread::scope` workers taking the next case from an
//! atomic counter: no thread-pool dependency), results put back in file and case order so the
//! output is the same on any number of cores.
//!
//! The trace is recorded only when something reads it (prompt or module expectations,
//! coverage, `--update`); a failed case that ran without it runs again with it, so its report
//! shows the steps around the mismatch. The engine is deterministic, so the rerun is the same
//! call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use flowlink_engine::{run_with, FlowToRun, Limits, Simulation, TraceLevel};
use serde::Serialize;

use crate::coverage::{CoverageIndex, CoverageReport};
use crate::error::TestError;
use crate::expect::{check, Mismatch};
use crate::flows::FlowSet;
use crate::observed::Observed;
use crate::spec::{Case, TestFile};

/// What to run and what to keep.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only cases whose name contains this text.
    pub filter: Option<String>,
    /// Run only cases whose flow can enter this module (name or id).
    pub changed_module: Option<String>,
    /// Count coverage.
    pub coverage: bool,
    /// Keep each case's observed call (for `--update` and JSON output).
    pub keep_observed: bool,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
}

impl Options {
    /// Whether `case` passes the name filter.
    pub fn selects(&self, case: &Case) -> bool {
        self.filter.as_deref().is_none_or(|f| case.name.contains(f))
    }

    fn workers(&self, jobs: usize) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let wanted = if self.threads == 0 {
            cores
        } else {
            self.threads
        };
        wanted.clamp(1, jobs.max(1))
    }
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum Status {
    Passed,
    /// An expectation was not met: the first one.
    Failed {
        mismatch: Mismatch,
    },
    /// The case could not run (e.g. the flow's type is not simulated, the server refused).
    Error {
        message: String,
    },
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    pub name: String,
    pub line: usize,
    #[serde(flatten)]
    pub status: Status,
    pub seconds: f64,
    /// The trace steps around the mismatch, rendered (failed cases only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
    #[serde(skip)]
    pub observed: Option<Observed>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.status == Status::Passed
    }
}

/// One test file's results, its cases in file order (unselected cases left out).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileResult {
    pub file: String,
    pub flow: String,
    pub cases: Vec<CaseResult>,
}

/// Each file's results, in file order, from `(file index, case result)` pairs in case order.
pub(crate) fn by_file(
    files: &[TestFile],
    results: impl IntoIterator<Item = (usize, CaseResult)>,
) -> Vec<FileResult> {
    let mut grouped: Vec<FileResult> = files
        .iter()
        .map(|f| FileResult {
            file: f.file.clone(),
            flow: f.flow.clone(),
            cases: Vec::new(),
        })
        .collect();
    for (fi, r) in results {
        grouped[fi].cases.push(r);
    }
    grouped
}

/// The steps around `step`, one line each.
pub fn excerpt(steps: &[flowlink_api::trace::TraceStep], step: Option<usize>) -> Vec<String> {
    let Some(at) = step.or(steps.len().checked_sub(1)) else {
        return Vec::new();
    };
    let from = at.saturating_sub(4);
    let to = (at + 3).min(steps.len());
    (from..to)
        .map(|i| {
            let marker = if i == at { ">" } else { " " };
            format!("{marker} {}", crate::report::step_line(i, &steps[i]))
        })
        .collect()
}

/// Checks one observed call; `rerun` gives a traced observation when the first had none.
pub fn judge(
    case: &Case,
    observed: Observed,
    seconds: f64,
    keep: bool,
    rerun: impl FnOnce() -> Option<Observed>,
) -> CaseResult {
    let (status, trace, observed) = match check(&case.expect, &observed) {
        None => (Status::Passed, Vec::new(), observed),
        Some(mismatch) => {
            let traced = if observed.steps.is_empty() {
                rerun().unwrap_or(observed)
            } else {
                observed
            };
            let trace = excerpt(&traced.steps, mismatch.step);
            (Status::Failed { mismatch }, trace, traced)
        }
    };
    CaseResult {
        name: case.name.clone(),
        line: case.line,
        status,
        seconds,
        trace,
        observed: keep.then_some(observed),
    }
}

/// The flow each file tests, or an error at the file's `flow` line.
pub fn resolve_flows(
    set: &FlowSet,
    files: &[TestFile],
    dir: &str,
) -> Result<Vec<usize>, TestError> {
    files
        .iter()
        .map(|f| {
            set.find(&f.flow).ok_or_else(|| {
                TestError::at(
                    &f.file,
                    f.flow_line,
                    format!(
                        "no flow `{}` among the flow files of {dir} (by name or id)",
                        f.flow
                    ),
                )
            })
        })
        .collect()
}

/// The clock a run's calls see when a case gives no `now`: the real one, read once per run.
fn default_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs the selected cases of `files` against `set` (`dir` names the flow folder in errors).
/// Returns the results in file and case order, and the coverage when asked.
pub fn run_offline(
    set: &FlowSet,
    files: &[TestFile],
    dir: &str,
    opts: &Options,
) -> Result<(Vec<FileResult>, Option<CoverageReport>), TestError> {
    let flows = resolve_flows(set, files, dir)?;
    if let Some(module) = &opts.changed_module {
        if !set
            .find(module)
            .is_some_and(|i| set.flows[i].flow_type.is_module())
        {
            return Err(TestError::at(
                dir,
                0,
                format!("--changed-module: no module `{module}` among the flow files"),
            ));
        }
    }
    let mut jobs = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        if let Some(module) = &opts.changed_module {
            if !set.reaches(flows[fi], module) {
                continue;
            }
        }
        for (ci, case) in file.cases.iter().enumerate() {
            if opts.selects(case) {
                jobs.push((fi, ci));
            }
        }
    }
    let runs: Vec<FlowToRun> = set.flows.iter().map(|f| f.to_run()).collect();
    let now = default_now();
    let index = opts.coverage.then(|| CoverageIndex::new(&set.flows));
    let limits = Limits::default();
    let next = AtomicUsize::new(0);
    let workers = opts.workers(jobs.len());
    let mut slots: Vec<Option<CaseResult>> = vec![None; jobs.len()];
    let mut tally = index.as_ref().map(CoverageIndex::tally);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    let mut local = index.as_ref().map(CoverageIndex::tally);
                    let mut with_now: Option<Simulation> = None;
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(fi, ci)) = jobs.get(j) else { break };
                        let case = &files[fi].cases[ci];
                        let flow = &set.flows[flows[fi]];
                        if let Some(message) = flow.not_simulated() {
                            done.push((
                                j,
                                CaseResult {
                                    name: case.name.clone(),
                                    line: case.line,
                                    status: Status::Error { message },
                                    seconds: 0.0,
                                    trace: Vec::new(),
                                    observed: None,
                                },
                            ));
                            continue;
                        }
                        let sim = if case.simulation.now.is_some() {
                            &case.simulation
                        } else {
                            // Cloned only for cases without a clock of their own.
                            let s = with_now.insert(case.simulation.clone());
                            s.now = Some(now.clone());
                            &*s
                        };
                        let traced =
                            local.is_some() || opts.keep_observed || case.expect.needs_steps();
                        let level = if traced {
                            TraceLevel::Full
                        } else {
                            TraceLevel::Off
                        };
                        let started = Instant::now();
                        let run = &runs[flows[fi]];
                        let result = run_with(run, sim, set.modules(), &limits, level);
                        let seconds = started.elapsed().as_secs_f64();
                        let observed = Observed::from_result(result);
                        if let (Some(t), Some(ix)) = (local.as_mut(), index.as_ref()) {
                            t.touch(flows[fi]);
                            t.record(ix, &observed.steps);
                        }
                        let rerun = || {
                            Some(Observed::from_result(run_with(
                                run,
                                sim,
                                set.modules(),
                                &limits,
                                TraceLevel::Full,
                            )))
                        };
                        done.push((j, judge(case, observed, seconds, opts.keep_observed, rerun)));
                    }
                    (done, local)
                })
            })
            .collect();
        for h in handles {
            // A worker only panics on a bug in the engine; the case stays unreported then.
            if let Ok((done, local)) = h.join() {
                for (j, r) in done {
                    slots[j] = Some(r);
                }
                if let (Some(t), Some(l)) = (tally.as_mut(), local) {
                    t.merge(&l);
                }
            }
        }
    });
    let results = by_file(
        files,
        slots
            .into_iter()
            .zip(&jobs)
            .filter_map(|(slot, &(fi, _))| slot.map(|r| (fi, r))),
    );
    let coverage = match (tally, index) {
        (Some(t), Some(ix)) => Some(t.report(&ix, &set.flows)),
        _ => None,
    };
    Ok((results, coverage))
}
