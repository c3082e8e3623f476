//! `cargo xtask bench ingest`: the receiver against a no-op server with the
//! same routes, both driven over loopback by `wrk` with the same mix of
//! callbacks, then a check that the store holds exactly what was
//! acknowledged.
//!
//! The receiver is driven three times on one store, one fresh process per
//! run (the load is in `bench/script.rs`):
//! - **mixed**: new callbacks, 20% of the requests repeating an earlier one
//!   (a provider retry), the mix the throughput targets are stated for;
//! - **new only**: no request repeats;
//! - **duplicates only**: requests the new-only run stored, sent again, so
//!   that every event is a duplicate;
//!
//! and two baselines once each, with the mixed load: the no-op server
//! (dropshot with the same routes, storing nothing) and a bare hyper
//! server (the floor: what any Rust HTTP server costs). After each receiver
//! run the store must hold exactly the acknowledged events
//! (`bench/store.rs`): a duplicates-only run stores its raw requests and no
//! event. What wrk reports is read in `bench/wrk.rs`; the servers are built,
//! started and stopped by `bench/process.rs`, and their CPU time, by thread,
//! is read from `/proc` by `bench/cpu.rs`. `--instructions` measures
//! instructions per callback under callgrind instead (`bench/instructions.rs`).

mod cpu;
mod instructions;
mod process;
mod script;
mod store;
mod wrk;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

use process::{Server, ensure_installed, free_addr};
use script::{Mode, TOKEN};
use store::StoreDb;
use wrk::{Run, parse_wrk};

/// Stored requests a duplicates-only run cycles through.
const REPLAYED: i64 = 2000;

#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    /// Where the receiver stores callbacks: sqlite:PATH or postgres://USER@HOST/DB [default: a fresh SQLite file in a temporary directory]
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Concurrent HTTP connections [default: 64; with --instructions: 1, so that every batch holds one callback
    /// and the count repeats run after run]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    connections: Option<u32>,
    /// Seconds each run lasts.
    #[arg(long, default_value_t = 10, value_name = "S")]
    duration: u32,
    /// wrk threads.
    #[arg(long, default_value_t = 2, value_name = "N")]
    threads: u32,
    /// Extra arguments for `smsgate serve` (e.g. `--commit-batch 32`), space-separated.
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    serve_args: Option<String>,
    /// Instead of wrk: count the instructions each server runs per callback, under valgrind's callgrind.
    #[arg(long)]
    instructions: bool,
    /// With --instructions: the ClearLine callbacks of the shorter run (the longer sends twice as many).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    callbacks: u32,
}

impl IngestArgs {
    /// The connections asked for, else the mode's default.
    fn connections(&self) -> u32 {
        let default = if self.instructions { 1 } else { 64 };
        self.connections.unwrap_or(default)
    }
}

/// How wrk runs: the script, its mode, and the digits of this run's ids.
struct Load<'a> {
    wrk: &'a Path,
    script: &'a Path,
    mode: Mode,
    prefix: String,
    /// The replay file, for [`Mode::Replay`].
    replay: Option<PathBuf>,
}

