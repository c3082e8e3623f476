//! Prism (`@stoplight/prism-cli`) as a validating mock of one spec: `prism
//! mock --errors` answers a request the spec forbids with a 4xx problem
//! naming each violation (instead of mocking a success), and reports lesser
//! violations in the `sl-violations` response header and in its log.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long Prism may take to start on a busy machine.
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// A running `prism mock`, stopped on drop.
pub struct Prism {
    child: Child,
    base_url: String,
    log: tempfile::NamedTempFile,
}

impl Prism {
    /// Starts `prism mock --errors` on `spec` at a free port and waits until it listens.
    pub async fn start(prism: &Path, spec: &Path) -> Prism {
        let port = crate::tools::free_port();
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let child = Command::new(prism)
            .args(["mock", "--errors", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(spec)
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("the log file"))
            .stderr(log.reopen().expect("the log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", prism.display()));
        let mut prism = Prism {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
        };
        prism.wait_until_listening().await;
        prism
    }

    async fn wait_until_listening(&mut self) {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if self.log().contains("Prism is listening") {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("the Prism process") {
                panic!("Prism exited ({status}) before listening:\n{}", self.log());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "Prism did not listen within {START_TIMEOUT:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Everything Prism has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // It may have exited already; then there is nothing to stop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
