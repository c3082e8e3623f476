//! Tidy checks over every file of the repository, run as tests (`cargo test
//! -p xtask tidy`, and so by `cargo test --workspace`): the rust-analyzer
//! pattern of holding the code base to rules a reviewer would otherwise have
//! to remember.
//!
//! The files are those git knows of (tracked, plus new ones not ignored), so
//! build output and fuzz corpora never count. The rules:
//!
//! * every Rust file (sources, tests, benches, examples, build scripts)
//!   opens with a `//!` comment saying what it is;
//! * no file refers to a design document outside the repository, to a
//!   sibling checkout, or to an issue number: a comment says what it needs
//!   to say itself, or names a section of `docs/architecture.md`;
//! * no `#[path = ...]` attribute reaches out of its own package;
//! * no Rust file is longer than [`MAX_LINES`] lines, except generated code
//!   and the few files in [`LONG_FILES_ALLOWED`];
//! * no crate's top-level modules import each other in a circle
//!   ([`imports`]).
//!
//! Each check lists every violation as `file:line: what to do`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::workspace_root;

mod imports;

/// The longest a Rust file may be.
const MAX_LINES: usize = 600;

/// Rust files allowed over [`MAX_LINES`], each with the reason. Only
/// generated code and golden data belong here; anything else is split into
/// modules.
const LONG_FILES_ALLOWED: &[(&str, &str)] = &[];

/// Folders holding third-party text kept byte for byte (the providers'
/// pages, as vendored): what they say is not ours to reword.
const THIRD_PARTY: &[&str] = &["openapi/upstream/"];

/// This file: it spells out the mentions it looks for.
const THIS_FILE: &str = "xtask/src/tidy.rs";

/// A file git knows of, relative to the workspace root, and its text
/// (`None` for a file that is not UTF-8, such as a binary).
struct SourceFile {
    path: String,
    text: Option<String>,
}

impl SourceFile {
    fn is_rust(&self) -> bool {
        self.path.ends_with(".rs")
    }
}

/// Every file git tracks, plus new files it does not ignore, that exists in
/// the working tree; build output and fuzz corpora excluded.
fn files() -> Vec<SourceFile> {
    let root = workspace_root();
    let output = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(&root)
        .output()
        .expect("the tidy checks need git to list the repository's files");
    assert!(
        output.status.success(),
        "git ls-files failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = String::from_utf8(output.stdout).expect("file names are UTF-8");
    let mut paths: Vec<&str> = listed.split('\0').filter(|p| !p.is_empty()).collect();
    paths.sort_unstable();
    paths.dedup();
    paths
        .into_iter()
        .filter(|path| !is_build_output_or_corpus(path))
        .filter_map(|path| {
            let bytes = fs::read(root.join(path)).ok()?; // deleted in the working tree
            Some(SourceFile {
                path: path.to_owned(),
                text: String::from_utf8(bytes).ok(),
            })
        })
        .collect()
}

/// Generated code under a `target/` folder, and the fuzzers' corpora and
/// crash artifacts.
fn is_build_output_or_corpus(path: &str) -> bool {
    let mut folders = path.split('/').rev().skip(1);
    folders.any(|folder| folder == "target") || path.starts_with("fuzz/corpus/") || path.starts_with("fuzz/artifacts/")
}

/// Generated Rust code says so on its first line.
fn is_generated(text: &str) -> bool {
    text.starts_with("// @generated")
}

/// Panics with every violation found, one per line, under `rule`.
fn report(rule: &str, violations: &[String]) {
    if violations.is_empty() {
        return;
    }
    let mut message = format!("\n{rule}\n\n");
    for violation in violations {
        let _ = writeln!(message, "  {violation}");
    }
    panic!("{message}");
}

#[test]
fn rust_files_open_with_a_doc_comment() {
    let violations: Vec<String> = files()
        .iter()
        .filter(|file| file.is_rust())
        .filter_map(|file| {
            let text = file.text.as_deref().unwrap_or_default();
            let first = text.lines().next().unwrap_or_default();
            (!first.starts_with("//!") && !is_generated(text)).then(|| {
                format!(
                    "{}:1: add a `//!` comment first, saying what the file is and why it has its shape",
                    file.path
                )
            })
        })
        .collect();
    report("Every Rust file opens with a `//!` comment:", &violations);
}

#[test]
fn no_file_refers_to_outside_documents_or_issue_numbers() {
    let mut violations = Vec::new();
    for file in files() {
        if file.path == THIS_FILE || THIRD_PARTY.iter().any(|folder| file.path.starts_with(folder)) {
            continue;
        }
        let Some(text) = &file.text else { continue };
        for (number, line) in text.lines().enumerate() {
            if let Some(what) = forbidden_mention(line) {
                violations.push(format!("{}:{}: {what}", file.path, number + 1));
            }
        }
    }
    report(
        "No file refers to DESIGN.md, to ../shared or to an issue number \
         (third-party text under openapi/upstream/ excepted):",
        &violations,
    );
}

/// What is wrong with `line`, and what to do instead, if it mentions what
/// no file may.
fn forbidden_mention(line: &str) -> Option<&'static str> {
    let lower = line.to_ascii_lowercase();
    if lower.contains("design.md") {
        return Some(
            "refers to DESIGN.md, which is not in the repository: say what is needed here, \
             or name the section of docs/architecture.md",
        );
    }
    if line.contains("../shared") {
        return Some(
            "refers to ../shared, outside the repository: say what is needed here, \
             or point at the copy inside the repository",
        );
    }
    if mentions_issue_number(&lower) {
        return Some(
            "refers to an issue number, which means nothing to a reader of the code: \
             say what the issue was about (rephrase if `issue` is the verb)",
        );
    }
    None
}

