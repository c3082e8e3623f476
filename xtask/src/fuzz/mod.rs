//! `cargo xtask fuzz`: every payload parser under libFuzzer for a bounded
//! time, as CI runs it.
//!
//! The targets live in `fuzz/` (a cargo-fuzz crate with its own workspace,
//! so the main build never compiles them). This installs the pinned
//! cargo-fuzz if it is missing, writes each target's seeds from the
//! documents ([`seeds`]), builds the targets once, then runs each for the
//! given time, as many side by side as there are cores. A failure is any
//! crash (a panic, a broken invariant), a single allocation over
//! [`MALLOC_LIMIT_MB`], a resident size over [`RSS_LIMIT_MB`], or one input
//! taking over [`TIMEOUT_SECONDS`]: libFuzzer saves the input under
//! `fuzz/artifacts/<target>/`, and this prints the command that reproduces
//! it.
//!
//! cargo-fuzz needs a nightly compiler for its sanitizer flags; on a stable
//! toolchain `RUSTC_BOOTSTRAP=1` enables them.

mod seeds;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};

use self::seeds::{TARGETS, Target};

/// The cargo-fuzz version CI installs when it is missing.
pub const CARGO_FUZZ_VERSION: &str = "0.13.1";
/// Larger than any payload the parsers keep: resident memory beyond this is a leak or a blow-up.
pub const RSS_LIMIT_MB: u32 = 512;
/// No single allocation of a parser needs this much for an input of [`MAX_LEN`] bytes.
pub const MALLOC_LIMIT_MB: u32 = 128;
/// The largest input tried. The receiver takes bodies up to 1 MiB, but the
/// parsers are single passes: longer inputs slow the search without
/// reaching code that 64 KiB does not.
pub const MAX_LEN: usize = 64 * 1024;
/// One input running this long is a hang.
pub const TIMEOUT_SECONDS: u32 = 10;

#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// Seconds to run each target.
    #[arg(long, default_value_t = 15, value_name = "N")]
    seconds: u32,
    /// Run only this target [default: all].
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(TARGETS.iter().map(|t| t.name)))]
    target: Option<String>,
    /// Targets run at once [default: the number of cores].
    #[arg(long, value_name = "N", default_value_t = default_jobs())]
    jobs: NonZeroUsize,
    /// Only install cargo-fuzz if missing and build the targets (CI builds
    /// them in the background while the tests run).
    #[arg(long)]
    no_run: bool,
}

fn default_jobs() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// What one target's run gave.
#[derive(Debug, PartialEq)]
struct Outcome {
    executions: Option<u64>,
    peak_rss_mb: Option<u64>,
    /// Inputs libFuzzer saved because they failed.
    artifacts: Vec<String>,
}

