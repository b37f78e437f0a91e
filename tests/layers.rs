//! The crate's layers: a module uses only modules of the layers below it, and no two modules
//! use each other, directly or through others. Read from the `use crate::…` and `super::…`
//! paths of `src/` (comments and unit-test modules left out), so a new import that points up
//! or closes a circle fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The top-level modules from the bottom layer up; a module may use those before it.
const LAYERS: &[&[&str]] = &[
    &["names"],
    &["error", "parallel"],
    &["b64", "random", "json", "wrap"],
    &["key"],
    &["agreement", "jwk", "content"],
    &["kdf", "zs_cache"],
    &["jwe", "jws"],
    &["did"],
    &["didcomm", "hazmat"],
];

/// Every library source file as (module path, text without comments and unit tests).
fn sources() -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if path.file_name().unwrap() != "bin" {
                    walk(root, &path, out);
                }
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().map(String::as_str) == Some("mod") {
                parts.pop();
            }
            let text = fs::read_to_string(&path).unwrap();
            let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            let code: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            out.push((parts.join("::"), code.join("\n")));
        }
    }
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    walk(&root, &root, &mut out);
    assert!(out.len() > 20, "the sources were not found");
    out
}

/// The paths that follow `prefix` in `text`, each as its `::`-separated identifiers.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path: Vec<String> = rest[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        out.push(path);
    }
    out
}

/// Module → the modules it uses (the deepest module each path names).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let deepest = |mut path: Vec<String>| -> Option<String> {
        while !path.is_empty() {
            let name = path.join("::");
            if modules.contains(&name) {
                return Some(name);
            }
            path.pop();
        }
        None
    };
    let mut graph = BTreeMap::new();
    for (module, text) in &files {
        let mut uses = BTreeSet::new();
        for path in paths_after(text, "crate::") {
            uses.extend(deepest(path));
        }
        let parent: Vec<String> = module.split("::").map(str::to_owned).collect();
        let parent = &parent[..parent.len().saturating_sub(1)];
        for path in paths_after(text, "super::") {
            let mut full = parent.to_vec();
            full.extend(path);
            uses.extend(deepest(full));
        }
        // A module's own children and parents are not arrows between modules.
        uses.retain(|u| {
            u != module
                && !module.starts_with(&format!("{u}::"))
                && !u.starts_with(&format!("{module}::"))
                && !u.is_empty()
        });
        graph.insert(module.clone(), uses);
    }
    graph
}

fn layer_of(module: &str) -> usize {
    let top = module.split("::").next().unwrap();
    LAYERS
        .iter()
        .position(|layer| layer.contains(&top))
        .unwrap_or_else(|| panic!("module {top} is in no layer of LAYERS"))
}

#[test]
fn every_import_points_down_the_layers() {
    let mut up = Vec::new();
    for (module, uses) in graph() {
        if module == "lib" {
            continue; // The crate root re-exports from every layer.
        }
        for used in uses {
            let (from, to) = (module.split("::").next().unwrap(), used.split("::").next());
            if Some(from) != to && layer_of(&used) >= layer_of(&module) {
                up.push(format!("{module} uses {used}"));
            }
        }
    }
    assert!(up.is_empty(), "imports that do not point down: {up:#?}");
}

#[test]
fn no_two_modules_use_each_other() {
    let graph = graph();
    // Depth-first search for a back edge, from every module.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|n| *n == node) {
            circles.push(format!("{} -> {node}", path[at..].join(" -> ")));
            return;
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn the_reading_of_imports_sees_a_known_arrow() {
    // A check of the reader itself: jwe is known to use kdf.
    assert!(graph()["jwe::decrypt"].contains("kdf"));
}