/// `issue 7`, `issue #7`, `Issues #7`, `issue#7`: the word, then a number.
fn mentions_issue_number(lower: &str) -> bool {
    lower.match_indices("issue").any(|(at, word)| {
        let starts_a_word = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        let rest = lower[at + word.len()..]
            .strip_prefix('s')
            .unwrap_or(&lower[at + word.len()..]);
        let rest = rest.trim_start();
        let rest = rest.strip_prefix('#').unwrap_or(rest).trim_start();
        starts_a_word && rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[test]
fn no_path_attribute_leaves_its_package() {
    let root = workspace_root();
    let mut violations = Vec::new();
    for file in files().iter().filter(|file| file.is_rust()) {
        let Some(text) = &file.text else { continue };
        let package = package_root(&root, Path::new(&file.path));
        for (number, line) in text.lines().enumerate() {
            let Some(target) = path_attribute(line) else { continue };
            let dir = Path::new(&file.path).parent().unwrap_or(Path::new(""));
            let inside = normalize(&dir.join(target)).is_some_and(|resolved| resolved.starts_with(&package));
            if !inside {
                violations.push(format!(
                    "{}:{}: `#[path = \"{target}\"]` reaches out of its package ({}): move what it \
                     includes into a crate both packages depend on (a test-support crate for test code)",
                    file.path,
                    number + 1,
                    if package.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        package.as_path()
                    }
                    .display(),
                ));
            }
        }
    }
    report("No `#[path]` attribute reaches out of its package:", &violations);
}

/// The value of a `#[path = "..."]` attribute on `line`.
fn path_attribute(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("#[path")?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start().strip_prefix('"')?;
    rest.split_once('"').map(|(value, _)| value)
}

/// The package folder (holding a `Cargo.toml`) a file belongs to, relative
/// to the workspace root (empty for the root package).
fn package_root(root: &Path, file: &Path) -> PathBuf {
    file.ancestors()
        .skip(1)
        .find(|dir| root.join(dir).join("Cargo.toml").is_file())
        .unwrap_or(Path::new(""))
        .to_path_buf()
}

/// `path` with `.` and `..` resolved without the file system; `None` if it
/// climbs above where it starts.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[test]
fn rust_files_stay_short() {
    let files = files();
    let mut violations = Vec::new();
    for file in files.iter().filter(|file| file.is_rust()) {
        let Some(text) = &file.text else { continue };
        let lines = text.lines().count();
        let allowed = LONG_FILES_ALLOWED.iter().any(|(path, _)| *path == file.path);
        if lines > MAX_LINES && !allowed && !is_generated(text) {
            violations.push(format!(
                "{}:{}: {lines} lines, over {MAX_LINES}: split it into modules by what each part is about \
                 (only generated code and golden data may go into LONG_FILES_ALLOWED in {THIS_FILE}, \
                 with the reason)",
                file.path,
                MAX_LINES + 1
            ));
        }
    }
    for (path, _) in LONG_FILES_ALLOWED {
        let long = files
            .iter()
            .find(|file| file.path == *path)
            .and_then(|file| file.text.as_deref())
            .is_some_and(|text| text.lines().count() > MAX_LINES);
        if !long {
            violations.push(format!(
                "{THIS_FILE}: {path} is in LONG_FILES_ALLOWED but is gone or no longer over {MAX_LINES} \
                 lines: remove it from the list"
            ));
        }
    }
    report(&format!("No Rust file is over {MAX_LINES} lines:"), &violations);
}

#[test]
fn no_crate_has_an_import_circle() {
    let files = files();
    let mut sources: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for file in files.iter().filter(|file| file.is_rust()) {
        let Some((package, relative)) = file
            .path
            .split_once("src/")
            .filter(|(package, _)| package.is_empty() || package.ends_with('/'))
        else {
            continue;
        };
        if relative.starts_with("bin/") {
            continue; // each one a crate of its own
        }
        let text = file.text.clone().unwrap_or_default();
        sources
            .entry(package.to_string())
            .or_default()
            .push((relative.to_string(), text));
    }
    let violations: Vec<String> = sources
        .iter()
        .flat_map(|(package, files)| {
            imports::circles(&imports::module_graph(files))
                .into_iter()
                .map(move |circle| {
                    format!(
                        "{package}src: {}: move what they share into a module that imports none of them \
                     (say `context.rs`)",
                        circle.join(" -> ")
                    )
                })
        })
        .collect();
    report("No crate's modules import each other in a circle:", &violations);
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert!(mentions_issue_number("see issue 7"));
    assert!(mentions_issue_number("(issue #12)"));
    assert!(mentions_issue_number("issues #3 and #4"));
    assert!(mentions_issue_number("issue#5"));
    assert!(!mentions_issue_number("tissue 7"));
    assert!(!mentions_issue_number("an issue with the body"));
    assert!(!mentions_issue_number("issue_7_regression"));
    assert!(forbidden_mention("as DESIGN.md section 4 says").is_some());
    assert!(forbidden_mention("copied from ../shared/upstream-next").is_some());
    assert!(forbidden_mention("see docs/architecture.md, \"Store\"").is_none());

    assert_eq!(path_attribute(r#"#[path = "../x/mod.rs"]"#), Some("../x/mod.rs"));
    assert_eq!(path_attribute(r#"    #[path="http/auth.rs"]"#), Some("http/auth.rs"));
    assert_eq!(path_attribute("// #[path] is rare"), None);
    assert_eq!(
        normalize(Path::new("crates/cli/tests/../../send/tests/support/peer.rs")),
        Some(PathBuf::from("crates/send/tests/support/peer.rs"))
    );
    assert_eq!(normalize(Path::new("tests/../../outside.rs")), None);

    assert!(is_build_output_or_corpus("fuzz/corpus/lenient/0a1b"));
    assert!(is_build_output_or_corpus("crates/x/target/debug/out.rs"));
    assert!(!is_build_output_or_corpus("crates/target-support/src/lib.rs"));
}
