//! What the test suites share, in one place instead of one copy per suite.
//!
//! A crate (not a `tests/support` module) because the suites live in
//! different packages: the store's, the receiver's, the simulator's, the
//! CLI's, the send library's and the contract tests. It is only ever used by
//! tests. Without features it depends on none of smsgate's own crates, so
//! that the store can use it without linking the layers above it; what it
//! knows about smsgate it knows from the outside (HTTP, the printed start-up
//! banner, SQL). The `receiver` feature adds the in-process receiver, for the
//! suites above the receiver.
//!
//! | module | what |
//! |---|---|
//! | [`secrets`] | the callback secret and API token every test receiver gets |
//! | [`process`] | a child process: stdout line by line, stderr whole, bounded waits, killed on drop |
//! | [`console`] | the console over HTTP: signing in through its form, reading a page |
//! | [`serve`] | `smsgate serve` as a child process: started, its banner read, waited for, killed with SIGKILL |
//! | [`simulator`] | `smsgate simulate` as a child process, one per provider a test plays, and its control endpoints |
//! | `receiver` | (feature `receiver`) a receiver in the test's process, on a fresh SQLite file, and HTTP helpers |
//! | [`provider_peer`] | a local HTTP server playing a provider's send API |
//! | [`proxy`] | a TCP proxy that drops every connection on demand (a database going away) |
//! | [`relay`] | a TCP relay to an address set later, forwarding or dropping the answers |
//! | [`postgres`] | the test server's URL (or a "skipped" line), and a schema of its own per test |
//! | [`load`] | unique callbacks over several providers' routes, and a ledger of what was acknowledged |

pub mod console;
pub mod load;
pub mod postgres;
pub mod process;
pub mod provider_peer;
pub mod proxy;
#[cfg(feature = "receiver")]
pub mod receiver;
pub mod relay;
pub mod secrets;
pub mod serve;
pub mod simulator;
