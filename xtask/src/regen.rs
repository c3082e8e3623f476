//! `cargo xtask regen`: for each API, build the effective spec from the
//! vendored (or a new) upstream document and its overlay, compare it with
//! what is committed and with the old upstream, report, and write or check.

use std::fs;
use std::path::Path;

use serde_json::Value;
use smsgate_codegen::api_diff::Semver;
use smsgate_spec_diff::{Diff, Level, diff_documents};

use crate::apis::Api;
use crate::effective::{self, Effective, PipelineError};
use crate::generated::GENERATED_DOCUMENTS;
use crate::overlay::Outcome;
use crate::report::{ApiReport, OverlayRow, Report};
use crate::rust_api;
use crate::upstream::NewUpstream;

/// The exit codes of `cargo xtask regen`; when several apply, the most severe
/// (highest) wins.
pub mod exit {
    /// Nothing to do, or everything written.
    pub const CLEAN: u8 = 0;
    /// Changes that need accepting: error-level changes (without
    /// `--allow-breaking`) or a broken rule for received schemas.
    pub const UNACCEPTED: u8 = 1;
    /// An overlay that no longer fits: an action that selects nothing or
    /// changes nothing, or an overlay file that is unreadable or invalid
    /// (such as an action without a reason).
    pub const STALE_OVERLAY: u8 = 3;
    /// `--check`: a committed file is not what regen would write.
    pub const STALE_FILES: u8 = 4;
    /// An upstream document that cannot be read, fetched or turned into a
    /// client, or a file that cannot be written.
    pub const IMPORT_FAILURE: u8 = 100;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report only.
    DryRun,
    /// Offline; exit 4 when a committed file is out of date.
    Check,
    /// Write new upstream copies and effective specs.
    Accept { allow_breaking: bool },
}

pub fn regen(root: &Path, apis: &[&Api], mode: Mode, upstream: Option<&NewUpstream>) -> Report {
    let mut apis: Vec<ApiReport> = apis.iter().map(|api| regen_api(root, api, mode, upstream)).collect();
    apis.extend(
        GENERATED_DOCUMENTS
            .iter()
            .map(|document| generated_document(root, document.path, &document.contents(), mode)),
    );
    let exit_code = apis.iter().map(|a| a.exit_code).max().unwrap_or(exit::CLEAN);
    let semver = apis.iter().map(|a| a.semver).max().unwrap_or(Semver::None);
    Report {
        apis,
        semver,
        exit_code,
    }
}

fn regen_api(root: &Path, api: &Api, mode: Mode, upstream: Option<&NewUpstream>) -> ApiReport {
    let mut report = ApiReport::new(api.id);
    let vendored = match effective::vendored_upstream(root, api) {
        Ok(text) => text,
        Err(error) => {
            fail(&mut report, error.to_string(), exit::IMPORT_FAILURE);
            return report;
        }
    };
    let file_name = Path::new(api.source.path())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let new_upstream = match upstream.map(|u| u.document(file_name)).transpose() {
        Ok(found) => found.flatten().filter(|text| *text != vendored),
        Err(error) => {
            fail(&mut report, error.to_string(), exit::IMPORT_FAILURE);
            return report;
        }
    };
    let built = match effective::build_from(root, api, new_upstream.as_deref().unwrap_or(&vendored)) {
        Ok(built) => built,
        Err(error) => {
            let code = match error {
                PipelineError::Import(_) => exit::IMPORT_FAILURE,
                PipelineError::InvalidOverlay { .. } => exit::STALE_OVERLAY,
            };
            fail(&mut report, error.to_string(), code);
            return report;
        }
    };
    if new_upstream.is_some() {
        let old = effective::import_upstream(api, &vendored).map_err(|e| e.to_string());
        match old.and_then(|old| compare(&old, &built.upstream, api)) {
            Ok(found) => {
                report.upstream_changes = found.changes;
                report.notes.extend(found.notes);
            }
            Err(error) => fail(&mut report, error, exit::IMPORT_FAILURE),
        }
    }
    report.notes.extend(built.notes.iter().cloned());
    report.overlays = built.overlay.iter().map(OverlayRow::from).collect();
    if built.overlay.iter().any(|a| a.outcome != Outcome::Applied) {
        report.exit_code = report.exit_code.max(exit::STALE_OVERLAY);
    }
    report.violations = built.violations.clone();
    if !report.violations.is_empty() {
        report.exit_code = report.exit_code.max(exit::UNACCEPTED);
    }
    let path = effective::effective_path(root, api);
    let committed = fs::read_to_string(&path).unwrap_or_default();
    let wanted = built.to_json();
    if committed != wanted {
        let cannot = |error: String| format!("openapi/{}.json (committed) cannot be compared: {error}", api.id);
        match serde_json::from_str::<Value>(&committed).map_err(|e| e.to_string()) {
            Ok(old) => {
                match compare(&old, &built.spec, api) {
                    Ok(found) => {
                        report.changes = found.changes;
                        report.notes.extend(found.notes);
                    }
                    Err(error) => report.errors.push(cannot(error)),
                }
                match rust_api::compare(api, &old, &built.spec, &report.changes) {
                    Ok(found) => {
                        report.rust_api = found.rows;
                        report.semver = found.semver;
                    }
                    Err(error) => report.errors.push(format!("the Rust APIs cannot be compared: {error}")),
                }
            }
            Err(error) => report.errors.push(cannot(error)),
        }
        report.spec_diff = unified_diff(api, &committed, &wanted);
    }
    settle_files(
        root,
        api,
        mode,
        &built,
        new_upstream.as_deref(),
        committed == wanted,
        &mut report,
    );
    report
}

