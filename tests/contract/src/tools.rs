//! External tools (Prism, schemathesis) are found through environment
//! variables that `.ci/run` sets; without one, a test says how to set it
//! and passes, so `cargo test --workspace` works on a bare machine.

use std::net::TcpListener;
use std::path::PathBuf;

/// The executable `var` names, or `None` after printing how to set it.
///
/// Panics when `var` is set but names no file: a CI misconfiguration must
/// not turn into a silent skip.
pub fn tool(var: &str, what: &str) -> Option<PathBuf> {
    let Some(path) = std::env::var_os(var) else {
        println!(
            "skipped: set {var} to the path of {what} to run this test (.ci/run does; see the README's Contract tests)"
        );
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{var}={} is not a file: expected the path of {what}",
        path.display()
    );
    Some(path)
}

/// A TCP port on 127.0.0.1 that was free a moment ago, for a child process
/// that must be told its port.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    listener.local_addr().expect("the listener's address").port()
}
