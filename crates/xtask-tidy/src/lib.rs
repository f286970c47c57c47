//! Helpers of the tidy test (`tests/tidy.rs`): reading the workspace's crate graph from
//! `cargo metadata`, the dependency table from ARCHITECTURE.md, and Rust sources as text.
//!
//! Text, not a parser, on purpose: the invariants checked are about names (`sqlx`,
//! `StatusCode`, `crate::…` paths, `//!` headers), and a dependency-free check runs in a
//! second. Each helper is small enough to be checked by its own unit test below.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Workspace crate → the workspace crates it depends on.
pub type CrateGraph = BTreeMap<String, BTreeSet<String>>;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    // `cargo test` sets it when it runs the test too: that one names the checkout being tested
    // even when a target dir shared by several checkouts holds a binary built in another.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let root = manifest_dir.join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `cargo metadata --format-version 1 --no-deps --offline` of the workspace.
pub fn cargo_metadata() -> Result<Value, String> {
    // `CARGO` is set by cargo for the processes it runs (the same toolchain as the test's).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = workspace_root().join("Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .map_err(|e| format!("running cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

/// Dependency kinds as `cargo metadata` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// `[dependencies]` (`kind: null`).
    Normal,
    /// `[dev-dependencies]` (`kind: "dev"`).
    Dev,
    /// `[build-dependencies]` (`kind: "build"`).
    Build,
}

impl DepKind {
    fn of(kind: &Value) -> DepKind {
        match kind.as_str() {
            Some("dev") => DepKind::Dev,
            Some("build") => DepKind::Build,
            _ => DepKind::Normal,
        }
    }
}

/// Every workspace package's name.
pub fn workspace_crates(metadata: &Value) -> BTreeSet<String> {
    packages(metadata)
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

fn packages(metadata: &Value) -> impl Iterator<Item = &Value> {
    metadata["packages"].as_array().into_iter().flatten()
}

/// The edges of `kind` between workspace crates; every workspace crate is a key.
pub fn crate_graph(metadata: &Value, kind: DepKind) -> CrateGraph {
    let members = workspace_crates(metadata);
    let mut graph = CrateGraph::new();
    for p in packages(metadata) {
        let Some(name) = p["name"].as_str() else {
            continue;
        };
        let deps = graph.entry(name.to_owned()).or_default();
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            if members.contains(dep) && DepKind::of(&d["kind"]) == kind {
                deps.insert(dep.to_owned());
            }
        }
    }
    graph
}

/// The workspace crates that declare a dependency on `dep` of `kind`.
pub fn dependents_of(metadata: &Value, dep: &str, kind: DepKind) -> BTreeSet<String> {
    packages(metadata)
        .filter(|p| {
            p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|d| d["name"] == dep && DepKind::of(&d["kind"]) == kind)
        })
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// The markers around the table in ARCHITECTURE.md.
pub const TABLE_BEGIN: &str = "<!-- tidy:crate-dependencies:begin -->";
/// See [`TABLE_BEGIN`].
pub const TABLE_END: &str = "<!-- tidy:crate-dependencies:end -->";

/// The dependency table between the markers: a Markdown table whose rows are
/// `` | `crate` | `dep`, `dep` | `dev-dep` | `` (`—` for none). Returns (normal, dev).
pub fn architecture_table(text: &str) -> Result<(CrateGraph, CrateGraph), String> {
    let start = text
        .find(TABLE_BEGIN)
        .ok_or_else(|| format!("no {TABLE_BEGIN} in ARCHITECTURE.md"))?;
    let end = text[start..]
        .find(TABLE_END)
        .ok_or_else(|| format!("no {TABLE_END} after {TABLE_BEGIN}"))?;
    let body = &text[start + TABLE_BEGIN.len()..start + end];
    let (mut normal, mut dev) = (CrateGraph::new(), CrateGraph::new());
    for line in body.lines().map(str::trim).filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        // The header row and the `|---|` separator name no crate in backticks.
        let Some(name) = cells.first().and_then(|c| backticked(c).into_iter().next()) else {
            continue;
        };
        if cells.len() != 3 {
            return Err(format!(
                "row needs 3 cells (crate, depends on, dev): {line}"
            ));
        }
        if normal.contains_key(&name) {
            return Err(format!("{name} has two rows"));
        }
        normal.insert(name.clone(), backticked(cells[1]));
        dev.insert(name, backticked(cells[2]));
    }
    Ok((normal, dev))
}

