//! Catching a panic without the default panic report on stderr, safely when
//! several threads do it at once.
//!
//! The panic hook is process-wide. Swapping it around each call (take the
//! hook, install a silent one, put the old one back) races: two overlapping
//! calls can put back each other's silent hook and leave it installed, and
//! every later panic anywhere in the process goes unreported. So the hook is
//! replaced once, by one that stays silent only on a thread that is inside
//! [`catch_unwind_quietly`] (a thread-local flag) and hands every other panic
//! to the hook that was installed before it.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`catch_unwind_quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs the flag-consulting hook over whatever hook is installed now;
/// once per process.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // `try_with`: a panic while the thread's locals are torn down
            // is reported, not lost.
            if !QUIET.try_with(Cell::get).unwrap_or(false) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its message without printing the panic
/// report (the caller reports the error itself). Panics on other threads,
/// meanwhile or later, are reported as usual.
///
/// Public so that the test for concurrent callers can run in a process of
/// its own (`tests/quiet_panics.rs`), where it controls the hook installed
/// first.
pub fn catch_unwind_quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    let was_quiet = QUIET.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.set(was_quiet);
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked without a message".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_message() {
        assert_eq!(
            catch_unwind_quietly(|| -> u8 { panic!("not yet implemented: x") }),
            Err("not yet implemented: x".into())
        );
        assert_eq!(catch_unwind_quietly(|| 7), Ok(7));
    }

    #[test]
    fn calls_nest() {
        let inner = catch_unwind_quietly(|| catch_unwind_quietly(|| -> u8 { panic!("inner") }));
        assert_eq!(inner, Ok(Err("inner".into())));
        assert!(!QUIET.with(Cell::get), "the flag is cleared afterwards");
    }
}
