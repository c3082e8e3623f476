//! `smsgate serve` as a child process, as an operator runs it: on a port of
//! its own (`--listen 127.0.0.1:0`, read back from the URLs it prints),
//! waited for until `/healthz` answers, and killed with SIGKILL (`kill -9`:
//! no shutdown, no flush, nothing finished) when a test says so or when it
//! is dropped.
//!
//! The one wrapper of the CLI's tests and its reliability suite: what
//! `serve` printed at start-up (its banner, the callback URLs with their
//! secret, the query API's address and token) is parsed here once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::process::ChildProcess;
use crate::secrets::{API_TOKEN, CALLBACK_SECRET};

/// How long `serve` may take to print its URLs and answer /healthz (a busy
/// machine, a debug build, PostgreSQL migrations).
pub const START_UP: Duration = Duration::from_secs(60);

/// `BIN` in `dir`, stdin closed, with none of the caller's `SMSGATE_*`
/// settings and no `RUST_LOG`. A non-empty `wrapper` (say `unshare --mount
/// ...`) runs instead, with `BIN` appended to it.
pub fn smsgate_command(bin: &Path, dir: &Path, wrapper: &[&str]) -> Command {
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(bin);
            command
        }
        None => Command::new(bin),
    };
    command.current_dir(dir).stdin(Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SMSGATE_") {
            command.env_remove(key);
        }
    }
    command.env_remove("RUST_LOG");
    command
}

/// `BIN serve --listen 127.0.0.1:0 --database DATABASE` (see
/// [`smsgate_command`]): `serve` makes up its own secrets.
pub fn serve_command(bin: &Path, dir: &Path, database: &str, wrapper: &[&str]) -> Command {
    let mut command = smsgate_command(bin, dir, wrapper);
    command.args(["serve", "--listen", "127.0.0.1:0", "--database", database]);
    command
}

/// [`serve_command`] with the test secrets ([`CALLBACK_SECRET`],
/// [`API_TOKEN`]) in its environment.
pub fn serve_with_test_secrets(bin: &Path, dir: &Path, database: &str, wrapper: &[&str]) -> Command {
    let mut command = serve_command(bin, dir, database, wrapper);
    command
        .env("SMSGATE_CALLBACK_TOKEN", CALLBACK_SECRET)
        .env("SMSGATE_API_TOKEN", API_TOKEN);
    command
}

/// A running `smsgate serve` and what it printed at start-up; SIGKILLed
/// when dropped.
pub struct Served {
    process: ChildProcess,
    /// stdout up to and including the `Metrics:` line.
    pub banner: Vec<String>,
    /// (route path, full callback URL with `?token=`), in printed order.
    pub callbacks: Vec<(String, String)>,
    /// `http://ADDR` (or `https://`) of the callback routes.
    pub callback_base: String,
    /// `http://ADDR` (or `https://`) of the query API (and /healthz, /metrics).
    pub api_base: String,
    /// The callback secret, as the printed URLs carry it.
    pub secret: String,
    /// The query API's bearer token, as printed.
    pub api_token: String,
}

impl Served {
    /// Runs `command` (a [`serve_command`]), reads its start-up banner and
    /// waits until the query API's listener answers /healthz. Blocks: from
    /// async code, see [`Served::start_async`].
    pub fn start(command: Command) -> Served {
        let mut process = ChildProcess::spawn(command);
        let mut banner = Vec::new();
        loop {
            let Some(line) = process.maybe_line(START_UP) else {
                process.kill();
                let (rest, stderr) = process.rest();
                panic!("serve stopped or stalled before its Metrics line: {banner:?} {rest:?}\nstderr: {stderr}");
            };
            let done = line.starts_with("Metrics:");
            banner.push(line);
            if done {
                break;
            }
        }
        let served = Served::from_banner(process, banner);
        // Over HTTPS the test checks the listener itself, with the roots it
        // trusts (the banner comes only once the listeners are bound).
        if !served.api_base.starts_with("https://") {
            served.wait_healthy();
        }
        served
    }

