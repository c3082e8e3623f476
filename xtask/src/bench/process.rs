//! The benchmark's servers as processes: where cargo put them, a free
//! port, starting one and waiting until it listens, stopping it whatever
//! happens, and the tools (wrk, valgrind) installed with apt-get when
//! missing. Both ways of measuring (wrk's throughput in `bench.rs`,
//! callgrind's instruction counts in `instructions.rs`) start servers the
//! same way, so this is a module of its own rather than a part of either.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The three servers a benchmark compares, built in release mode.
pub struct Binaries {
    /// `smsgate`, the receiver.
    pub receiver: PathBuf,
    /// dropshot with the receiver's routes, storing nothing.
    pub noop: PathBuf,
    /// hyper alone, answering every request.
    pub hyper_noop: PathBuf,
}

/// Builds the three servers in release mode, in one cargo invocation so
/// that they share one feature resolution and a second run rebuilds
/// nothing.
pub fn build(root: &Path) -> anyhow::Result<Binaries> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let args = [
        "build",
        "--release",
        "-p",
        "smsgate-cli",
        "-p",
        "smsgate-receiver",
        "-p",
        "smsgate-http-server",
        "--bin",
        "smsgate",
        "--example",
        "noop",
        "--example",
        "hyper_noop",
    ];
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    let release = target_dir(root, std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from)).join("release");
    Ok(Binaries {
        receiver: release.join("smsgate"),
        noop: release.join("examples/noop"),
        hyper_noop: release.join("examples/hyper_noop"),
    })
}

/// Where cargo builds: `CARGO_TARGET_DIR` (relative to the workspace when
/// relative), else the workspace's `target`.
fn target_dir(root: &Path, from_env: Option<PathBuf>) -> PathBuf {
    match from_env {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?)
}

/// A running server, killed when dropped, whatever happened.
pub struct Server(pub Child);

impl Server {
    /// Starts `command` and waits until it accepts connections on `addr`
    /// (at most `patience`).
    pub fn start(command: &mut Command, addr: SocketAddr, patience: Duration) -> anyhow::Result<Server> {
        let mut server = Server(command.spawn().context("cannot start the server")?);
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Some(status) = server.0.try_wait()? {
                bail!("the server exited at start ({status})");
            }
            if started.elapsed() > patience {
                bail!("the server did not listen on {addr} within {} s", patience.as_secs());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    /// Ctrl-C (the receiver finishes the requests in flight and exits),
    /// then waits at most `patience` for the process to end; true if it did.
    pub fn interrupt(&mut self, patience: Duration) -> anyhow::Result<bool> {
        let _ = Command::new("kill").args(["-INT", &self.0.id().to_string()]).status();
        let deadline = Instant::now() + patience;
        while self.0.try_wait()?.is_none() {
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(true)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `program` from PATH, else installed with `apt-get install PACKAGE`.
pub fn ensure_installed(program: &str, package: &str) -> anyhow::Result<PathBuf> {
    if let Some(path) = which(program) {
        return Ok(path);
    }
    println!("{program} is not installed: installing {package} with apt-get");
    for apt in [&["update"][..], &["install", "-y", package][..]] {
        let status = Command::new("apt-get")
            .args(apt)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .with_context(|| format!("cannot run apt-get: install {package} yourself"))?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}): install {package} yourself",
                apt.join(" ")
            );
        }
    }
    which(program).with_context(|| format!("apt-get installed {package} but {program} is not on PATH"))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_dir_follows_cargo_target_dir() {
        let root = Path::new("/ws");
        assert_eq!(target_dir(root, None), Path::new("/ws/target"));
        assert_eq!(target_dir(root, Some("out".into())), Path::new("/ws/out"));
        assert_eq!(target_dir(root, Some("/elsewhere".into())), Path::new("/elsewhere"));
    }
}
