//! `cargo xtask`: the project's own tooling, in Rust, run through the
//! `.cargo/config.toml` alias (the rust-analyzer pattern: no shell scripts, and
//! every generated file has a check mode that also runs as a test).
//!
//! `regen` turns the vendored provider documents (`openapi/upstream/`) and the
//! local fixes (`openapi/overlays/`) into the effective specs
//! (`openapi/<api>.json`) that `build.rs` compiles. The pipeline is split the
//! way the data flows: `import` (markdown pages, OpenAPI files), `merge` (one
//! page's per-operation documents into one spec), `overlay` (strict Overlay
//! 1.x), `audit` (the rules for schemas we receive) and `effective` (putting
//! it together and validating the result with the same code generator as
//! `build.rs`).

mod apis;
mod audit;
mod effective;
mod import;
mod merge;
mod overlay;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::apis::{APIS, Api};
use crate::effective::{Effective, PipelineError};
use crate::overlay::Outcome;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "smsgate's project tooling")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rebuild the effective specs from openapi/upstream and openapi/overlays.
    Regen {
        /// API ids to process (default: all).
        #[arg(value_name = "API", value_parser = clap::builder::PossibleValuesParser::new(APIS.iter().map(|a| a.id)))]
        apis: Vec<String>,
        /// Write nothing; exit 4 if a committed effective spec is out of date.
        #[arg(long, conflicts_with = "accept")]
        check: bool,
        /// Write the effective specs.
        #[arg(long)]
        accept: bool,
    },
}

/// Exit codes (DESIGN.md section 10); the most severe (highest) wins.
mod exit {
    pub const CLEAN: u8 = 0;
    pub const RULE_VIOLATIONS: u8 = 1;
    pub const STALE_OVERLAY: u8 = 3;
    pub const STALE_FILES: u8 = 4;
    pub const IMPORT_FAILURE: u8 = 100;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    DryRun,
    Check,
    Accept,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let Command::Regen { apis, check, accept } = Cli::parse().command;
    let mode = match (check, accept) {
        (true, _) => Mode::Check,
        (_, true) => Mode::Accept,
        _ => Mode::DryRun,
    };
    let selected: Vec<&Api> = APIS
        .iter()
        .filter(|a| apis.is_empty() || apis.iter().any(|id| id == a.id))
        .collect();
    ExitCode::from(regen(&workspace_root(), &selected, mode))
}

fn regen(root: &Path, apis: &[&Api], mode: Mode) -> u8 {
    let mut code = exit::CLEAN;
    for api in apis {
        let status = match effective::build(root, api) {
            Ok(effective) => report(root, &effective, mode),
            Err(error) => {
                eprintln!("{}: error: {error}", api.id);
                match error {
                    PipelineError::Import(_) => exit::IMPORT_FAILURE,
                    PipelineError::InvalidOverlay { .. } => exit::STALE_OVERLAY,
                }
            }
        };
        code = code.max(status);
    }
    code
}