pub fn ingest(root: &Path, args: &IngestArgs) -> anyhow::Result<()> {
    // wrk's threads each need a connection (the instruction count runs no wrk).
    if !args.instructions && (args.connections() < args.threads || args.threads == 0) {
        bail!("--connections must be at least --threads (and --threads at least 1)");
    }
    let binaries = process::build(root)?;
    if args.instructions {
        return instructions::measure(
            &binaries,
            args.callbacks,
            args.connections(),
            args.serve_args.as_deref(),
        );
    }
    let wrk = ensure_installed("wrk", "wrk")?;
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let script = scratch.path().join("mix.lua");
    std::fs::write(&script, script::lua_script()).context("cannot write the wrk script")?;
    let database = match &args.database {
        Some(url) => url.clone(),
        None => format!("sqlite:{}", scratch.path().join("bench.db").display()),
    };
    let store = StoreDb::parse(&database)?;
    // This invocation's ids differ from any earlier one's on the same store.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();

    let mut runs = Vec::new();
    let mut checks = Vec::new();
    let mut new_run_start = None;
    for (n, (name, mode)) in [
        ("mixed", Mode::Mixed),
        ("new only", Mode::New),
        ("dups only", Mode::Replay),
    ]
    .into_iter()
    .enumerate()
    {
        let before = store.counts()?;
        let replay = match (mode, new_run_start) {
            (Mode::Replay, Some(after)) => {
                let requests = store.stored_after(after, REPLAYED)?;
                if requests.is_empty() {
                    bail!("the new-only run stored nothing to replay");
                }
                let path = scratch.path().join("replay.lua");
                std::fs::write(&path, script::replay_file(&requests)).context("cannot write the replay file")?;
                Some(path)
            }
            _ => None,
        };
        if mode == Mode::New {
            new_run_start = Some(before.last_raw);
        }
        let addr = free_addr()?;
        let mut serve = Command::new(&binaries.receiver);
        serve
            .args(["serve", "--listen", &addr.to_string(), "--database", &database])
            .args(args.serve_args.as_deref().unwrap_or_default().split_whitespace())
            .env("SMSGATE_CALLBACK_TOKEN", TOKEN)
            .env("SMSGATE_API_TOKEN", "bench-api-token")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(scratch.path().join(format!("serve-{n}.log")))
                    .context("cannot create the server log")?,
            ));
        println!("receiver, {name}: smsgate serve --database {database} on {addr}");
        let load = Load {
            wrk: &wrk,
            script: &script,
            mode,
            prefix: format!("{nonce}{n}"),
            replay,
        };
        let run = drive(serve, addr, &load, args, Reads::Batches)?;
        let after = store.counts()?;
        checks.push((name, store::verify(&before, &after, &run, args.connections())));
        runs.push((format!("receiver, {name}"), run));
    }

    // The baselines.
    for (n, (name, binary, what)) in [
        ("no-op", &binaries.noop, "dropshot, same routes, stores nothing"),
        (
            "bare hyper",
            &binaries.hyper_noop,
            "hyper alone, reads the body, answers 200",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let addr = free_addr()?;
        let mut baseline = Command::new(binary);
        baseline
            .arg(addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        println!("{name}, mixed: {what}, on {addr}");
        let load = Load {
            wrk: &wrk,
            script: &script,
            mode: Mode::Mixed,
            prefix: format!("{nonce}{}", 8 + n),
            replay: None,
        };
        runs.push((
            format!("{name}, mixed"),
            drive(baseline, addr, &load, args, Reads::Nothing)?,
        ));
    }

    report(&runs, args);
    println!();
    let mut failed = Vec::new();
    for (name, check) in checks {
        match check {
            Ok(summary) => println!("store after {name}: {summary}"),
            Err(problem) => {
                println!("store after {name}: {problem}");
                failed.push(name);
            }
        }
    }
    if !failed.is_empty() {
        bail!("verification failed after: {}", failed.join(", "));
    }
    println!("verified: after each run the store holds exactly the acknowledged events");
    Ok(())
}

/// Prints the table of runs and the ratios.
fn report(runs: &[(String, Run)], args: &IngestArgs) {
    println!();
    println!(
        "{} connections, {} wrk threads, {} s each, {} CPUs",
        args.connections(),
        args.threads,
        args.duration,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<22} {:>12} {:>10} {:>10} {:>12} {:>14} {:>10} {:>10} {:>10}",
        "server, load", "requests/s", "p50 ms", "p99 ms", "CPU us/req", "peak RSS MiB", "acked", "not 200", "repeats"
    );
    for (name, run) in runs {
        println!(
            "{:<22} {:>12.0} {:>10.2} {:>10.2} {:>12.1} {:>14.1} {:>10} {:>10} {:>10}",
            name,
            run.requests_per_second,
            run.p50_ms,
            run.p99_ms,
            run.cpu_us_per_request(),
            run.peak_rss_kib as f64 / 1024.0,
            run.acknowledged,
            run.other,
            run.repeats
        );
        println!("{:<22} {}", "", thread_breakdown(run));
        if !run.socket_errors.is_empty() {
            println!("{:<22} socket errors: {}", "", run.socket_errors);
        }
    }
    let rate = |i: usize| runs[i].1.requests_per_second;
    let cpu = |i: usize| runs[i].1.cpu_us_per_request();
    for (name, i) in [("no-op", 3), ("bare hyper", 4)] {
        println!("throughput ratio receiver / {name} (mixed): {:.2}", rate(0) / rate(i));
        println!(
            "CPU per request ratio receiver / {name} (mixed): {:.1}",
            cpu(0) / cpu(i)
        );
    }
    println!(
        "throughput ratio duplicates only / new only: {:.2} (duplicates cost no more than new events when >= 1)",
        rate(2) / rate(1)
    );
}

