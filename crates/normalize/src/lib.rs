//! Where provider statuses become one vocabulary.
//!
//! Every provider reports delivery in its own words (SMPP `stat` codes,
//! Clickatell's two code tables, ClearLine's two fields). This crate owns the
//! one vocabulary smsgate speaks ([`Status`], a contract), the order in which
//! statuses may replace each other ([`Status::precedence_key`]), the mapping
//! from each provider's words ([`mapping`]), the statuses of messages sent
//! through smsgate ([`outbound`]), how many parts a text takes
//! ([`segments`]), which inbound texts opt out ([`opt_out`]), the shape of what the receiver
//! stores ([`event`]) and of what the query API serves ([`views`]). It is
//! pure: no I/O, so the rules are property-tested here and every store
//! implements the same precedence.

pub mod event;
pub mod mapping;
pub mod opt_out;
pub mod outbound;
pub mod segments;
pub mod status;
pub mod views;

pub use event::{InboundMessage, InboundType, Provider, StatusEvent};
pub use outbound::{AttemptOutcome, OutboundStatus};
pub use status::Status;
