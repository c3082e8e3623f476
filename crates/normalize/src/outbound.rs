//! The statuses of a message sent through smsgate (`/v1/outbound`): the
//! provider vocabulary of [`Status`] plus the two states before any
//! provider has the message, and the outcome of each submission attempt.

use serde::{Deserialize, Serialize};

use crate::Status;

/// An outbound message's status (lower case on the wire): `queued` while
/// smsgate holds it, `failed` when no provider of its route took it, and
/// once a provider accepted it, that provider message's [`Status`], which
/// never moves back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutboundStatus {
    /// Stored; no provider has accepted it yet (rank 5).
    Queued,
    /// No provider of the route accepted it; `error` says why (failure family).
    Failed,
    Unknown,
    Accepted,
    Sent,
    Buffered,
    Delivered,
    Read,
    Undelivered,
    Expired,
    Rejected,
    Cancelled,
}

impl OutboundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundStatus::Queued => "queued",
            OutboundStatus::Failed => "failed",
            OutboundStatus::Unknown => Status::Unknown.as_str(),
            OutboundStatus::Accepted => Status::Accepted.as_str(),
            OutboundStatus::Sent => Status::Sent.as_str(),
            OutboundStatus::Buffered => Status::Buffered.as_str(),
            OutboundStatus::Delivered => Status::Delivered.as_str(),
            OutboundStatus::Read => Status::Read.as_str(),
            OutboundStatus::Undelivered => Status::Undelivered.as_str(),
            OutboundStatus::Expired => Status::Expired.as_str(),
            OutboundStatus::Rejected => Status::Rejected.as_str(),
            OutboundStatus::Cancelled => Status::Cancelled.as_str(),
        }
    }
}

impl From<Status> for OutboundStatus {
    fn from(status: Status) -> OutboundStatus {
        match status {
            Status::Unknown => OutboundStatus::Unknown,
            Status::Accepted => OutboundStatus::Accepted,
            Status::Sent => OutboundStatus::Sent,
            Status::Buffered => OutboundStatus::Buffered,
            Status::Delivered => OutboundStatus::Delivered,
            Status::Read => OutboundStatus::Read,
            Status::Undelivered => OutboundStatus::Undelivered,
            Status::Expired => OutboundStatus::Expired,
            Status::Rejected => OutboundStatus::Rejected,
            Status::Cancelled => OutboundStatus::Cancelled,
        }
    }
}

impl std::fmt::Display for OutboundStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one submission to a provider came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    /// The provider took the message.
    Accepted,
    /// The provider certainly did not take it (refused, unreachable, 5xx).
    Failed,
    /// The request may have reached the provider and been taken (a timeout
    /// or a connection lost after sending, or a submission still in flight).
    Uncertain,
}

impl AttemptOutcome {
    pub const ALL: [AttemptOutcome; 3] = [
        AttemptOutcome::Accepted,
        AttemptOutcome::Failed,
        AttemptOutcome::Uncertain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Accepted => "accepted",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Uncertain => "uncertain",
        }
    }

    pub fn parse(text: &str) -> Option<AttemptOutcome> {
        AttemptOutcome::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_status_keeps_its_wire_name() {
        for status in Status::ALL {
            let outbound = OutboundStatus::from(status);
            assert_eq!(outbound.as_str(), status.as_str());
            assert_eq!(
                serde_json::to_value(outbound).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(serde_json::to_value(OutboundStatus::Queued).unwrap(), "queued");
        for outcome in AttemptOutcome::ALL {
            assert_eq!(AttemptOutcome::parse(outcome.as_str()), Some(outcome));
        }
    }
}
