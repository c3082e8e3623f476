//! Where messages sent through smsgate (`POST /v1/outbound`) are routed and
//! dispatched.
//!
//! Its shape follows the life of such a message:
//! - [`config`]: the `[providers.NAME]` and `[[routes]]` of the
//!   configuration, checked at start-up (each mistake names its line);
//! - [`intake`]: what the API checks before storing a message (E.164, text,
//!   route by name or longest prefix, idempotency key) and what it stores
//!   (id, segments, request digest, `rejected` for a text too long);
//! - [`breaker`]: a circuit breaker per provider, so that routes skip a
//!   provider that is down;
//! - [`pace`]: each provider's `rate` in segments per second, shared by
//!   the replicas, and pauses after a 429;
//! - [`decide`]: the sending rules, as pure functions of a provider's
//!   answer: retry, fail over, reject, or hold an uncertain submission;
//! - [`dispatcher`]: the loop inside `smsgate serve` that claims due
//!   messages from the store's outbox and submits them through the
//!   provider gateways of `smsgate-send`, recording each step first;
//! - `reroute`: following the event feed to send a message once more
//!   when its delivery failed (a route's `reroute_on`);
//! - `sending`: what the dispatcher and the receiver's API share.
//!
//! The HTTP side (the routes, the 202 after the commit) is the receiver's;
//! the storage (the outbox tables, claims, how a message's status follows
//! its provider messages) is the store's.

pub mod breaker;
mod clock;
pub mod config;
pub mod decide;
pub mod dispatcher;
pub mod intake;
pub mod pace;
mod reroute;
mod sending;

pub use config::{ConfigError, OnUncertain, ProviderConfig, RouteConfig, SendingConfig};
pub use dispatcher::{DispatchOptions, Dispatcher, OUTBOUND_PARAM};
pub use intake::{BadRequest, MAX_SEGMENTS, OPTED_OUT, new_id};
pub use sending::Sending;