/// A document generated from our own code (the receiver's dropshot trait):
/// checked and written like an effective spec, without a diff report.
fn generated_document(root: &Path, path: &str, wanted: &str, mode: Mode) -> ApiReport {
    let mut report = ApiReport::new(path);
    let file = root.join(path);
    if fs::read_to_string(&file).is_ok_and(|committed| committed == wanted) {
        report.files.push(format!("{path} is up to date"));
        return report;
    }
    match mode {
        Mode::Check | Mode::DryRun => report_stale(&mut report, path, mode),
        Mode::Accept { .. } => write_file(&mut report, root, path, wanted),
    }
    report
}

/// A committed file that is not what it should be: out of date under
/// `--check` (exit 4), a pending change in a dry run.
fn report_stale(report: &mut ApiReport, path: &str, mode: Mode) {
    if mode == Mode::Check {
        report.files.push(format!(
            "{path} is OUT OF DATE: run `cargo xtask regen --accept` and commit"
        ));
        report.exit_code = report.exit_code.max(exit::STALE_FILES);
    } else {
        report
            .files
            .push(format!("{path} would change (run with --accept to write)"));
    }
}

/// Writes `text` to `root/path` (creating its folder), reporting it.
fn write_file(report: &mut ApiReport, root: &Path, path: &str, text: &str) {
    let file = root.join(path);
    match file
        .parent()
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| fs::write(&file, text))
    {
        Ok(()) => report.files.push(format!("{path} updated")),
        Err(e) => fail(report, format!("cannot write {path}: {e}"), exit::IMPORT_FAILURE),
    }
}

fn fail(report: &mut ApiReport, error: String, code: u8) {
    report.errors.push(error);
    report.exit_code = report.exit_code.max(code);
}

/// The changes, and what either document lacked (read leniently, noted).
fn compare(old: &Value, new: &Value, api: &Api) -> Result<Diff, String> {
    diff_documents(old, new, api.role).map_err(|e| e.to_string())
}

fn unified_diff(api: &Api, old: &str, new: &str) -> String {
    let name = format!("openapi/{}.json", api.id);
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (committed)"), &format!("{name} (new)"))
        .to_string()
}

/// Writes (accept), checks (check) or describes (dry run) the files.
fn settle_files(
    root: &Path,
    api: &Api,
    mode: Mode,
    built: &Effective,
    new_upstream: Option<&str>,
    fresh: bool,
    report: &mut ApiReport,
) {
    let spec = format!("openapi/{}.json", api.id);
    let errors = report.changes.iter().filter(|c| c.level == Level::Error).count();
    if fresh && new_upstream.is_none() {
        report.files.push(format!("{spec} is up to date"));
        return;
    }
    match mode {
        Mode::Check => report_stale(report, &spec, mode),
        Mode::DryRun => {
            report_stale(report, &spec, mode);
            if errors > 0 {
                report.exit_code = report.exit_code.max(exit::UNACCEPTED);
            }
        }
        Mode::Accept { allow_breaking } => {
            if report.exit_code != exit::CLEAN {
                report
                    .files
                    .push("nothing written: fix the problems above first".into());
                return;
            }
            if errors > 0 && !allow_breaking {
                report.files.push(format!(
                    "nothing written: {errors} error-level changes; review them and re-run with --allow-breaking"
                ));
                report.exit_code = exit::UNACCEPTED;
                return;
            }
            if report.semver == Semver::Major && !allow_breaking {
                report.files.push(
                    "nothing written: the Rust API changes need a major version bump of smsgate; \
                     review them and re-run with --allow-breaking"
                        .into(),
                );
                report.exit_code = exit::UNACCEPTED;
                return;
            }
            if let Some(text) = new_upstream {
                write_file(report, root, &effective::upstream_name(api), text);
            }
            write_file(report, root, &spec, &built.to_json());
        }
    }
}

#[cfg(test)]
mod tests;
