//! `flowlink test [PATH...]` (SPEC §10): runs flow test files offline against a folder of flow
//! files, or with `--server` through the executions API; prints a line per case, the first
//! mismatch with the trace around it and a summary; writes JUnit XML, coverage, snapshots.
//! Exit codes: 0 all passed, 1 a case failed (or coverage below `--min-coverage`), 2 a file
//! could not be read, is invalid, or names a flow that does not exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use flowlink_flowtest::report::{render_text, JsonReport, Summary};
use flowlink_flowtest::server::{run_server, ServerRunError};
use flowlink_flowtest::{
    find_tests, load_tests, run_offline, CoverageReport, FileResult, FlowSet, Options, Status,
    TestFile,
};

use crate::cli::{Global, Output};
use crate::output::{print, print_json};
use crate::Exit;

/// Calls in flight at once in `--server` mode.
const SERVER_IN_FLIGHT: usize = 8;

/// `flowlink test` arguments.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files (`*.test.yaml`) or folders holding them [default: tests/flows/].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The folder of flow files (Archy YAML, JSON) to run offline [default: each test file's folder].
    #[arg(long, value_name = "DIR", conflicts_with = "server")]
    pub flows: Option<PathBuf>,
    /// Run through the executions API of the server (GENESYS_ENV_URL and credentials), on
    /// the published flows.
    #[arg(long)]
    pub server: bool,
    /// Run only cases whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Write what each `snapshot: true` case observed into its `expect`.
    #[arg(long)]
    pub update: bool,
    /// Write JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print which actions and paths no case reached, per flow and module.
    #[arg(long)]
    pub coverage: bool,
    /// Write the coverage as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub coverage_json: Option<PathBuf>,
    /// Exit 1 when the total coverage is below PCT.
    #[arg(long, value_name = "PCT")]
    pub min_coverage: Option<f64>,
    /// Run only the cases whose flow can enter this module (name or id).
    #[arg(long, value_name = "NAME")]
    pub changed_module: Option<String>,
    /// Worker threads offline [default: one per core].
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
}

impl TestArgs {
    fn wants_coverage(&self) -> bool {
        self.coverage || self.coverage_json.is_some() || self.min_coverage.is_some()
    }
}

/// Groups the files by the folder of flows they run against, keeping first-seen order.
fn by_flow_dir(files: &[TestFile], flows: Option<&Path>) -> BTreeMap<PathBuf, Vec<usize>> {
    let mut groups: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let dir = match flows {
            Some(d) => d.to_path_buf(),
            None => Path::new(&f.file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        };
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        groups.entry(dir).or_default().push(i);
    }
    groups
}

fn offline(
    files: &[TestFile],
    args: &TestArgs,
    opts: &Options,
) -> anyhow::Result<(Vec<FileResult>, Option<CoverageReport>)> {
    let mut results: Vec<Option<FileResult>> = vec![None; files.len()];
    let mut reports = Vec::new();
    for (dir, indexes) in by_flow_dir(files, args.flows.as_deref()) {
        let set = FlowSet::load_dir(&dir)?;
        let group: Vec<TestFile> = indexes.iter().map(|&i| files[i].clone()).collect();
        let (done, coverage) = run_offline(&set, &group, &dir.display().to_string(), opts)?;
        for (i, r) in indexes.into_iter().zip(done) {
            results[i] = Some(r);
        }
        reports.extend(coverage);
    }
    let coverage = opts.coverage.then(|| CoverageReport::combine(reports));
    Ok((results.into_iter().flatten().collect(), coverage))
}

/// Writes snapshot cases back; marks them passed (their `expect` is now what they did).
fn update(
    loaded: &[(TestFile, String)],
    results: &mut [FileResult],
) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    for ((file, text), result) in loaded.iter().zip(results.iter_mut()) {
        let Some(new) = flowlink_flowtest::update::update_text(text, file, result) else {
            continue;
        };
        std::fs::write(&file.file, &new).with_context(|| format!("cannot write {}", file.file))?;
        let mut n = 0;
        for case in result.cases.iter_mut() {
            let snap = file
                .cases
                .iter()
                .any(|c| c.line == case.line && c.snapshot.is_some());
            if snap && case.observed.is_some() {
                case.status = Status::Passed;
                case.trace.clear();
                n += 1;
            }
        }
        notes.push(format!("updated {n} snapshot case(s) in {}", file.file));
    }
    Ok(notes)
}

/// Runs `flowlink test`.
pub async fn run(g: &Global, args: &TestArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("tests/flows")]
    } else {
        args.paths.clone()
    };
    let found = find_tests(&paths)?;
    if found.is_empty() {
        anyhow::bail!(
            "no *.test.yaml files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let loaded = load_tests(&found)?;
    let files: Vec<TestFile> = loaded.iter().map(|(f, _)| f.clone()).collect();
    let opts = Options {
        filter: args.filter.clone(),
        changed_module: args.changed_module.clone(),
        coverage: args.wants_coverage(),
        keep_observed: args.update,
        threads: args.jobs,
    };
    let (mut results, coverage) = if args.server {
        let client = crate::config::client(g)?;
        match run_server(&client, &files, &opts, SERVER_IN_FLIGHT).await {
            Ok(r) => r,
            Err(ServerRunError::Test(e)) => return Err(e.into()),
            Err(e) => return Err(e.into()),
        }
    } else {
        let files = files.clone();
        tokio::task::block_in_place(|| offline(&files, args, &opts))?
    };
    let notes = if args.update {
        update(&loaded, &mut results)?
    } else {
        Vec::new()
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = &args.junit {
        std::fs::write(path, flowlink_flowtest::junit::render(&results))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let (Some(path), Some(c)) = (&args.coverage_json, &coverage) {
        let text = serde_json::to_string_pretty(c)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let summary = Summary::of(&results);
    match g.output {
        Output::Json => print_json(&JsonReport {
            summary,
            files: &results,
            coverage: coverage.as_ref(),
        })?,
        Output::Table => {
            let mut text = render_text(&results, seconds);
            for n in &notes {
                text.push_str(n);
                text.push('\n');
            }
            if let (true, Some(c)) = (args.coverage, &coverage) {
                text.push_str(&c.render());
            }
            print(&text)?;
        }
    }
    let mut exit = if summary.failed + summary.errors > 0 {
        Exit::SomeFailed
    } else {
        Exit::Ok
    };
    if let (Some(min), Some(c)) = (args.min_coverage, &coverage) {
        if c.percent < min {
            eprintln!("coverage {:.1}% is below --min-coverage {min}", c.percent);
            exit = Exit::SomeFailed;
        }
    }
    Ok(exit)
}