fn backticked(cell: &str) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The differences between two graphs, one line each (empty when equal).
pub fn graph_diff(documented: &CrateGraph, actual: &CrateGraph) -> Vec<String> {
    let mut out = Vec::new();
    for (name, deps) in actual {
        match documented.get(name) {
            None => out.push(format!("{name}: no row in the table (cargo: {deps:?})")),
            Some(doc) if doc != deps => out.push(format!(
                "{name}: table says {doc:?}, cargo metadata says {deps:?}"
            )),
            Some(_) => {}
        }
    }
    for name in documented.keys().filter(|n| !actual.contains_key(*n)) {
        out.push(format!("{name}: in the table but not a workspace crate"));
    }
    out
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// `crates/<name>` directories of the workspace, by directory name.
pub fn crate_dirs() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(workspace_root().join("crates"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_owned(), p)))
        .collect();
    out.sort();
    out
}

/// Whether a source file is test code: a `*tests.rs` module (unit tests kept beside the code
/// they test, included under `#[cfg(test)]`), or anything under `tests/` or `benches/`.
pub fn is_test_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with("tests.rs")
        || path
            .components()
            .any(|c| c.as_os_str() == "tests" || c.as_os_str() == "benches")
}

/// The code of a source file without comments and without its `#[cfg(test)]` items, so
/// names in prose and in unit tests are not counted.
pub fn code_only(text: &str) -> String {
    let code = text
        .lines()
        .map(|line| match line.trim_start().starts_with("//") {
            true => "",
            // A trailing comment; `://` is a URL inside a string literal.
            false => match line.find("// ") {
                Some(i) if !line[..i].ends_with(':') => &line[..i],
                _ => line,
            },
        })
        .collect::<Vec<_>>()
        .join("\n");
    without_test_items(&code)
}

/// `code` without each `#[cfg(test)]` item: a `mod x { … }` block (braces matched) or the
/// one line after the attribute (`mod x_tests;`).
fn without_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = rest[i + "#[cfg(test)]".len()..].trim_start();
        let line_end = after.find('\n').unwrap_or(after.len());
        let skip = match after[..line_end].find('{') {
            Some(open) => open + block_len(&after[open..]),
            None => line_end,
        };
        rest = &after[skip..];
    }
    out.push_str(rest);
    out
}

/// The length of the `{ … }` block `text` starts with, braces in string and character
/// literals not counted (the whole text when unbalanced).
fn block_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'r' if text[i..].starts_with("r#\"") => {
                i += text[i + 3..].find("\"#").map_or(text.len() - i, |e| e + 5);
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A character literal (`'{'`, `'\''`), not a lifetime (`'a`).
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') => i += 3,
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// Whether `word` occurs in `code` as a whole identifier path segment.
pub fn mentions(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Whether the file's first non-blank line is a `//!` module header.
pub fn has_module_header(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with("//!"))
}

/// Module path (`crate::a::b`) of each source file of a crate's `src/`.
pub fn module_paths(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for file in rust_files(src) {
        let Ok(rel) = file.strip_prefix(src) else {
            continue;
        };
        let mut parts: Vec<String> = rel
            .iter()
            .filter_map(|c| c.to_str())
            .map(|c| c.trim_end_matches(".rs").to_owned())
            .collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        let path = std::iter::once("crate".to_owned())
            .chain(parts)
            .collect::<Vec<_>>()
            .join("::");
        out.insert(path, file);
    }
    out
}

/// The full paths a `use` tree names: `crate::{a::X, b::{Y, Z}}` → `crate::a::X`,
/// `crate::b::Y`, `crate::b::Z`.
pub fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, rest) = (&tree[..open], &tree[open + 1..]);
    let inner = rest.strip_suffix('}').unwrap_or(rest);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            expand_use_tree(p)
                .into_iter()
                .map(move |x| format!("{prefix}{x}"))
        })
        .collect()
}

