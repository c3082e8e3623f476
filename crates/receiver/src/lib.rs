//! The receiver: one dropshot server (or two, when the query API gets its own
//! address) implementing [`smsgate_receiver_api::ReceiverApi`].
//!
//! A callback goes through the same steps whatever its provider
//! (`ingest`): is this route served here, is the secret right
//! ([`secrets`]), does the size fit (`body`), all before a byte of the body
//! is read; then parse ([`smsgate_callbacks`]), commit raw request and events
//! in one transaction ([`smsgate_store`]), and only then acknowledge. A store
//! that cannot commit gets the provider a 503 with `Retry-After`, never a 2xx.
//! [`metrics`] counts every outcome.
//!
//! `/v1/outbound` (`outbound`) stores messages to send in the same store,
//! through the same group commit, and wakes the dispatcher
//! (`smsgate-dispatch`), which `smsgate serve` runs beside the receiver.
//!
//! The operators' console (`/ui/`, on the query API's listener) is served
//! here too (`console` guards it with sessions and CSRF tokens,
//! `console_pages` reads the store for each page) and rendered by
//! `smsgate-console`; its replay button and `smsgate quarantine replay`
//! share [`quarantine::replay`].
//! `/v1/exports` (`exports`) shows the exports (`smsgate-export`) that
//! `smsgate serve` runs, their dead letters, and queues replays.
//!
//! [`start_noop`] serves the same routes storing nothing: the baseline of
//! the ingest benchmark.

mod body;
mod console;
mod console_pages;
mod context;
mod exports;
mod http_entrypoints;
mod ingest;
pub mod metrics;
mod noop;
mod outbound;
pub mod quarantine;
pub mod secrets;
mod server;

pub use noop::start_noop;
pub use secrets::Secrets;
pub use server::{Config, Running, StartError, start};
pub use smsgate_dispatch::Sending;
pub use smsgate_export::Exports;
pub use smsgate_http_server::TlsFiles;
