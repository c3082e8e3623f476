//! Two public APIs of a generated module compared, each difference with its
//! semver class.
//!
//! The classes follow Rust's semver rules for what a consumer can have
//! written: anything removed or changed is `major`; an added field of a
//! struct every consumer may build with a literal, an added variant of an
//! enum every consumer may match exhaustively, and a request setter the
//! request now fails without are `major` too; other additions are `minor`;
//! a gained trait is `minor` and a lost one `major`. Items inside a type
//! that is itself added or removed are not listed again.

use std::fmt;

use serde::Serialize;

use crate::surface::{Entry, Kind, Surface};

/// A semver class, ordered `None < Patch < Minor < Major`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Semver {
    None,
    Patch,
    Minor,
    Major,
}

impl fmt::Display for Semver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Semver::None => "none",
            Semver::Patch => "patch",
            Semver::Minor => "minor",
            Semver::Major => "major",
        })
    }
}

/// One difference between two public APIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemChange {
    /// The item's path inside the module.
    pub path: String,
    pub kind: Kind,
    /// What happened to it, in words.
    pub change: String,
    pub semver: Semver,
}

/// The item that `path` belongs to (`types::A::b` -> `types::A`).
fn parent(path: &str) -> Option<&str> {
    path.rsplit_once("::").map(|(p, _)| p)
}

/// Whether `path` sits inside a type that only one side has.
fn inside_new_or_gone_type(path: &str, old: &Surface, new: &Surface) -> bool {
    let mut at = parent(path);
    while let Some(p) = at {
        let is_type = |s: &Surface| s.get(p).is_some_and(|e| e.kind.is_type());
        if is_type(old) != is_type(new) {
            return true;
        }
        at = parent(p);
    }
    false
}

fn name(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

fn added(path: &str, entry: &Entry, new: &Surface) -> (String, Semver) {
    let owner = parent(path).and_then(|p| new.get(p).map(|e| (p, e)));
    match (entry.kind, owner) {
        (Kind::Field, Some((p, owner))) if owner.exhaustive => (
            format!(
                "added ({}); struct literals of `{}` no longer compile",
                entry.signature,
                name(p)
            ),
            Semver::Major,
        ),
        (Kind::Variant, Some((p, owner))) if owner.exhaustive => (
            format!("added; exhaustive matches on `{}` no longer compile", name(p)),
            Semver::Major,
        ),
        (Kind::Method, _) if entry.signature.contains("(required:") => (
            "added, required: requests built without it now fail".to_owned(),
            Semver::Major,
        ),
        _ => (format!("added: {}", entry.signature), Semver::Minor),
    }
}

/// Every difference from `old` to `new`, in path order.
pub fn compare(old: &Surface, new: &Surface) -> Vec<ItemChange> {
    let mut out = Vec::new();
    let mut push = |path: &str, kind: Kind, change: String, semver| {
        out.push(ItemChange {
            path: path.to_owned(),
            kind,
            change,
            semver,
        })
    };
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        if inside_new_or_gone_type(path, old, new) {
            continue;
        }
        match (old.get(path), new.get(path)) {
            (None, Some(entry)) => {
                let (change, semver) = added(path, entry, new);
                push(path, entry.kind, change, semver);
            }
            (Some(entry), None) => push(path, entry.kind, "removed".into(), Semver::Major),
            (Some(was), Some(is)) => {
                if was.kind != is.kind || was.signature != is.signature {
                    let change = format!("changed from `{}` to `{}`", was.signature, is.signature);
                    push(path, is.kind, change, Semver::Major);
                }
                if was.kind.is_type() && was.exhaustive != is.exhaustive {
                    let (change, semver) = if is.exhaustive {
                        ("now exhaustive".to_owned(), Semver::Minor)
                    } else {
                        ("no longer exhaustive".to_owned(), Semver::Major)
                    };
                    push(path, is.kind, change, semver);
                }
                let lost: Vec<&String> = was.traits.difference(&is.traits).collect();
                let gained: Vec<&String> = is.traits.difference(&was.traits).collect();
                if !lost.is_empty() {
                    push(
                        path,
                        is.kind,
                        format!("no longer implements {}", list(&lost)),
                        Semver::Major,
                    );
                }
                if !gained.is_empty() {
                    push(
                        path,
                        is.kind,
                        format!("now implements {}", list(&gained)),
                        Semver::Minor,
                    );
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn list(traits: &[&String]) -> String {
    traits.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::public_api;

    fn changes(old: &str, new: &str) -> Vec<String> {
        let (old, new) = (public_api(old).unwrap(), public_api(new).unwrap());
        compare(&old, &new)
            .iter()
            .map(|c| format!("{} {} {}", c.semver, c.path, c.change))
            .collect()
    }

    #[test]
    fn classes_follow_what_a_consumer_may_have_written() {
        let old = "pub struct A { pub x: i32 } pub enum E { One } pub struct P { pub x: i32, y: i32 }
                   #[derive(Clone, Copy)] pub struct G;";
        let new = "pub struct A { pub x: i64, pub z: i32 } pub enum E { One, Two } pub struct P { pub x: i32, pub w: u8, y: i32 }
                   #[derive(Clone, Debug)] pub struct G; pub struct N { pub q: u8 }";
        assert_eq!(
            changes(old, new),
            [
                "major A::x changed from `i32` to `i64`",
                "major A::z added (i32); struct literals of `A` no longer compile",
                "major E::Two added; exhaustive matches on `E` no longer compile",
                "major G no longer implements `Copy`",
                "minor G now implements `Debug`",
                "minor N added: struct{ .. }",
                "minor P::w added: u8",
            ]
        );
        assert_eq!(changes(new, new), Vec::<String>::new());
        assert_eq!(changes(new, old)[0], "major A::x changed from `i64` to `i32`");
        assert!(changes(new, old).contains(&"major N removed".to_owned()));
    }
}
