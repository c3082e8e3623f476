//! `cargo xtask bench ingest --instructions`: the instructions each server
//! runs per callback, counted by valgrind's callgrind, which (unlike CPU
//! time on a busy 2-core machine) gives the same figure run after run, so
//! that a change to the ingest path can be judged by it.
//!
//! Each server runs under callgrind, in a fresh process (the receiver on a
//! fresh SQLite file), once with N unique ClearLine callbacks and once with
//! 2N, sent one after another over a keep-alive connection (or over
//! `--connections N` at once); the
//! difference of the two totals, divided by N, is the cost of one callback
//! without start-up and shut-down. The receiver runs a third time with N
//! callbacks and then the same N again: the difference to the N run is what
//! a duplicate costs. A module of its own: it shares only the starting and
//! stopping of servers (`process.rs`) with the wrk benchmark.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

use super::process::{Binaries, Server, ensure_installed, free_addr};
use super::script::TOKEN;

/// Under callgrind a server starts and stops some 50 times slower.
const PATIENCE: Duration = Duration::from_secs(300);

/// One pass of callbacks: `count` ClearLine status callbacks for the
/// message ids `<prefix>-0` to `<prefix>-<count - 1>`.
#[derive(Clone, Copy)]
struct Pass {
    prefix: &'static str,
    count: u64,
}

/// Which server runs, and how it is started.
struct Subject<'a> {
    name: &'static str,
    binary: &'a Path,
    receiver: bool,
}

/// Counts with `senders` client threads (and so connections) sending the
/// callbacks. With one (the default), every batch the receiver commits holds
/// one callback and the count comes out the same run after run (within
/// 0.5%), so a callback's cost includes a whole commit, as at low load. With
/// more, batch sizes follow the scheduling (with four, the count moved by 5%
/// between runs of one binary) and a commit is shared by a batch.
pub fn measure(binaries: &Binaries, callbacks: u32, senders: u32, serve_args: Option<&str>) -> anyhow::Result<()> {
    let valgrind = ensure_installed("valgrind", "valgrind")?;
    let n = u64::from(callbacks.max(1));
    let profiles = binaries.receiver.with_file_name("callgrind");
    std::fs::create_dir_all(&profiles).with_context(|| format!("cannot create {}", profiles.display()))?;
    let once = [Pass { prefix: "a", count: n }];
    let twice = [Pass {
        prefix: "a",
        count: 2 * n,
    }];
    let repeated = [once[0], once[0]];
    let subjects = [
        Subject {
            name: "receiver",
            binary: &binaries.receiver,
            receiver: true,
        },
        Subject {
            name: "no-op",
            binary: &binaries.noop,
            receiver: false,
        },
        Subject {
            name: "bare hyper",
            binary: &binaries.hyper_noop,
            receiver: false,
        },
    ];
    let runner = Runner {
        senders: u64::from(senders),
        valgrind: &valgrind,
        profiles: &profiles,
        serve_args: serve_args.unwrap_or_default(),
    };
    let mut rows = Vec::new();
    for subject in &subjects {
        let short = runner.count(subject, "n", &once)?;
        let long = runner.count(subject, "2n", &twice)?;
        let duplicates = match subject.receiver {
            true => Some(runner.count(subject, "n-repeated", &repeated)?),
            false => None,
        };
        rows.push(Row {
            name: subject.name,
            per_callback: per_callback(short, long, n),
            per_duplicate: duplicates.map(|total| per_callback(short, total, n)),
        });
    }
    report(&rows, n, senders);
    println!(
        "callgrind profiles in {} (e.g. callgrind_annotate {})",
        profiles.display(),
        profiles.join("receiver-2n.out").display()
    );
    Ok(())
}

/// One server's figures.
struct Row {
    name: &'static str,
    per_callback: f64,
    per_duplicate: Option<f64>,
}

fn report(rows: &[Row], n: u64, senders: u32) {
    println!();
    println!(
        "instructions (callgrind Ir), {n} and {} ClearLine callbacks, {senders} connection(s)",
        2 * n
    );
    println!(
        "{:<12} {:>16} {:>16} {:>14}",
        "server", "Ir / callback", "Ir / duplicate", "x bare hyper"
    );
    let floor = rows.last().map_or(1.0, |row| row.per_callback);
    for row in rows {
        println!(
            "{:<12} {:>16.0} {:>16} {:>14.1}",
            row.name,
            row.per_callback,
            row.per_duplicate.map_or("-".to_string(), |d| format!("{d:.0}")),
            row.per_callback / floor
        );
    }
}

/// Instructions per callback: what the longer run cost more, per callback
/// it sent more.
fn per_callback(short: u64, long: u64, extra_callbacks: u64) -> f64 {
    long.saturating_sub(short) as f64 / extra_callbacks as f64
}

