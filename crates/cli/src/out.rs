//! Command output on stdout. When its reader stops early (`smsgate events
//! tail | head`), the pipe closes: a reading command then ends quietly with
//! success, as Unix tools do, where `println!` would panic. `send` instead
//! keeps sending (its messages are what was asked for) and drops the lines
//! no one reads.

use std::fmt;
use std::io::{ErrorKind, Write};

/// What a closed stdout does to the command.
#[derive(Debug, Clone, Copy)]
pub(crate) enum WhenClosed {
    /// End the process with success: nothing more is wanted.
    Exit,
    /// Go on without output.
    Drop,
}

/// Writes one line of output.
pub(crate) fn line(args: fmt::Arguments<'_>, when_closed: WhenClosed) {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{args}") {
        Ok(()) => {}
        Err(error) if error.kind() == ErrorKind::BrokenPipe => match when_closed {
            WhenClosed::Exit => std::process::exit(0),
            WhenClosed::Drop => {}
        },
        Err(error) => {
            eprintln!("error: cannot write the output: {error}");
            std::process::exit(1);
        }
    }
}

/// `println!` for a reading command's output (see the module docs).
macro_rules! outln {
    () => {
        $crate::out::line(format_args!(""), $crate::out::WhenClosed::Exit)
    };
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*), $crate::out::WhenClosed::Exit)
    };
}
pub(crate) use outln;
