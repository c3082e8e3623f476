//! A child process as a test drives it: stdout read line by line as it
//! comes (a follower, a start-up banner), stderr gathered whole, every wait
//! bounded, and the process killed when the guard drops, so that a broken
//! binary fails a test instead of hanging it.
//!
//! Blocking, on `std::process` and two reader threads: the CLI's tests are
//! plain `#[test]`s, and an async test uses it from `spawn_blocking` (see
//! [`crate::serve::Served::start_async`]). The reader threads keep both
//! pipes drained, so the child never blocks on a full pipe.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long one step (a line, an HTTP answer) may take.
pub const STEP: Duration = Duration::from_secs(15);
/// How long a command may take to exit.
pub const EXIT: Duration = Duration::from_secs(30);

/// A running child process, SIGKILLed when dropped.
pub struct ChildProcess {
    child: Child,
    stdout: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<JoinHandle<()>>,
}

impl ChildProcess {
    /// Starts `command` with stdout and stderr piped to this guard.
    pub fn spawn(mut command: Command) -> ChildProcess {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("{:?} starts: {err}", command.get_program()));
        let out = child.stdout.take().expect("piped stdout");
        let mut err = child.stderr.take().expect("piped stderr");
        let (line_tx, stdout) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let gathered = stderr.clone();
        let stderr_reader = thread::spawn(move || {
            let mut chunk = [0; 8192];
            while let Ok(read @ 1..) = err.read(&mut chunk) {
                gathered
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..read]));
            }
        });
        ChildProcess {
            child,
            stdout,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// The next stdout line, or `None` once stdout is closed; panics when
    /// nothing comes within `timeout`.
    pub fn line(&self, timeout: Duration) -> Option<String> {
        match self.stdout.recv_timeout(timeout) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("the process printed no line within {timeout:?}"),
        }
    }

    /// The next stdout line if one comes within `timeout`.
    pub fn maybe_line(&self, timeout: Duration) -> Option<String> {
        self.stdout.recv_timeout(timeout).ok()
    }

    /// Waits for the process to exit by itself; kills it and panics after
    /// `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!("the process did not exit within {timeout:?}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL (`kill -9`: no shutdown, no flush), and waits until the
    /// process is gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Ctrl-C (SIGINT), then the exit status.
    pub fn interrupt(&mut self) -> ExitStatus {
        self.signal("INT");
        self.wait(EXIT)
    }

    /// Sends the signal named `name` (`TERM`, `HUP`, ...), as `kill -NAME` does.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{name} failed");
    }

    /// The process id (for `/proc/PID/...`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr_so_far(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The stdout lines not read yet and all of stderr; call once the
    /// process has exited (or been killed).
    pub fn rest(&mut self) -> (Vec<String>, String) {
        let mut lines = Vec::new();
        while let Some(line) = self.line(STEP) {
            lines.push(line);
        }
        if let Some(reader) = self.stderr_reader.take() {
            let deadline = Instant::now() + STEP;
            while !reader.is_finished() {
                assert!(Instant::now() < deadline, "stderr closes once the process exits");
                thread::sleep(Duration::from_millis(10));
            }
            reader.join().expect("the stderr reader ends");
        }
        (lines, self.stderr_so_far())
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
