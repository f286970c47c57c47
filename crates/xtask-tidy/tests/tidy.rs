//! The tidy test: the invariants ARCHITECTURE.md states, checked against the code, so a
//! change that breaks one fails `cargo test` instead of waiting for a reader to notice.
//!
//! - The crate dependency table in ARCHITECTURE.md (between the `tidy:crate-dependencies`
//!   markers) equals `cargo metadata`: normal dependencies in one column, dev-dependencies
//!   (test-only edges, e.g. `flowlink-store` with its `testing` feature) in the other.
//! - Only the store knows SQL: the database crates are dependencies of `flowlink-store` alone,
//!   and no other crate's source names `sqlx`.
//! - Only the server knows HTTP status codes (see [`http_status_codes_only_in_the_server`]).
//! - Every module under `crates/*/src` opens with a `//!` header.
//! - No import circle among the server's source files.
//!
//! That each operation's documented scopes are the scopes its handler checks is a behavioural
//! check against a real server: `crates/flowlink-server/tests/openapi/scopes.rs`,
//! `documented_scopes_are_the_scopes_each_handler_checks`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use xtask_tidy::{
    architecture_table, cargo_metadata, code_only, crate_dirs, crate_graph, dependents_of,
    find_cycles, graph_diff, has_module_header, is_test_file, mentions, module_paths, module_refs,
    re_exports, rust_files, workspace_root, DepKind,
};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every non-test source file of every crate, with its crate's directory name.
fn source_files() -> Vec<(String, std::path::PathBuf)> {
    crate_dirs()
        .into_iter()
        .flat_map(|(name, dir)| {
            let mut files = rust_files(&dir.join("src"));
            files.extend(rust_files(&dir.join("tests")));
            files.extend(rust_files(&dir.join("benches")));
            files.into_iter().map(move |f| (name.clone(), f))
        })
        // This crate names the forbidden words to look for them.
        .filter(|(name, _)| name != env!("CARGO_PKG_NAME"))
        .collect()
}

#[test]
fn crate_dependency_table_matches_cargo_metadata() {
    let metadata = cargo_metadata().expect("cargo metadata");
    let text = read(&workspace_root().join("ARCHITECTURE.md"));
    let (normal, dev) = architecture_table(&text).expect("the table in ARCHITECTURE.md");
    let mut problems = graph_diff(&normal, &crate_graph(&metadata, DepKind::Normal));
    problems.extend(
        graph_diff(&dev, &crate_graph(&metadata, DepKind::Dev))
            .into_iter()
            .map(|p| format!("dev-dependencies: {p}")),
    );
    let build = crate_graph(&metadata, DepKind::Build);
    problems.extend(
        build
            .iter()
            .filter(|(_, deps)| !deps.is_empty())
            .map(|(c, deps)| format!("{c}: build-dependencies {deps:?} are not in the table")),
    );
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md's crate dependency table differs from cargo metadata:\n{}",
        problems.join("\n")
    );
}

/// Crates that talk to a database. Only `flowlink-store` may depend on them.
const DATABASE_CRATES: &[&str] = &["sqlx", "rusqlite", "postgres", "tokio-postgres", "diesel"];

