//! The module graph of each crate, read from its `crate::` paths, and the
//! circles in it. A circle between a crate's top-level modules (a server
//! module importing its handlers, which import the ingest path, which
//! imports the server's context) means no module of it can be read or
//! changed alone; a `context` module that imports nothing else of its crate
//! usually breaks one.
//!
//! The graph is read from text, which is enough for the way this repository
//! writes imports: `crate::a::...` and `crate::{a::..., b}` anywhere in a
//! file (a `#[cfg(test)] mod tests` at the end is left out: tests may use
//! anything). An item of the crate root (`lib.rs`/`main.rs`) is the node
//! `crate`; the root's own edges are the `crate::` paths it uses itself.

use std::collections::{BTreeMap, BTreeSet};

/// The name of the crate root in the graph.
pub const ROOT: &str = "crate";

/// The top-level module a source file belongs to, given its path relative
/// to its crate's `src/`: `server.rs`, `server/tls.rs` -> `server`;
/// `lib.rs`, `main.rs` -> [`ROOT`].
pub fn module_of(relative: &str) -> String {
    let first = relative.split('/').next().unwrap_or_default();
    let name = first.strip_suffix(".rs").unwrap_or(first);
    match name {
        "lib" | "main" | "mod" => ROOT.to_string(),
        other => other.to_string(),
    }
}

/// The first segment of every `crate::` path in the code of `text`
/// (comments, and a test module at the end, left out).
pub fn crate_paths(text: &str) -> BTreeSet<String> {
    let text = text.find("#[cfg(test)]\nmod tests").map_or(text, |at| &text[..at]);
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let mut heads = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let preceded = text[..at].chars().next_back();
        if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `my_crate::`
        }
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            heads.extend(group_heads(group));
        } else {
            heads.insert(identifier(rest));
        }
    }
    heads.retain(|head| !head.is_empty());
    heads
}

/// The first segments of the top-level items of a `{...}` use group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                heads.push(identifier(&group[at..]));
                item_start = false;
            }
            _ => {}
        }
    }
    heads
}

fn identifier(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// Edges between the crate's top-level modules (and [`ROOT`]): `files` are
/// (path relative to `src/`, text).
pub fn module_graph(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = files.iter().map(|(path, _)| module_of(path)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // A module's tests in a file of their own (`server/tests.rs`) may use
    // anything, like a `mod tests` block.
    for (path, text) in files.iter().filter(|(path, _)| !path.ends_with("/tests.rs")) {
        let from = module_of(path);
        for head in crate_paths(text) {
            let to = if modules.contains(&head) {
                head
            } else {
                ROOT.to_string()
            };
            if to != from {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// Every circle of `graph`, each once, as the modules along it with the
/// first repeated at the end.
pub fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut seen: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for start in graph.keys() {
        walk(graph, vec![start.clone()], &mut seen, &mut found);
    }
    found
}

fn walk(
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: Vec<String>,
    seen: &mut BTreeSet<BTreeSet<String>>,
    found: &mut Vec<Vec<String>>,
) {
    let last = path.last().expect("a path is never empty");
    for next in graph.get(last).into_iter().flatten() {
        if let Some(at) = path.iter().position(|module| module == next) {
            let circle: Vec<String> = path[at..].iter().chain([next]).cloned().collect();
            if seen.insert(circle.iter().cloned().collect()) {
                found.push(circle);
            }
        } else {
            let mut longer = path.clone();
            longer.push(next.clone());
            walk(graph, longer, seen, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
    }

    #[test]
    fn paths_and_groups_are_read() {
        let heads = crate_paths(
            "use crate::server::{Config, start};\nuse crate::{context::Ctx, metrics, Secrets};\n\
             let x = crate::body::read(); macro_rules! m { () => { $crate::x } }\n\
             /// see [`crate::docs_only`]\n\
             #[cfg(test)]\nmod tests { use crate::later; }",
        );
        let heads: Vec<&str> = heads.iter().map(String::as_str).collect();
        assert_eq!(heads, ["Secrets", "body", "context", "metrics", "server"]);
        assert_eq!(module_of("server/tls.rs"), "server");
        assert_eq!(module_of("lib.rs"), ROOT);
    }

    #[test]
    fn a_circle_through_modules_and_one_through_the_root_are_found() {
        let graph = module_graph(&files(&[
            ("lib.rs", "mod a; mod b; mod c; use crate::c::Thing;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "use crate::a::A;"),
            ("c.rs", "use crate::RootItem;"),
        ]));
        let found = circles(&graph);
        assert_eq!(found, [vec!["a", "b", "a"], vec!["c", "crate", "c"]]);
        let broken = module_graph(&files(&[
            ("lib.rs", "mod a; mod b; mod context;"),
            ("a.rs", "use crate::context::Ctx; use crate::b::B;"),
            ("b.rs", "use crate::context::Ctx;"),
            ("context.rs", ""),
        ]));
        assert!(circles(&broken).is_empty());
    }
}