/// What a run reads from its server besides wrk's figures and `/proc`.
#[derive(Clone, Copy)]
enum Reads {
    /// The receiver's `/metrics`: its group-commit batches.
    Batches,
    /// A no-op serves no metrics.
    Nothing,
}

/// Starts `server`, waits until it accepts connections, runs wrk against
/// it, reads its peak RSS (and as `reads` says, the receiver's mean batch
/// from its `/metrics`), stops it.
fn drive(mut server: Command, addr: SocketAddr, load: &Load, args: &IngestArgs, reads: Reads) -> anyhow::Result<Run> {
    let mut child = Server::start(&mut server, addr, Duration::from_secs(30))?;
    let cpu_before = cpu::Sample::read(child.0.id()).context("cannot read the server's CPU time")?;
    let output = Command::new(load.wrk)
        .arg(format!("-t{}", args.threads))
        .arg(format!("-c{}", args.connections()))
        .arg(format!("-d{}s", args.duration))
        .args(["--latency", "--timeout", "10s", "-s"])
        .arg(load.script)
        .arg(format!("http://{addr}"))
        .args(["--", load.mode.arg(), &load.prefix])
        .args(&load.replay)
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let cpu_after = cpu::Sample::read(child.0.id()).context("cannot read the server's CPU time")?;
    let peak_rss_kib = peak_rss_kib(child.0.id()).context("cannot read the server's peak RSS")?;
    let mean_batch = match reads {
        Reads::Batches => Some(mean_batch(addr)?),
        Reads::Nothing => None,
    };
    child.interrupt(Duration::from_secs(10))?;
    let mut run = parse_wrk(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))?;
    run.peak_rss_kib = peak_rss_kib;
    run.mean_batch = mean_batch;
    run.cpu = cpu_after.since(&cpu_before);
    Ok(run)
}

/// Writes per group-commit batch, from the receiver's `/metrics`
/// (counted since it started: the run, and the few requests that check it
/// is up).
fn mean_batch(addr: SocketAddr) -> anyhow::Result<f64> {
    let text = reqwest::blocking::get(format!("http://{addr}/metrics"))
        .and_then(|response| response.error_for_status())
        .and_then(|response| response.text())
        .context("cannot read the receiver's /metrics")?;
    let counter = |name: &str| -> anyhow::Result<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .with_context(|| format!("no {name} in the receiver's /metrics"))?
            .trim()
            .parse()
            .with_context(|| format!("{name} is not a number"))
    };
    Ok(counter("smsgate_store_batched_writes_total")? / counter("smsgate_store_batches_committed_total")?.max(1.0))
}

fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .context("no VmHWM line")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// The server's CPU µs per acknowledged request by thread name, busiest
/// first, with the kernel's share: `tokio-rt-worker 30.1 (sys 9.8), ...`.
/// Threads that used less than 0.05 µs a request are left out.
fn thread_breakdown(run: &Run) -> String {
    let per_request = |seconds: f64| run.us_per_request(seconds);
    let mut threads: Vec<(&String, &cpu::Cpu)> = run.cpu.threads.iter().collect();
    threads.sort_by(|a, b| b.1.total().total_cmp(&a.1.total()));
    let parts: Vec<String> = threads
        .into_iter()
        .filter(|(_, cpu)| per_request(cpu.total()) >= 0.05)
        .map(|(name, cpu)| {
            format!(
                "{name} {:.1} (sys {:.1})",
                per_request(cpu.total()),
                per_request(cpu.system)
            )
        })
        .collect();
    let batch = run
        .mean_batch
        .map(|mean| format!("; mean batch {mean:.1}"))
        .unwrap_or_default();
    format!(
        "CPU us/req by thread: {}; process sys {:.1}{batch}",
        parts.join(", "),
        per_request(run.cpu.process.system)
    )
}