/// Runs servers under callgrind.
struct Runner<'a> {
    senders: u64,
    valgrind: &'a Path,
    profiles: &'a Path,
    serve_args: &'a str,
}

impl Runner<'_> {
    /// Starts `subject` under callgrind, sends `passes`, stops it, and
    /// returns the instructions it ran in all.
    fn count(&self, subject: &Subject, label: &str, passes: &[Pass]) -> anyhow::Result<u64> {
        let stem = format!("{}-{label}", subject.name.replace(' ', "-"));
        let out = self.profiles.join(format!("{stem}.out"));
        let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
        let addr = free_addr()?;
        let mut command = Command::new(self.valgrind);
        command
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(subject.binary)
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(self.profiles.join(format!("{stem}.log")))
                    .context("cannot create the valgrind log")?,
            ));
        if subject.receiver {
            let database = format!("sqlite:{}", scratch.path().join("bench.db").display());
            command
                .args(["serve", "--listen", &addr.to_string(), "--database", &database])
                .args(self.serve_args.split_whitespace())
                .env("SMSGATE_CALLBACK_TOKEN", TOKEN)
                .env("SMSGATE_API_TOKEN", "bench-api-token")
                .env("RUST_LOG", "warn");
        } else {
            command.arg(addr.to_string());
        }
        println!("{}, {label}: under callgrind on {addr}", subject.name);
        let mut server = Server::start(&mut command, addr, PATIENCE)?;
        for pass in passes {
            send(&format!("http://{addr}"), *pass, self.senders)?;
        }
        if !server.interrupt(PATIENCE)? {
            bail!(
                "{} did not stop within {} s of Ctrl-C",
                subject.name,
                PATIENCE.as_secs()
            );
        }
        let profile = std::fs::read_to_string(&out).with_context(|| format!("cannot read {}", out.display()))?;
        total_instructions(&profile).with_context(|| format!("no instruction total in {}", out.display()))
    }
}

/// Sends `pass` from `senders` threads, each over its own keep-alive
/// connection; fails unless every callback is answered 200.
fn send(base: &str, pass: Pass, senders: u64) -> anyhow::Result<()> {
    let client = reqwest::blocking::Client::builder()
        .timeout(PATIENCE)
        .build()
        .context("cannot build an HTTP client")?;
    let url = format!("{base}/client-callback/clearline-status?token={TOKEN}");
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..senders)
            .map(|sender| {
                let (client, url) = (&client, &url);
                scope.spawn(move || -> anyhow::Result<()> {
                    for i in (sender..pass.count).step_by(senders as usize) {
                        let answer = client
                            .post(url)
                            .header("content-type", "application/json")
                            .body(clearline_callback(&format!("{}-{i}", pass.prefix)))
                            .send()
                            .context("a callback was not answered")?;
                        if answer.status() != reqwest::StatusCode::OK {
                            bail!("a callback was answered {}", answer.status());
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        threads
            .into_iter()
            .try_for_each(|sender| sender.join().expect("a sender thread panicked"))
    })
}

/// A ClearLine delivery report, as the wrk script sends it.
fn clearline_callback(message_id: &str) -> String {
    format!(
        r#"{{"messageId":"{message_id}","deliveryStatus":"Delivered","externalDeliveryStatus":"Delivered","reasonText":"ok","deliveredAt":"2023-11-14T22:13:20Z"}}"#
    )
}

/// The total instruction count of a callgrind profile: its `totals:` line
/// (or, in older files, `summary:`).
fn total_instructions(profile: &str) -> Option<u64> {
    let line = |key: &str| {
        profile
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    line("totals:").or_else(|| line("summary:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_total_of_a_callgrind_profile() {
        let profile = "# callgrind format\nversion: 1\nevents: Ir\nfn=(1) main\n3 7\nsummary: 12345\ntotals: 12345\n";
        assert_eq!(total_instructions(profile), Some(12345));
        assert_eq!(total_instructions("events: Ir\nsummary: 99\n"), Some(99));
        assert_eq!(total_instructions("events: Ir\n"), None);
    }

    #[test]
    fn a_callback_costs_what_the_longer_run_cost_more() {
        assert_eq!(per_callback(1_000_000, 3_000_000, 1000), 2000.0);
        // Noise never gives a negative cost.
        assert_eq!(per_callback(5, 4, 1), 0.0);
    }

    #[test]
    fn the_callback_is_the_json_the_wrk_script_sends() {
        let body: serde_json::Value = serde_json::from_str(&clearline_callback("a-1")).unwrap();
        assert_eq!(body["messageId"], "a-1");
        assert_eq!(body["deliveryStatus"], "Delivered");
    }
}
