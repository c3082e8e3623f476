//! What the test suites share, in one place instead of one copy per suite.
//!
//! A crate (not a `tests/support` module) because the suites live in
//! different packages: the store's, the receiver's and the CLI's. It is only
//! ever a dev-dependency and depends on none of smsgate's own crates, so that
//! the store can use it without a dependency cycle; what it knows about
//! smsgate it knows from the outside (HTTP, the printed start-up banner, SQL).
//!
//! | module | what |
//! |---|---|
//! | [`proxy`] | a TCP proxy that drops every connection on demand (a database going away) |
//! | [`postgres`] | the test server's URL (or a "skipped" line), and a schema of its own per test |
//! | [`serve`] | `smsgate serve` as a child process: started, waited for, killed with SIGKILL |
//! | [`load`] | unique callbacks over several providers' routes, and a ledger of what was acknowledged |

pub mod load;
pub mod postgres;
pub mod proxy;
pub mod serve;
