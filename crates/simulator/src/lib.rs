//! The provider simulator: a local stand-in for Clickatell's and ClearLine's
//! send APIs, for development and for contract tests, implementing
//! [`smsgate_simulator_api::SimulatorApi`] in one dropshot server.
//!
//! A send request goes through the steps a provider takes: the API key,
//! checked where the provider takes it (`keys`); the request, validated
//! against the effective spec with an independent JSON-Schema validator
//! ([`spec`]), so that a client drifting from the document is refused with
//! the validator's words in the provider's own error shape; then the
//! provider's answer, and the message's status callbacks to the receiver
//! (`playback`), sent with the generated callback-role clients and
//! retried with backoff like the providers do ([`delivery`]).
//!
//! Every random choice comes from one seeded generator ([`plan`]), so the
//! hostile knobs (duplicates, reordering, delays, transient send failures)
//! replay exactly under the same `--seed`. The `ledger` shows what was
//! accepted and where each callback is (`GET /simulator/messages`);
//! [`inbound`] builds what the control endpoint sends on demand.

mod context;
pub mod delivery;
mod http_entrypoints;
pub mod inbound;
mod keys;
mod ledger;
mod outage;
pub mod plan;
mod playback;
mod server;
pub mod spec;

pub use delivery::RetryPolicy;
pub use plan::Knobs;
pub use server::{Config, Running, StartError, start};
