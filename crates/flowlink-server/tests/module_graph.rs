//! The server's source files import each other in one direction only: the module graph built
//! from the paths each file names (`crate::a::b`, `super::x`, `self::x`, a child module's
//! `x::y` in a `mod.rs`/`lib.rs`, `use` trees with braces expanded) has no cycle, no handler
//! file in `routes/` names another module of `routes/`, and nothing below the routes names
//! them (only `lib.rs`, the router, and `openapi.rs`, the document built from the route
//! tables, may).
//!
//! Comments and `#[cfg(test)]` tails are left out: doc links and unit tests are not imports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/` with its module path (`routes/mod.rs` → `[routes]`).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<Module, PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src/ is readable")
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let path = e.path();
            let name = path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .to_string();
            let mut module = prefix.to_vec();
            if path.is_dir() {
                module.push(name);
                walk(&path, &module, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                if name != "mod" && name != "lib" {
                    module.push(name);
                }
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &[], &mut out);
    out
}

/// The code of a file without comments and without its `#[cfg(test)]` tail.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            // `//` inside a string literal ("http://...") would cut code; none of ours has one
            // before a path, and a cut only loses edges on that line's tail.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path `head::a::b` in `code` (use trees expanded), as segment lists without `head`.
fn paths_after(code: &str, head: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let pattern = format!("{head}::");
    let mut from = 0;
    while let Some(i) = code[from..].find(&pattern) {
        let start = from + i;
        from = start + pattern.len();
        if code[..start].chars().next_back().is_some_and(is_ident) || code[..start].ends_with("::")
        {
            continue;
        }
        expand(&code[from..], Vec::new(), &mut out);
    }
    out
}

/// Reads `a::b::{c, d::e}` from the start of `rest`, pushing each full path onto `out`.
fn expand(rest: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&item, prefix.clone(), out);
                    item.clear();
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        expand(&item, prefix, out);
        return;
    }
    let ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
    if ident.is_empty() {
        if !prefix.is_empty() {
            out.push(prefix);
        }
        return;
    }
    let mut path = prefix;
    path.push(ident.clone());
    match rest[ident.len()..].strip_prefix("::") {
        Some(more) => expand(more, path, out),
        None => out.push(path),
    }
}

/// The longest known module that `path` starts with.
fn resolve(path: &[String], known: &BTreeMap<Module, PathBuf>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|m| known.contains_key(m))
}

/// Module → the modules its code names (itself excluded).
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let known = modules(src);
    let mut edges = BTreeMap::new();
    for (module, file) in &known {
        let code = code(&std::fs::read_to_string(file).expect("source is UTF-8"));
        let is_dir_module = file
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        // In a `mod.rs`/`lib.rs`, `self` is the module; in `a/b.rs` too, and `super` is `a`.
        let parent = module[..module.len().saturating_sub(1)].to_vec();
        let mut named = Vec::new();
        for p in paths_after(&code, "crate") {
            named.push(p);
        }
        for p in paths_after(&code, "self") {
            named.push([module.clone(), p].concat());
        }
        for p in paths_after(&code, "super") {
            named.push([parent.clone(), p].concat());
        }
        if is_dir_module {
            // A child module named by its bare name (`flows::list_flows`, `use params::X`).
            let children: BTreeSet<String> = known
                .keys()
                .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
                .map(|m| m[module.len()].clone())
                .collect();
            for child in &children {
                for p in paths_after(&code, child) {
                    named.push([module.clone(), vec![child.clone()], p].concat());
                }
            }
        }
        let targets: BTreeSet<Module> = named
            .iter()
            .filter_map(|p| resolve(p, &known))
            .filter(|m| m != module)
            .collect();
        edges.insert(module.clone(), targets);
    }
    edges
}

/// A cycle in `edges`, if any (depth-first search with colours).
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for next in edges.get(m).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if state.get(m).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(m, edges, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn show(m: &Module) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

/// This crate's `src/`, or `FLOWLINK_MODULE_GRAPH_SRC` (to check another tree, e.g. an old
/// commit's, with the same rules).
fn src() -> PathBuf {
    match std::env::var_os("FLOWLINK_MODULE_GRAPH_SRC") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
    }
}

#[test]
fn the_server_modules_import_each_other_in_one_direction_only() {
    let edges = graph(&src());
    // The graph is not empty by accident: the files do name each other.
    let count: usize = edges.values().map(BTreeSet::len).sum();
    assert!(count > 20, "{edges:?}");
    if let Some(cycle) = find_cycle(&edges) {
        let shown: Vec<String> = cycle.iter().map(show).collect();
        panic!("import circle: {}", shown.join(" → "));
    }
}

#[test]
fn handlers_import_no_handler_and_only_the_top_imports_the_routes() {
    let edges = graph(&src());
    let routes = "routes".to_string();
    let above = [vec![], vec!["openapi".to_string()]];
    for (module, targets) in &edges {
        let in_routes = module.first() == Some(&routes);
        for t in targets.iter().filter(|t| t.first() == Some(&routes)) {
            if in_routes {
                // Only the route table (`routes/mod.rs`) names the handler files.
                assert!(
                    module.len() == 1,
                    "handler file {} imports {}",
                    show(module),
                    show(t)
                );
            } else {
                assert!(
                    above.contains(module),
                    "{} sits below the routes but imports {}",
                    show(module),
                    show(t)
                );
            }
        }
    }
}

#[test]
fn the_checker_sees_a_circle_when_there_is_one() {
    // A file pair that imports each other, in the shapes the server uses.
    let dir = tempfile::tempdir().expect("a temp dir");
    let src = dir.path();
    std::fs::create_dir(src.join("routes")).expect("writes");
    std::fs::write(src.join("lib.rs"), "pub mod access;\npub mod routes;\n").expect("writes");
    std::fs::write(src.join("routes/mod.rs"), "pub mod flows;\n").expect("writes");
    std::fs::write(
        src.join("routes/flows.rs"),
        "use crate::{access::{load_flow, Family}, error};\n",
    )
    .expect("writes");
    std::fs::write(
        src.join("access.rs"),
        "// crate::routes in a comment is no import\nfn f() { super::routes::flows::x(); }\n",
    )
    .expect("writes");
    let edges = graph(src);
    let cycle = find_cycle(&edges).expect("a circle");
    let shown: Vec<String> = cycle.iter().map(show).collect();
    assert!(shown.contains(&"access".to_string()), "{shown:?}");
    assert!(shown.contains(&"routes::flows".to_string()), "{shown:?}");
}