pub fn fuzz(root: &Path, args: &FuzzArgs) -> anyhow::Result<()> {
    ensure_cargo_fuzz()?;
    let selected: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| args.target.as_deref().is_none_or(|name| name == t.name))
        .collect();
    for target in &selected {
        let count = write_seeds(root, target)?;
        println!("{}: {count} seeds from the documents", target.name);
        let corpus = root.join("fuzz/corpus").join(target.name);
        std::fs::create_dir_all(&corpus).with_context(|| format!("creating {}", corpus.display()))?;
    }
    let started = Instant::now();
    let mut build = cargo_fuzz(root, "build");
    build.args(args.target.iter());
    run(&mut build, "cargo fuzz build")?;
    println!("built in {:.0?}", started.elapsed());
    if args.no_run {
        return Ok(());
    }

    // Targets run side by side, one per core: each libFuzzer is one process
    // on one core.
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..args.jobs.get().min(selected.len()) {
            scope.spawn(|| {
                while let Some(target) = selected.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if !fuzz_one(root, target, args.seconds) {
                        failed.lock().expect("no thread panics holding it").push(target.name);
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().expect("no thread panicked holding it");
    if !failed.is_empty() {
        bail!("fuzzing failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Runs one target; prints its outcome, and on a failure what failed and
/// how to reproduce it. False when it failed (or could not run).
fn fuzz_one(root: &Path, target: &Target, seconds: u32) -> bool {
    println!("{}: fuzzing for {seconds} s", target.name);
    let output = match cargo_fuzz(root, "run")
        .args(run_args(target.name, seconds))
        .env("ASAN_OPTIONS", asan_options(std::env::var("ASAN_OPTIONS").ok()))
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            eprintln!("{}: cannot run cargo fuzz: {error}", target.name);
            return false;
        }
    };
    let log = String::from_utf8_lossy(&output.stderr);
    let outcome = outcome(&log);
    let executions = outcome.executions.map_or("?".into(), |n| n.to_string());
    let rss = outcome.peak_rss_mb.map_or("?".into(), |n| n.to_string());
    if output.status.success() {
        println!("{}: ok, {executions} executions, peak RSS {rss} MB", target.name);
        return true;
    }
    // One report, not interleaved with a parallel run's.
    let mut report = format!("{}\n", failure_excerpt(&log));
    report += &format!(
        "{}: FAILED after {executions} executions ({})\n",
        target.name, output.status
    );
    for artifact in &outcome.artifacts {
        report += &format!("  failing input: {artifact}\n");
        report += &format!(
            "  reproduce:     RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz {} {artifact}\n",
            target.name
        );
    }
    eprint!("{report}");
    false
}

/// The arguments of `cargo fuzz run` that run `target` for `seconds`: the
/// working corpus first (new finds go there), then the seeds.
fn run_args(target: &str, seconds: u32) -> Vec<String> {
    let mut args = vec![target.to_string()];
    args.push(format!("fuzz/corpus/{target}"));
    args.push(format!("fuzz/seeds/{target}"));
    args.push("--".into());
    args.extend([
        format!("-max_total_time={seconds}"),
        format!("-rss_limit_mb={RSS_LIMIT_MB}"),
        format!("-malloc_limit_mb={MALLOC_LIMIT_MB}"),
        format!("-max_len={MAX_LEN}"),
        format!("-timeout={TIMEOUT_SECONDS}"),
        "-print_final_stats=1".into(),
    ]);
    args
}

/// Reads the execution count, peak memory and saved inputs from libFuzzer's
/// log.
fn outcome(log: &str) -> Outcome {
    let stat = |name: &str| {
        log.lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
    };
    Outcome {
        executions: stat("stat::number_of_executed_units:"),
        peak_rss_mb: stat("stat::peak_rss_mb:"),
        artifacts: log
            .lines()
            .filter_map(|line| Some(line.split_once("Test unit written to ")?.1.trim().to_string()))
            .collect(),
    }
}

/// The part of a failed run's log that says what failed: from the panic
/// message or libFuzzer's error report on (the panic's backtrace, the limit
/// hit, the failing input's file), without ASan's copy of the stack; else
/// the end of the log (a failure to start, say).
fn failure_excerpt(log: &str) -> String {
    const LINES: usize = 100;
    let is_sanitizer_frame = |line: &&str| {
        let line = line.trim_start();
        line.starts_with('#') && line.contains(" 0x")
    };
    let lines: Vec<&str> = log.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.contains("panicked at") || line.contains("ERROR: "))
        .unwrap_or(lines.len().saturating_sub(LINES));
    let kept: Vec<&str> = lines[start..]
        .iter()
        .copied()
        .filter(|l| !is_sanitizer_frame(l))
        .collect();
    kept[..kept.len().min(LINES)].join("\n")
}

/// ASan's options for a run: freed memory sits in ASan's quarantine (256 MB
/// by default) and would count against the RSS limit, so it is kept small
/// and the limit measures the parsers. Options already set come after ours
/// and win.
fn asan_options(existing: Option<String>) -> String {
    let ours = "quarantine_size_mb=16";
    match existing {
        Some(existing) if !existing.is_empty() => format!("{ours}:{existing}"),
        _ => ours.to_string(),
    }
}

/// Writes `fuzz/seeds/<target>/` afresh, one file per seed named by its
/// hash (as libFuzzer names corpus files); returns how many.
fn write_seeds(root: &Path, target: &Target) -> anyhow::Result<usize> {
    let dir = root.join("fuzz/seeds").join(target.name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let seeds = seeds::seeds(root, target.feed)?;
    for seed in &seeds {
        let file: PathBuf = dir.join(format!("{:016x}", fnv1a(seed)));
        std::fs::write(&file, seed).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(seeds.len())
}

/// 64-bit FNV-1a: a stable file name for a seed.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `cargo fuzz <subcommand>` on the `fuzz/` crate, from the workspace root.
fn cargo_fuzz(root: &Path, subcommand: &str) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()));
    command
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", subcommand, "--fuzz-dir", "fuzz"]);
    command
}

/// Installs the pinned cargo-fuzz unless that version is on the PATH.
fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    let installed = Command::new("cargo-fuzz")
        .arg("--version")
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    if installed.as_deref() == Some(&format!("cargo-fuzz {CARGO_FUZZ_VERSION}")) {
        return Ok(());
    }
    println!("installing cargo-fuzz {CARGO_FUZZ_VERSION} (found: {installed:?})");
    // An unoptimised build without debuginfo: cargo-fuzz only starts cargo
    // and libFuzzer, and this builds in a seventh of a release build's time.
    run(
        Command::new("cargo")
            .args([
                "install",
                "cargo-fuzz",
                "--locked",
                "--debug",
                "--version",
                CARGO_FUZZ_VERSION,
            ])
            .env("CARGO_PROFILE_DEV_DEBUG", "false"),
        "cargo install cargo-fuzz",
    )
}

fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = command.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: FuzzArgs,
    }

    #[test]
    fn arguments_default_to_every_target_for_fifteen_seconds_on_every_core() {
        let args = Cli::try_parse_from(["fuzz"]).unwrap().args;
        assert_eq!(
            (args.seconds, args.target, args.jobs, args.no_run),
            (15, None, default_jobs(), false)
        );
        assert!(Cli::try_parse_from(["fuzz", "--no-run"]).unwrap().args.no_run);
        let args = Cli::try_parse_from(["fuzz", "--seconds", "3", "--target", "query_form", "--jobs", "1"])
            .unwrap()
            .args;
        assert_eq!(
            (args.seconds, args.target.as_deref(), args.jobs.get()),
            (3, Some("query_form"), 1)
        );
        assert!(Cli::try_parse_from(["fuzz", "--target", "no_such_parser"]).is_err());
        assert!(Cli::try_parse_from(["fuzz", "--jobs", "0"]).is_err());
    }

    #[test]
    fn runs_bound_time_memory_and_input_size() {
        let args = run_args("lenient", 10);
        let (cargo, libfuzzer) = args.split_at(args.iter().position(|a| a == "--").unwrap());
        assert_eq!(cargo, ["lenient", "fuzz/corpus/lenient", "fuzz/seeds/lenient"]);
        for flag in [
            "-max_total_time=10",
            "-rss_limit_mb=512",
            "-malloc_limit_mb=128",
            "-max_len=65536",
            "-timeout=10",
        ] {
            assert!(libfuzzer.iter().any(|a| a == flag), "{flag} missing from {libfuzzer:?}");
        }
    }

    #[test]
    fn reads_counts_and_failing_inputs_from_the_log() {
        let passed = "#4096\tpulse  cov: 812 ft: 2000 corp: 40/3Kb exec/s: 2048\n\
                      Done 20480 runs in 10 second(s)\n\
                      stat::number_of_executed_units: 20480\n\
                      stat::average_exec_per_sec:     2048\n\
                      stat::peak_rss_mb:              61\n";
        assert_eq!(
            outcome(passed),
            Outcome {
                executions: Some(20480),
                peak_rss_mb: Some(61),
                artifacts: vec![]
            }
        );
        let crashed = "thread '<unnamed>' panicked at src/lib.rs:1:1:\nboom\n\
                       ==7== ERROR: libFuzzer: deadly signal\n\
                       artifact_prefix='/w/fuzz/artifacts/sms_reply/'; Test unit written to /w/fuzz/artifacts/sms_reply/crash-da39a3ee\n\
                       stat::number_of_executed_units: 77\n";
        let read = outcome(crashed);
        assert_eq!(read.executions, Some(77));
        assert_eq!(read.artifacts, ["/w/fuzz/artifacts/sms_reply/crash-da39a3ee"]);
    }

    #[test]
    fn a_failure_is_shown_from_its_panic_message_without_the_sanitizer_stack() {
        let mut log = String::from("INFO: Seed: 1\n#2\tINITED cov: 10\n");
        log.push_str("thread '<unnamed>' panicked at fuzz/src/lib.rs:9:5:\nparsing is not deterministic\n");
        log.push_str("==7== ERROR: libFuzzer: deadly signal\n");
        log.push_str(&"    #3 0x55dd7cad4ed1 in frame /x.rs:1:1\n".repeat(50));
        log.push_str("SUMMARY: libFuzzer: deadly signal\nTest unit written to fuzz/artifacts/x/crash-1\n");
        assert_eq!(
            failure_excerpt(&log),
            "thread '<unnamed>' panicked at fuzz/src/lib.rs:9:5:\nparsing is not deterministic\n\
             ==7== ERROR: libFuzzer: deadly signal\nSUMMARY: libFuzzer: deadly signal\n\
             Test unit written to fuzz/artifacts/x/crash-1"
        );
        let long = "    frame\n".repeat(500);
        assert_eq!(failure_excerpt(&long).lines().count(), 100, "the end of a long log");
    }

    #[test]
    fn asan_options_keep_the_callers() {
        assert_eq!(asan_options(None), "quarantine_size_mb=16");
        assert_eq!(
            asan_options(Some("detect_leaks=0".into())),
            "quarantine_size_mb=16:detect_leaks=0"
        );
    }

    #[test]
    fn seed_names_are_stable_hashes() {
        // The FNV-1a test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
