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
    use super::*;

    /// The committed effective specs are exactly what upstream + overlays give.
    #[test]
    fn effective_specs_are_up_to_date() {
        let all: Vec<&Api> = APIS.iter().collect();
        assert_eq!(
            regen(&workspace_root(), &all, Mode::Check),
            exit::CLEAN,
            "see the output above"
        );
    }
}
