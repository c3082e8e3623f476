//! `smsgate send` as a library: the CLI is a thin layer of flags and output
//! over it, and tests drive it directly against a local peer playing the
//! provider.
//!
//! Its shape follows what can go wrong between us and a provider:
//! - [`gateway`] is the only place that speaks a provider's API, through
//!   the generated clients (so the key goes where the spec says and never
//!   shows), and turns every answer into an outcome per message or a
//!   failure that says whether trying again is safe and whether the
//!   provider may have accepted the message anyway;
//! - [`retry`] and [`pace`] decide when a request goes;
//! - [`rows`] and [`results`] make a CSV run resumable: every row has a key
//!   that survives edits to other rows, and the results file records each
//!   row before and after its request, on disk, so a re-run never sends an
//!   accepted row again (and holds back one that may have been);
//! - [`sender`] puts them together and records accepted messages in the
//!   store, so a message's timeline starts at its submission.

pub mod gateway;
pub mod message;
pub mod pace;
pub mod results;
pub mod retry;
pub mod route;
pub mod rows;
pub mod sender;

pub use gateway::{Failure, Gateway, GatewayConfig, Outcome};
pub use message::Outgoing;
pub use route::Route;
pub use sender::{Progress, SendError, Sender, Sent, Summary};