    /// [`Served::start`] off the async runtime's threads, so that the
    /// tasks of a test (its load) keep running meanwhile.
    pub async fn start_async(command: Command) -> Served {
        tokio::task::spawn_blocking(move || Served::start(command))
            .await
            .unwrap_or_else(|panicked| std::panic::resume_unwind(panicked.into_panic()))
    }

    fn from_banner(process: ChildProcess, banner: Vec<String>) -> Served {
        let mut callbacks = Vec::new();
        let mut query = None;
        for line in &banner {
            if line.contains("?token=") {
                let url = line.split_whitespace().last().expect("a URL").to_string();
                let base = url.split_once('?').expect("a query").0;
                let path = &base[base.find("/client-callback/").expect("a callback route")..];
                callbacks.push((path.to_string(), url));
            }
            if let Some(rest) = line.strip_prefix("Query API: ") {
                query = Some(rest.to_string());
            }
        }
        let query = query.unwrap_or_else(|| panic!("no Query API line in {banner:#?}"));
        let api_base = query
            .split_whitespace()
            .next()
            .and_then(|u| u.strip_suffix("/v1"))
            .unwrap_or_else(|| panic!("no http(s)://ADDR/v1 in `{query}`"))
            .to_string();
        let api_token = query
            .split_once("Bearer ")
            .map(|(_, t)| t.trim_end_matches(')').to_string())
            .unwrap_or_else(|| panic!("no `Bearer TOKEN` in `{query}`"));
        let (callback_url, secret) = callbacks
            .first()
            .and_then(|(_, url)| url.split_once("?token="))
            .unwrap_or_else(|| panic!("no callback URL in {banner:#?}"));
        let callback_base = callback_url[..callback_url.find("/client-callback/").unwrap()].to_string();
        let secret = secret.to_string();
        Served {
            process,
            banner,
            callbacks,
            callback_base,
            api_base,
            secret,
            api_token,
        }
    }

    /// Waits until `/healthz` answers 200, [`START_UP`] at most.
    pub fn wait_healthy(&self) {
        let deadline = Instant::now() + START_UP;
        while !answers_ok(&self.api_base, "/healthz") {
            assert!(
                Instant::now() < deadline,
                "{}/healthz never answered 200; stderr:\n{}",
                self.api_base,
                self.process.stderr_so_far()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The printed callback URL of `path` (with `?token=`).
    pub fn callback_url(&self, path: &str) -> &str {
        self.callbacks
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, url)| url.as_str())
            .unwrap_or_else(|| panic!("no URL printed for {path}"))
    }

    /// The process id (for `/proc/PID/...`).
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// What `serve` logged so far.
    pub fn stderr_so_far(&self) -> String {
        self.process.stderr_so_far()
    }

    /// Ctrl-C, then the exit status.
    pub fn interrupt(&mut self) -> ExitStatus {
        self.process.interrupt()
    }

    /// Sends the signal named `name` (`TERM`, `HUP`, ...).
    pub fn signal(&self, name: &str) {
        self.process.signal(name);
    }

    /// Waits for the process to exit by itself, `timeout` at most.
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        self.process.wait(timeout)
    }

    /// `kill -9`, and waits until the process is gone.
    pub fn kill9(mut self) {
        self.process.kill();
    }

    /// `kill -9`; the stdout after the banner and all of stderr.
    pub fn stop(mut self) -> (Vec<String>, String) {
        self.process.kill();
        self.process.rest()
    }
}

/// Whether `GET {base}{path}` (`base` is `http://ADDR`) answers 200. Plain
/// HTTP/1.1 on a socket: no proxy, no runtime, bounded by [`STEP`](crate::process::STEP).
fn answers_ok(base: &str, path: &str) -> bool {
    let address = base.trim_start_matches("http://");
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    let step = Some(crate::process::STEP);
    if stream.set_read_timeout(step).is_err() || stream.set_write_timeout(step).is_err() {
        return false;
    }
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status_line = [0; 12];
    stream.read_exact(&mut status_line).is_ok() && status_line.starts_with(b"HTTP/1.1 200")
}