/// The paths a module's `use` items name, `pub use` (re-exports) flagged.
fn use_items(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let line_start = rest[..i].rfind('\n').map_or(0, |n| n + 1);
        let head = rest[line_start..i].trim();
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        let public = head == "pub" || (head.starts_with("pub(") && head.ends_with(')'));
        if head.is_empty() || public {
            out.extend(
                expand_use_tree(after[..end].trim())
                    .into_iter()
                    .map(|p| (public, p)),
            );
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    out
}

/// Each module's re-exports: `crate::ApiError` → `crate::error::ApiError` for the root's
/// `pub use error::ApiError;`, so a path through a re-export names the module that defines it.
pub fn re_exports(sources: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    let mut out = BTreeMap::new();
    for (me, code) in sources {
        for (public, path) in use_items(code) {
            if !public {
                continue;
            }
            let (path, alias) = match path.split_once("as") {
                Some((p, a)) if p.ends_with(|c: char| c.is_alphanumeric() || c == '_') => {
                    (p.to_owned(), Some(a.to_owned()))
                }
                _ => (path.clone(), None),
            };
            let Some(abs) = absolute(me, &path, &modules) else {
                continue;
            };
            let name =
                alias.unwrap_or_else(|| abs.rsplit("::").next().unwrap_or_default().to_owned());
            out.insert(format!("{me}::{name}"), abs);
        }
    }
    out
}

/// The modules of `modules` a file at module path `me` refers to: every `use` item and every
/// inline path (`crate::…`, `super::…`, a child module's `flows::…`), resolved through
/// `re_exports` and cut to the longest prefix that is a module (the file that defines the
/// item); `me` itself left out. A module's own `mod x;` declarations are not references.
pub fn module_refs(
    me: &str,
    code: &str,
    modules: &BTreeSet<String>,
    re_exports: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let mut paths: Vec<String> = use_items(code).into_iter().map(|(_, p)| p).collect();
    // Inline paths: every `ident::…` run not preceded by another path segment.
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    for (i, _) in code.match_indices("::") {
        let start = code[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| ident(*c))
            .last()
            .map_or(i, |(j, _)| j);
        if start == i || code[..start].ends_with("::") {
            continue;
        }
        let path: String = code[start..]
            .chars()
            .take_while(|c| ident(*c) || *c == ':')
            .collect();
        paths.push(path);
    }
    let mut out = BTreeSet::new();
    for p in paths {
        let p = p
            .split(" as ")
            .next()
            .unwrap_or_default()
            .trim_end_matches(':');
        let Some(mut abs) = absolute(me, p, modules) else {
            continue;
        };
        // Follow re-exports (bounded: a re-export of a re-export at most a few deep).
        for _ in 0..4 {
            let segs: Vec<&str> = abs.split("::").collect();
            let hit = (2..=segs.len()).rev().find_map(|n| {
                re_exports
                    .get(&segs[..n].join("::"))
                    .map(|target| (n, target.clone()))
            });
            match hit {
                Some((n, target)) => {
                    abs = std::iter::once(target.as_str())
                        .chain(segs[n..].iter().copied())
                        .collect::<Vec<_>>()
                        .join("::");
                }
                None => break,
            }
        }
        let segs: Vec<&str> = abs.split("::").collect();
        if let Some(m) = (1..=segs.len())
            .rev()
            .map(|n| segs[..n].join("::"))
            .find(|m| modules.contains(m))
        {
            if m != me {
                out.insert(m);
            }
        }
    }
    out
}

/// `p` as a `crate::…` path seen from module `me` (None for other crates' paths).
fn absolute(me: &str, p: &str, modules: &BTreeSet<String>) -> Option<String> {
    if let Some(r) = p.strip_prefix("crate::") {
        return Some(format!("crate::{r}"));
    }
    let mut base: Vec<&str> = me.split("::").collect();
    let mut rest = p;
    let mut relative = false;
    if let Some(r) = rest.strip_prefix("self::") {
        rest = r;
        relative = true;
    }
    while let Some(r) = rest.strip_prefix("super::") {
        base.pop();
        rest = r;
        relative = true;
    }
    // A bare path starting with a child module of `me` (`routes::api_routes()` in lib.rs).
    let first = rest.split("::").next().unwrap_or_default();
    if !relative && !modules.contains(&format!("{me}::{first}")) {
        return None;
    }
    Some(format!("{}::{rest}", base.join("::")))
}

/// A cycle of the graph, if any, as the modules along it (first == last).
pub fn find_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Strongly connected components (Tarjan) with more than one member are the circles.
    struct Tarjan<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low[v];
                    self.low.insert(v, lv.min(lw));
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low[v];
                    self.low.insert(v, lv.min(iw));
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.out.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out.sort();
    t.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand_to_full_paths() {
        assert_eq!(
            expand_use_tree("crate::{a::X, b::{Y, Z}}"),
            vec!["crate::a::X", "crate::b::Y", "crate::b::Z"]
        );
        assert_eq!(
            expand_use_tree("super::flows::load"),
            vec!["super::flows::load"]
        );
    }

    #[test]
    fn references_resolve_to_the_longest_module_prefix() {
        let modules: BTreeSet<String> = [
            "crate",
            "crate::routes",
            "crate::routes::flows",
            "crate::error",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let code = "use super::flows::{load_flow, Family};\nuse crate::ApiError;\n\
                    fn f() { crate::routes::helper(); }\nuse std::sync::Arc;";
        let sources: BTreeMap<String, String> = modules
            .iter()
            .map(|m| {
                let code = if m == "crate" {
                    "pub use error::ApiError;"
                } else {
                    ""
                };
                (m.clone(), code.to_string())
            })
            .collect();
        let refs = module_refs(
            "crate::routes::lifecycle",
            code,
            &modules,
            &re_exports(&sources),
        );
        assert_eq!(
            refs,
            ["crate::error", "crate::routes", "crate::routes::flows"]
                .into_iter()
                .map(String::from)
                .collect()
        );
    }

    #[test]
    fn cycles_are_found_and_acyclic_graphs_pass() {
        let g = |edges: &[(&str, &str)]| {
            let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (a, b) in edges {
                g.entry(a.to_string()).or_default().insert(b.to_string());
                g.entry(b.to_string()).or_default();
            }
            g
        };
        assert!(find_cycles(&g(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
        assert_eq!(
            find_cycles(&g(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])),
            vec![vec!["a".to_string(), "b".into(), "c".into()]]
        );
    }

    #[test]
    fn the_table_parses_and_differences_are_named() {
        let text = format!(
            "x\n{TABLE_BEGIN}\n| crate | depends on | dev |\n|---|---|---|\n\
             | `m` | — | — |\n| `s` | `m` | `m`, `t` |\n{TABLE_END}\n"
        );
        let (normal, dev) = architecture_table(&text).expect("parses");
        assert_eq!(normal["s"], BTreeSet::from(["m".to_string()]));
        assert_eq!(dev["s"].len(), 2);
        assert!(normal["m"].is_empty());
        let mut actual = normal.clone();
        actual.insert("s".into(), BTreeSet::new());
        assert_eq!(graph_diff(&normal, &actual).len(), 1);
    }

    #[test]
    fn comments_and_test_modules_are_not_code() {
        let code = code_only("//! sqlx\nuse a; // sqlx here\nlet u = \"http://x\";\n#[cfg(test)]\nmod tests { sqlx }");
        assert!(!mentions(&code, "sqlx"));
        assert!(code.contains("http://x"));
        assert!(mentions("use sqlx::Row;", "sqlx"));
        // Braces in literals do not end the test module early or late.
        let code =
            code_only("#[cfg(test)]\nmod tests {\n let a = \"{\"; let b = '}';\n}\nuse sqlx;");
        assert!(mentions(&code, "sqlx"), "{code}");
        assert!(!mentions("use sqlx_like::Row;", "sqlx"));
    }
}
