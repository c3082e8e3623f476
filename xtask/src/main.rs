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
//! `build.rs`). `rust_api` says what the change does to the generated Rust
//! API and which semver bump it needs.
//!
//! `bench ingest` measures the receiver's throughput, `bench query` the message
//! search and delivery statistics on a million messages; `fuzz` runs every
//! payload parser under libFuzzer for a bounded time (see [`fuzz`]).
//!
//! The tests of `regen` sit in `regen/tests.rs`; the repository-wide tidy
//! checks (file headers, file lengths, references, `#[path]`) in `tidy`.

mod apis;
mod audit;
mod bench;
mod bench_query;
mod effective;
mod fuzz;
mod generated;
mod import;
mod merge;
mod overlay;
mod regen;
mod report;
mod rust_api;
#[cfg(test)]
mod tidy;
mod upstream;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::apis::{APIS, Api};
use crate::regen::Mode;
use crate::report::Format;
use crate::upstream::NewUpstream;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "smsgate's project tooling")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Re-import upstream documents, apply overlays, report what changed and what breaks, regenerate.
    Regen {
        /// API ids to process (default: all).
        #[arg(value_name = "API", value_parser = clap::builder::PossibleValuesParser::new(APIS.iter().map(|a| a.id)))]
        apis: Vec<String>,
        /// New versions of upstream documents: a directory (matched by file
        /// name anywhere under it) or an http(s) URL (each fetched as URL/NAME, NAME its file name).
        #[arg(long, value_name = "DIR|URL", conflicts_with = "check")]
        upstream: Option<String>,
        /// Offline: write nothing; exit 4 if a committed file is out of date.
        #[arg(long, conflicts_with = "accept")]
        check: bool,
        /// Write the new upstream copies and effective specs.
        #[arg(long)]
        accept: bool,
        /// With --accept: also accept error-level (breaking) changes.
        #[arg(long, requires = "accept")]
        allow_breaking: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also write the report to this file.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
    },
    /// Benchmarks.
    #[command(subcommand)]
    Bench(Bench),
    /// Fuzz every payload parser (cargo-fuzz, libFuzzer) for a bounded time; fails on any crash, hang or memory blow-up.
    Fuzz(fuzz::FuzzArgs),
}

#[derive(Subcommand)]
enum Bench {
    /// Drive the receiver (release build; SQLite or PostgreSQL) with a mixed load, new events only and duplicates
    /// only, and a no-op server with the same routes, over loopback with wrk; compare them, and check after each
    /// receiver run that the store holds exactly the acknowledged events.
    Ingest(bench::IngestArgs),
    /// Fill an empty store (SQLite or PostgreSQL) with a million messages and their events, then time the message
    /// search and the delivery statistics.
    Query(bench_query::QueryArgs),
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Regen {
            apis,
            upstream,
            check,
            accept,
            allow_breaking,
            format,
            report,
        } => regen(apis, upstream, check, accept, allow_breaking, format, report),
        Command::Bench(Bench::Ingest(args)) => exit(bench::ingest(&workspace_root(), &args)),
        Command::Bench(Bench::Query(args)) => exit(bench_query::query(&workspace_root(), &args)),
        Command::Fuzz(args) => exit(fuzz::fuzz(&workspace_root(), &args)),
    }
}

fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn regen(
    apis: Vec<String>,
    upstream: Option<String>,
    check: bool,
    accept: bool,
    allow_breaking: bool,
    format: Format,
    report: Option<PathBuf>,
) -> ExitCode {
    let mode = match (check, accept) {
        (true, _) => Mode::Check,
        (_, true) => Mode::Accept { allow_breaking },
        _ => Mode::DryRun,
    };
    let selected: Vec<&Api> = APIS
        .iter()
        .filter(|a| apis.is_empty() || apis.iter().any(|id| id == a.id))
        .collect();
    let upstream = upstream.as_deref().map(NewUpstream::parse);
    let result = regen::regen(&workspace_root(), &selected, mode, upstream.as_ref());
    let rendered = result.render(format);
    print!("{rendered}");
    if let Some(path) = report
        && let Err(error) = std::fs::write(&path, &rendered)
    {
        eprintln!("error: cannot write the report to {}: {error}", path.display());
        return ExitCode::from(regen::exit::IMPORT_FAILURE);
    }
    ExitCode::from(result.exit_code)
}
