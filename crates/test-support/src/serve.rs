//! `smsgate serve` as a child process, as an operator runs it: on a port of
//! its own (`--listen 127.0.0.1:0`, read back from the URLs it prints),
//! waited for until `/healthz` answers, and killed with SIGKILL (`kill -9`:
//! no shutdown, no flush, nothing finished) when a test says so or when it
//! is dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The callback secret every served receiver gets (`SMSGATE_CALLBACK_TOKEN`).
pub const CALLBACK_SECRET: &str = "cb-S3cret_for-the-tests";
/// The query API's bearer token (`SMSGATE_API_TOKEN`).
pub const API_TOKEN: &str = "api-T0ken_for-the-tests";

/// How long `serve` may take to print its URLs and answer /healthz (a busy
/// machine, a debug build, PostgreSQL migrations).
pub const START_UP: Duration = Duration::from_secs(60);

/// `BIN serve --listen 127.0.0.1:0 --database DATABASE` run in `dir`, with
/// the known secrets and none of the caller's other `SMSGATE_*` settings.
/// A non-empty `wrapper` (say `unshare --mount ...`) runs instead, with
/// `BIN serve ...` appended to it.
pub fn serve_command(bin: &Path, dir: &Path, database: &str, wrapper: &[&str]) -> Command {
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(bin);
            command
        }
        None => Command::new(bin),
    };
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SMSGATE_") {
            command.env_remove(key);
        }
    }
    command
        .env("SMSGATE_CALLBACK_TOKEN", CALLBACK_SECRET)
        .env("SMSGATE_API_TOKEN", API_TOKEN)
        .env_remove("RUST_LOG");
    command
}

/// A running `smsgate serve`, SIGKILLed when dropped.
pub struct Served {
    child: Child,
    /// `http://ADDR` of the callback routes.
    pub callback_base: String,
    /// `http://ADDR` of the query API (and /healthz).
    pub api_base: String,
    /// Where its stderr (the log) goes.
    pub log: PathBuf,
}

impl Served {
    /// Starts `command` (a [`serve_command`]), stderr to `log`, reads the
    /// addresses from its start-up banner and waits for `/healthz`.
    pub async fn start(mut command: Command, log: PathBuf) -> Served {
        let stderr = std::fs::File::create(&log).expect("a log file");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("smsgate serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let (mut callback_base, mut api_base) = (None, None);
        let banner = async {
            while let Some(line) = lines.next_line().await.expect("readable stdout") {
                if let Some(url) = line.split_whitespace().find(|word| word.contains("/client-callback/")) {
                    callback_base.get_or_insert(url[..url.find("/client-callback/").unwrap()].to_string());
                }
                if let Some(rest) = line.strip_prefix("Query API: ") {
                    let url = rest.split_whitespace().next().unwrap_or_default();
                    api_base = url.strip_suffix("/v1").map(str::to_string);
                }
                if line.starts_with("Metrics:") {
                    return true;
                }
            }
            false
        };
        let complete = tokio::time::timeout(START_UP, banner).await.unwrap_or(false);
        let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            complete,
            "serve stopped or stalled before its banner; log:\n{}",
            log_text()
        );
        // Keep reading stdout so that the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let served = Served {
            child,
            callback_base: callback_base.unwrap_or_else(|| panic!("no callback URL printed; log:\n{}", log_text())),
            api_base: api_base.unwrap_or_else(|| panic!("no query API URL printed; log:\n{}", log_text())),
            log,
        };
        served.wait_healthy().await;
        served
    }

    /// Waits until `/healthz` answers 200.
    pub async fn wait_healthy(&self) {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let url = format!("{}/healthz", self.api_base);
        let healthy = async {
            while !matches!(http.get(&url).send().await, Ok(r) if r.status().is_success()) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        if tokio::time::timeout(START_UP, healthy).await.is_err() {
            panic!("{url} never answered 200");
        }
    }

    /// The process id (for `/proc/PID/...`).
    pub fn pid(&self) -> u32 {
        self.child.id().expect("a running process")
    }

    /// `kill -9`, and waits until the process is gone.
    pub async fn kill9(mut self) {
        self.child.start_kill().expect("SIGKILL is sent");
        self.child.wait().await.expect("the killed process is reaped");
    }
}
