//! The regen report, as text, markdown or JSON.
//!
//! Per API: a summary line, the changes "our code sees" (old vs new effective
//! spec, judged for our role) as `[rule-id] LEVEL METHOD /path: message`,
//! what upstream itself changed (old vs new upstream, before overlays), the
//! overlay status table, and a unified diff of the effective spec. Under
//! the changes, the "Rust API" part: each public item of the generated
//! client that changes, with its semver class and the spec changes behind
//! it; at the end, the version bump the `smsgate` crate needs.

use serde::Serialize;
use smsgate_codegen::api_diff::Semver;
use smsgate_spec_diff::{Change, summary};

use crate::overlay::ActionReport;
use crate::rust_api::RustApiRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

#[derive(Serialize)]
pub struct Report {
    pub apis: Vec<ApiReport>,
    /// The version bump the `smsgate` crate needs: the largest of the APIs'.
    pub semver: Semver,
    pub exit_code: u8,
}

#[derive(Serialize)]
pub struct ApiReport {
    pub api: String,
    /// What our code sees: old vs new effective spec.
    pub changes: Vec<Change>,
    /// What `changes` do to the generated Rust API.
    pub rust_api: Vec<RustApiRow>,
    /// The version bump this API's changes need.
    pub semver: Semver,
    /// What upstream changed: old vs new upstream document, before overlays.
    pub upstream_changes: Vec<Change>,
    pub overlays: Vec<OverlayRow>,
    /// Broken rules for received schemas.
    pub violations: Vec<String>,
    /// Import, overlay or write failures.
    pub errors: Vec<String>,
    /// What an upstream or effective document lacked, and how it was read.
    pub notes: Vec<String>,
    /// What happened to the committed files (up to date, updated, ...).
    pub files: Vec<String>,
    /// Unified diff of the effective spec (empty when unchanged).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub spec_diff: String,
    pub exit_code: u8,
}

#[derive(Serialize)]
pub struct OverlayRow {
    pub target: String,
    pub status: &'static str,
    pub description: String,
}

impl ApiReport {
    pub fn new(api: impl Into<String>) -> ApiReport {
        ApiReport {
            api: api.into(),
            changes: Vec::new(),
            rust_api: Vec::new(),
            semver: Semver::None,
            upstream_changes: Vec::new(),
            overlays: Vec::new(),
            violations: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            files: Vec::new(),
            spec_diff: String::new(),
            exit_code: 0,
        }
    }
}

impl From<&ActionReport> for OverlayRow {
    fn from(action: &ActionReport) -> OverlayRow {
        OverlayRow {
            target: action.target.clone(),
            status: action.outcome.as_str(),
            description: action.description.clone(),
        }
    }
}

impl Report {
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Markdown => self.markdown(),
            Format::Json => serde_json::to_string_pretty(self).expect("reports serialise") + "\n",
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for api in &self.apis {
            out += &format!("== {}: {}\n", api.api, summary(&api.changes));
            for line in api
                .errors
                .iter()
                .map(|e| format!("error: {e}"))
                .chain(api.violations.iter().map(|v| format!("rule broken: {v}")))
                .chain(api.notes.iter().map(|n| format!("note: {n}")))
            {
                out += &format!("{line}\n");
            }
            for change in &api.changes {
                out += &format!("{change}\n");
            }
            if api.semver != Semver::None {
                out += &format!("Rust API: {}\n", api_summary(api));
                for row in &api.rust_api {
                    out += &format!("  {:<5}  {} ({}): {}\n", row.semver, row.item, row.kind, row.change);
                    for cause in &row.causes {
                        out += &format!("           <- [{}] {}\n", cause.id, cause.pointer);
                    }
                }
            }
            if !api.upstream_changes.is_empty() {
                out += &format!("what upstream changed ({}):\n", summary(&api.upstream_changes));
                for change in &api.upstream_changes {
                    out += &format!("  {change}\n");
                }
            }
            if !api.overlays.is_empty() {
                out += "overlay actions:\n";
                for row in &api.overlays {
                    out += &format!("  {:<9}  {}\n", row.status, row.target);
                    if row.status != "applied" {
                        out += &format!(
                            "             stale: upstream changed or fixed what it was for: {}\n",
                            row.description
                        );
                    }
                }
            }
            for file in &api.files {
                out += &format!("{file}\n");
            }
            out += &api.spec_diff;
            out += "\n";
        }
        out += &format!("{}\n", bump(self.semver));
        out += &format!("exit code {}\n", self.exit_code);
        out
    }

    fn markdown(&self) -> String {
        let mut out = String::from("# cargo xtask regen\n\n");
        for api in &self.apis {
            out += &format!("## {}\n\n{}\n\n", api.api, summary(&api.changes));
            for line in api.errors.iter().chain(&api.violations) {
                out += &format!("- **error**: {line}\n");
            }
            for note in &api.notes {
                out += &format!("- note: {note}\n");
            }
            if !api.changes.is_empty() {
                out += "| rule | level | operation | change |\n|---|---|---|---|\n";
                for c in &api.changes {
                    out += &format!(
                        "| `{}` | {:?} | {} | {} |\n",
                        c.id,
                        c.level,
                        c.operation,
                        c.message.replace('|', "\\|")
                    );
                }
                out += "\n";
            }
            if api.semver != Semver::None {
                out += &format!("Rust API: {}\n\n", api_summary(api));
                if !api.rust_api.is_empty() {
                    out += "| semver | item | change | caused by |\n|---|---|---|---|\n";
                    for row in &api.rust_api {
                        let causes: Vec<String> = row
                            .causes
                            .iter()
                            .map(|c| format!("`{}` `{}`", c.id, c.pointer))
                            .collect();
                        out += &format!(
                            "| {} | `{}` ({}) | {} | {} |\n",
                            row.semver,
                            row.item,
                            row.kind,
                            row.change.replace('|', "\\|"),
                            causes.join("<br>")
                        );
                    }
                    out += "\n";
                }
            }
            if !api.upstream_changes.is_empty() {
                out += &format!("What upstream changed: {}\n\n", summary(&api.upstream_changes));
                for c in &api.upstream_changes {
                    out += &format!("- {c}\n");
                }
                out += "\n";
            }
            if !api.overlays.is_empty() {
                out += "| overlay action | status |\n|---|---|\n";
                for row in &api.overlays {
                    out += &format!("| `{}` | {} |\n", row.target, row.status);
                }
                out += "\n";
            }
            for file in &api.files {
                out += &format!("- {file}\n");
            }
            if !api.spec_diff.is_empty() {
                out += &format!("\n```diff\n{}```\n", api.spec_diff);
            }
            out += "\n";
        }
        out += &format!("{}\n\n", bump(self.semver));
        out += &format!("Exit code: {}\n", self.exit_code);
        out
    }
}

/// `"major: 3 items (2 major, 1 minor)"`.
fn api_summary(api: &ApiReport) -> String {
    let count = |class| api.rust_api.iter().filter(|r| r.semver == class).count();
    if api.rust_api.is_empty() {
        return format!("{}: no public item changes", api.semver);
    }
    format!(
        "{}: {} items ({} major, {} minor)",
        api.semver,
        api.rust_api.len(),
        count(Semver::Major),
        count(Semver::Minor)
    )
}

/// The closing line about the `smsgate` crate's version.
fn bump(semver: Semver) -> String {
    match semver {
        Semver::None => "smsgate needs no version bump (semver: none)".to_owned(),
        class => format!("smsgate needs a {class} version bump (semver: {class})"),
    }
}