/// Prints what happened to one API, writes or checks its file; returns its exit code.
fn report(root: &Path, effective: &Effective, mode: Mode) -> u8 {
    let id = effective.api.id;
    let mut code = exit::CLEAN;
    for action in &effective.overlay {
        if action.outcome != Outcome::Applied {
            println!(
                "{id}: overlay action `{}` is stale ({}): upstream changed or fixed what it was for: {}",
                action.target,
                action.outcome.as_str(),
                action.description
            );
            code = code.max(exit::STALE_OVERLAY);
        }
    }
    for violation in &effective.violations {
        println!("{id}: error: {violation}");
        code = code.max(exit::RULE_VIOLATIONS);
    }
    let path = effective::effective_path(root, &effective.api);
    let wanted = effective.to_json();
    let fresh = std::fs::read_to_string(&path).is_ok_and(|committed| committed == wanted);
    let applied = effective
        .overlay
        .iter()
        .filter(|a| a.outcome == Outcome::Applied)
        .count();
    let state = match (fresh, mode) {
        (true, _) => "up to date".to_string(),
        (false, Mode::Accept) => match std::fs::write(&path, &wanted) {
            Ok(()) => "updated".to_string(),
            Err(e) => {
                eprintln!("{id}: error: cannot write {}: {e}", path.display());
                return exit::IMPORT_FAILURE;
            }
        },
        (false, Mode::Check) => {
            code = code.max(exit::STALE_FILES);
            "OUT OF DATE: run `cargo xtask regen --accept` and commit".to_string()
        }
        (false, Mode::DryRun) => "would change (run with --accept to write)".to_string(),
    };
    println!("{id}: openapi/{id}.json {state} ({applied} overlay actions applied)");
    code
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn all() -> Vec<&'static Api> {
        APIS.iter().collect()
    }

    fn api(id: &str) -> Vec<&'static Api> {
        APIS.iter().filter(|a| a.id == id).collect()
    }

    /// The committed effective specs are exactly what upstream + overlays give.
    #[test]
    fn effective_specs_are_up_to_date() {
        assert_eq!(
            regen(&workspace_root(), &all(), Mode::Check),
            exit::CLEAN,
            "see the output above"
        );
    }

    /// A scratch copy of the workspace's `openapi/` folder.
    fn scratch() -> tempfile::TempDir {
        fn copy(from: &Path, to: &Path) {
            fs::create_dir_all(to).unwrap();
            for entry in fs::read_dir(from).unwrap() {
                let path = entry.unwrap().path();
                let target = to.join(path.file_name().unwrap());
                if path.is_dir() {
                    copy(&path, &target)
                } else {
                    fs::copy(&path, &target).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        copy(&workspace_root().join("openapi"), &dir.path().join("openapi"));
        dir
    }

    fn edit(root: &Path, file: &str, from: &str, to: &str) {
        let path = root.join("openapi").join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer contains {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    #[test]
    fn check_catches_a_hand_edited_spec_and_accept_restores_it() {
        let dir = scratch();
        let root = dir.path();
        let spec = root.join("openapi/clearline-sms-api.json");
        edit(
            root,
            "clearline-sms-api.json",
            "\"Unique identifier of the queued message\"",
            "\"edited\"",
        );
        let edited = fs::read_to_string(&spec).unwrap();
        assert_eq!(regen(root, &all(), Mode::Check), exit::STALE_FILES);
        assert_eq!(fs::read_to_string(&spec).unwrap(), edited, "--check must write nothing");
        assert_eq!(regen(root, &all(), Mode::DryRun), exit::CLEAN);
        assert_eq!(
            fs::read_to_string(&spec).unwrap(),
            edited,
            "a dry run must write nothing"
        );
        assert_eq!(regen(root, &all(), Mode::Accept), exit::CLEAN);
        assert_eq!(regen(root, &all(), Mode::Check), exit::CLEAN);
    }

    #[test]
    fn an_overlay_action_that_upstream_made_pointless_is_stale() {
        // Upstream drops the enum the overlay removes: the action matches nothing.
        let dir = scratch();
        let enum_line = "          enum: [Delivered, DeliveredFailed]\n";
        edit(dir.path(), "upstream/clearline/clearline-callbacks.yaml", enum_line, "");
        assert_eq!(
            regen(dir.path(), &api("clearline-callbacks"), Mode::Check),
            exit::STALE_OVERLAY
        );
        // Upstream already says what the overlay writes: the action changes nothing.
        let dir = scratch();
        edit(
            dir.path(),
            "upstream/smarthive/smarthive-callbacks.yaml",
            "type: integer",
            "type: string",
        );
        assert_eq!(
            regen(dir.path(), &api("smarthive-callbacks"), Mode::Check),
            exit::STALE_OVERLAY
        );
    }

    #[test]
    fn an_overlay_action_without_a_reason_is_refused() {
        let dir = scratch();
        edit(
            dir.path(),
            "overlays/clearline-sms-api.yaml",
            "    description: >-\n",
            "    x-why: >-\n",
        );
        assert_eq!(
            regen(dir.path(), &api("clearline-sms-api"), Mode::Check),
            exit::STALE_OVERLAY
        );
    }

    #[test]
    fn an_unreadable_upstream_page_is_an_import_failure() {
        let dir = scratch();
        let page = "upstream/clickatell/003_034f688c0650f8ca.txt";
        edit(dir.path(), page, "{\"openapi\":\"3.0.1\"", "{\"openapi\":\"3.0.1\",,");
        assert_eq!(
            regen(dir.path(), &api("clickatell-sms-api"), Mode::Check),
            exit::IMPORT_FAILURE
        );
        let err = effective::build(dir.path(), &APIS[0]).err().unwrap().to_string();
        let expected = "openapi/upstream/clickatell/003_034f688c0650f8ca.txt: \
                        the OpenAPI document under \"POST /messages\" is not valid JSON";
        assert!(err.starts_with(expected), "{err}");
    }

    #[test]
    fn a_spec_progenitor_would_panic_on_is_refused_before_build_rs_sees_it() {
        let dir = scratch();
        // Without the overlay's fix, POST /messages has two request media types.
        let action = "  - target: $.paths['/messages'].post.requestBody.content['application/xml']";
        edit(
            dir.path(),
            "overlays/clickatell-sms-api.yaml",
            action,
            "  - target: $.nothing",
        );
        assert_eq!(
            regen(dir.path(), &api("clickatell-sms-api"), Mode::Check),
            exit::IMPORT_FAILURE
        );
        let err = effective::build(dir.path(), &APIS[0]).err().unwrap().to_string();
        let expected = "POST /messages: request body has 2 media types (application/json, application/xml)";
        assert!(err.contains(expected), "{err}");
    }

    #[test]
    fn a_closed_enum_on_a_received_value_breaks_the_rules() {
        let dir = scratch();
        let line = "          description: Human-readable delivery result description provided by the SMS gateway\n";
        let with_enum = format!("{line}          enum: [ok]\n");
        edit(
            dir.path(),
            "upstream/clearline/clearline-callbacks.yaml",
            line,
            &with_enum,
        );
        let effective = effective::build(dir.path(), api("clearline-callbacks")[0])
            .ok()
            .unwrap();
        assert_eq!(
            effective.violations,
            ["/components/schemas/DeliveryStatusCallback/properties/reasonText: \
              closed enum on a received value; providers add values"]
        );
        assert_eq!(
            regen(dir.path(), &api("clearline-callbacks"), Mode::DryRun),
            exit::RULE_VIOLATIONS
        );
    }
}
