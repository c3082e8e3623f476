//! `catch_unwind_quietly` called from several threads at once must not leave
//! a silent panic hook behind. This is its own test binary, one test in its
//! own process, because it installs the process's first panic hook (a
//! counting one) and then counts every panic report: other tests panicking
//! in the same process would disturb the count.

use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use smsgate_codegen::catch_unwind_quietly;

static REPORTED: AtomicUsize = AtomicUsize::new(0);

#[test]
fn overlapping_quiet_calls_leave_later_panics_reported() {
    panic::set_hook(Box::new(|_| {
        REPORTED.fetch_add(1, Ordering::SeqCst);
    }));

    // Calls enter one after another and leave in the same order, each still
    // inside when the next one starts: the order in which hook swapping
    // around each call puts its silent hook back last.
    const CALLS: usize = 4;
    let (entered_tx, entered_rx) = mpsc::channel();
    let mut calls = Vec::new();
    for i in 0..CALLS {
        let (leave_tx, leave_rx) = mpsc::channel::<()>();
        let entered = entered_tx.clone();
        let call = thread::spawn(move || -> Result<(), String> {
            catch_unwind_quietly(|| {
                entered.send(i).unwrap();
                leave_rx.recv().unwrap();
                panic!("quiet {i}");
            })
        });
        assert_eq!(entered_rx.recv().unwrap(), i);
        calls.push((leave_tx, call));
    }
    for (i, (leave, call)) in calls.into_iter().enumerate() {
        leave.send(()).unwrap();
        assert_eq!(call.join().unwrap(), Err(format!("quiet {i}")));
    }
    assert_eq!(REPORTED.load(Ordering::SeqCst), 0, "quiet panics are not reported");

    // Other threads' panics are reported: one while a quiet call is in
    // progress, and one after all have finished.
    let (leave_tx, leave_rx) = mpsc::channel::<()>();
    let quiet = thread::spawn(move || {
        catch_unwind_quietly(|| {
            entered_tx.send(CALLS).unwrap();
            leave_rx.recv().unwrap()
        })
    });
    assert_eq!(entered_rx.recv().unwrap(), CALLS);
    assert!(thread::spawn(|| panic!("loud, meanwhile")).join().is_err());
    leave_tx.send(()).unwrap();
    assert_eq!(quiet.join().unwrap(), Ok(()));
    assert_eq!(
        REPORTED.load(Ordering::SeqCst),
        1,
        "a panic meanwhile reaches the original hook"
    );

    assert!(thread::spawn(|| panic!("loud, later")).join().is_err());
    assert_eq!(
        REPORTED.load(Ordering::SeqCst),
        2,
        "a later panic reaches the original hook"
    );
}