#[test]
fn sql_only_in_the_store() {
    let metadata = cargo_metadata().expect("cargo metadata");
    let mut problems = Vec::new();
    for db in DATABASE_CRATES {
        for kind in [DepKind::Normal, DepKind::Dev, DepKind::Build] {
            for c in dependents_of(&metadata, db, kind) {
                if c != "flowlink-store" {
                    problems.push(format!("{c} depends on {db} ({kind:?})"));
                }
            }
        }
    }
    for (krate, file) in source_files() {
        if krate == "flowlink-store" {
            continue;
        }
        // Tests too: a test that reaches around the store into SQL tests something else.
        let code = code_only(&read(&file));
        for db in ["sqlx", "rusqlite", "tokio_postgres", "diesel"] {
            if mentions(&code, db) {
                problems.push(format!("{} names {db}", relative(&file)));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "only flowlink-store knows SQL:\n{}",
        problems.join("\n")
    );
}

/// The client's transport reads the status of each reply (`reqwest::StatusCode`) to tell a
/// 429 (wait `Retry-After`) or 401 (log in again) from an answer, and turns every other
/// status into a typed `ClientError`: reading what the server decided, not deciding.
const STATUS_READERS: &[(&str, &str)] = &[("flowlink-client", "src/client.rs")];

/// "Only the server knows HTTP status codes", precisely:
/// - The server decides every status: the status types (`StatusCode`, `axum::http`,
///   `http::status`) appear only in `flowlink-server/src` — except the client transport in
///   [`STATUS_READERS`], which reads them off replies.
/// - `axum` (the HTTP server framework) is a normal dependency of the server only.
/// - Reading a status (`.status()`) is the client's job: outside the server and the client
///   no source reads one (the CLI maps typed `ClientError`s to exit codes, never a number).
///
/// Test code is exempt: tests observe statuses from the outside (and the client's
/// `mock_tests` stand in for a server).
#[test]
fn http_status_codes_only_in_the_server() {
    let metadata = cargo_metadata().expect("cargo metadata");
    let mut problems: Vec<String> = dependents_of(&metadata, "axum", DepKind::Normal)
        .into_iter()
        .filter(|c| c != "flowlink-server")
        .map(|c| format!("{c} depends on axum"))
        .collect();
    for (krate, file) in source_files() {
        if is_test_file(&file) || krate == "flowlink-server" {
            continue;
        }
        let code = code_only(&read(&file));
        let rel = relative(&file);
        let reader = STATUS_READERS
            .iter()
            .any(|(c, f)| *c == krate && rel.ends_with(&format!("{c}/{f}")));
        for word in [
            "StatusCode",
            "axum::http",
            "http::status",
            "http::StatusCode",
        ] {
            if !reader && code.contains(word) && (word.contains("::") || mentions(&code, word)) {
                problems.push(format!("{rel} names {word}"));
            }
        }
        if krate != "flowlink-client" && code.contains(".status()") {
            problems.push(format!("{rel} reads an HTTP status (`.status()`)"));
        }
    }
    assert!(
        problems.is_empty(),
        "only the server knows HTTP status codes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_module_has_a_header() {
    let missing: Vec<String> = crate_dirs()
        .into_iter()
        .flat_map(|(_, dir)| rust_files(&dir.join("src")))
        .filter(|f| !has_module_header(&read(f)))
        .map(|f| relative(&f))
        .collect();
    assert!(
        missing.is_empty(),
        "these modules have no `//!` header saying what they are responsible for:\n{}",
        missing.join("\n")
    );
}

/// Import circles the server is allowed to have: none. A ratchet for when one must be accepted
/// for a while: a circle not listed fails, and so does a listed one that is gone.
const KNOWN_SERVER_CYCLES: &[&[&str]] = &[];

/// The server's module graph: module path → the modules its code names.
fn server_module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = workspace_root().join("crates/flowlink-server/src");
    let files = module_paths(&src);
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let sources: BTreeMap<String, String> = files
        .iter()
        .map(|(m, f)| (m.clone(), code_only(&read(f))))
        .collect();
    let re_exports = re_exports(&sources);
    sources
        .iter()
        .map(|(m, code)| (m.clone(), module_refs(m, code, &modules, &re_exports)))
        .collect()
}

/// A folder shows a layer: handler files (`routes/*`) name no other handler file, and of the
/// modules outside `routes/` only the router (`lib.rs`) and the document assembled from the
/// route tables (`openapi.rs`) name the routes.
#[test]
fn handlers_import_no_handler_and_only_the_top_imports_the_routes() {
    let graph = server_module_graph();
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(
        edges > 20,
        "the module graph is suspiciously small: {graph:?}"
    );
    let in_routes = |m: &str| m == "crate::routes" || m.starts_with("crate::routes::");
    let above = ["crate", "crate::openapi"];
    let mut problems = Vec::new();
    for (module, targets) in &graph {
        for t in targets.iter().filter(|t| in_routes(t)) {
            if module.starts_with("crate::routes::") {
                problems.push(format!("handler file {module} imports {t}"));
            } else if !in_routes(module) && !above.contains(&module.as_str()) {
                problems.push(format!("{module} sits below the routes but imports {t}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The web console sits beside the routes: only the router (`lib.rs`) mounts it, and it names
/// no handler (the rule above covers that: the console is outside `routes/`), so a console
/// page and an API handler share logic only through the helpers below both.
#[test]
fn only_the_router_mounts_the_console() {
    let graph = server_module_graph();
    let in_console = |m: &str| m == "crate::console" || m.starts_with("crate::console::");
    assert!(
        graph.keys().any(|m| in_console(m)),
        "no console modules found: {graph:?}"
    );
    let mut problems = Vec::new();
    for (module, targets) in &graph {
        if module == "crate" || in_console(module) {
            continue;
        }
        for t in targets.iter().filter(|t| in_console(t)) {
            problems.push(format!("{module} imports the console ({t})"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_import_circle_among_server_modules() {
    let graph = server_module_graph();
    let cycles = find_cycles(&graph);
    let known: Vec<Vec<String>> = KNOWN_SERVER_CYCLES
        .iter()
        .map(|c| c.iter().map(|m| m.to_string()).collect())
        .collect();
    let mut problems = Vec::new();
    for c in cycles.iter().filter(|c| !known.contains(c)) {
        let edges: Vec<String> = c
            .iter()
            .map(|m| {
                let inside: Vec<&str> = graph[m]
                    .iter()
                    .filter(|t| c.contains(t))
                    .map(String::as_str)
                    .collect();
                format!("  {m} -> {}", inside.join(", "))
            })
            .collect();
        problems.push(format!("import circle among {c:?}:\n{}", edges.join("\n")));
    }
    for c in known.iter().filter(|c| !cycles.contains(c)) {
        problems.push(format!(
            "{c:?} is no longer a circle: remove it from KNOWN_SERVER_CYCLES"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
