//! A server's CPU time from `/proc`: the whole process, and each of its
//! threads by name, user and system apart. Read before and after a wrk
//! run, the difference says which thread spends what per callback: the
//! runtime's workers (HTTP, reading the callback), SQLite's writer thread
//! (the statements and the commit) and its syncer (the flush), and how much
//! of each is the kernel's.

use std::collections::BTreeMap;
use std::process::Command;

use anyhow::Context;

/// CPU seconds, user and system.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cpu {
    pub user: f64,
    pub system: f64,
}

impl Cpu {
    pub fn total(self) -> f64 {
        self.user + self.system
    }

    fn minus(self, earlier: Cpu) -> Cpu {
        Cpu {
            user: self.user - earlier.user,
            system: self.system - earlier.system,
        }
    }
}

/// A process's CPU time so far: in all (threads that ended included) and
/// summed by thread name.
#[derive(Debug, Default)]
pub struct Sample {
    pub process: Cpu,
    pub threads: BTreeMap<String, Cpu>,
}

impl Sample {
    /// Reads `/proc/PID/stat` and `/proc/PID/task/*/stat`.
    pub fn read(pid: u32) -> anyhow::Result<Sample> {
        let ticks = clock_ticks_per_second()?;
        let (_, process) = read_stat(&format!("/proc/{pid}/stat"), ticks)?;
        let mut threads: BTreeMap<String, Cpu> = BTreeMap::new();
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).context("cannot list the server's threads")?;
        for task in tasks {
            // A thread may end between the listing and the read.
            let Ok((name, cpu)) = read_stat(&format!("{}/stat", task?.path().display()), ticks) else {
                continue;
            };
            let sum = threads.entry(name).or_default();
            sum.user += cpu.user;
            sum.system += cpu.system;
        }
        Ok(Sample { process, threads })
    }

    /// What was used between `earlier` and this sample. A thread missing
    /// from `earlier` started in between and counts from zero.
    pub fn since(&self, earlier: &Sample) -> Sample {
        Sample {
            process: self.process.minus(earlier.process),
            threads: self
                .threads
                .iter()
                .map(|(name, cpu)| {
                    let before = earlier.threads.get(name).copied().unwrap_or_default();
                    (name.clone(), cpu.minus(before))
                })
                .collect(),
        }
    }
}

/// The thread's (or process's) name and CPU time, from a `stat` file:
/// fields 2 (the name, in parentheses), 14 and 15 (user and system, in
/// clock ticks).
fn read_stat(path: &str, ticks_per_second: f64) -> anyhow::Result<(String, Cpu)> {
    let stat = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    parse_stat(&stat, ticks_per_second).with_context(|| format!("cannot read {path}: {stat}"))
}

fn parse_stat(stat: &str, ticks_per_second: f64) -> anyhow::Result<(String, Cpu)> {
    // The name may hold spaces and parentheses; the fields after it do not.
    let (head, after_name) = stat.rsplit_once(')').context("no `)`")?;
    let name = head.split_once('(').context("no `(`")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let seconds = |i: usize| -> anyhow::Result<f64> {
        let ticks: u64 = fields
            .get(i)
            .context("shorter than expected")?
            .parse()
            .context("a CPU time is not a number")?;
        Ok(ticks as f64 / ticks_per_second)
    };
    // Fields 14 and 15 of the whole line are the 12th and 13th after the name.
    Ok((
        name.to_string(),
        Cpu {
            user: seconds(11)?,
            system: seconds(12)?,
        },
    ))
}

/// `getconf CLK_TCK`: the unit of the CPU times in `/proc` (100 on Linux).
fn clock_ticks_per_second() -> anyhow::Result<f64> {
    let output = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .context("cannot run getconf")?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .context("getconf CLK_TCK did not print a number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_the_name_and_the_user_and_system_times() {
        let line = "4242 (sqlite-writer) S 1 4242 4242 0 -1 4194368 95 0 0 0 250 75 0 0 20 0 1 0 1 0 0";
        let (name, cpu) = parse_stat(line, 100.0).unwrap();
        assert_eq!(name, "sqlite-writer");
        assert_eq!(
            cpu,
            Cpu {
                user: 2.5,
                system: 0.75
            }
        );
        // A name may hold a closing parenthesis and spaces.
        let (name, _) = parse_stat(&line.replace("sqlite-writer", "a) b"), 100.0).unwrap();
        assert_eq!(name, "a) b");
        assert!(parse_stat("4242 (x) S 1", 100.0).is_err());
    }

    #[test]
    fn a_thread_that_started_during_the_run_counts_from_zero() {
        let cpu = |user| Cpu { user, system: 0.0 };
        let before = Sample {
            process: cpu(1.0),
            threads: [("w".to_string(), cpu(1.0))].into(),
        };
        let after = Sample {
            process: cpu(4.0),
            threads: [("w".to_string(), cpu(2.0)), ("new".to_string(), cpu(1.5))].into(),
        };
        let used = after.since(&before);
        assert_eq!(used.process, cpu(3.0));
        assert_eq!(used.threads["w"], cpu(1.0));
        assert_eq!(used.threads["new"], cpu(1.5));
    }
}
