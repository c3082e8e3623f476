//! The status vocabulary (a contract) and its precedence.
//!
//! A message's current status never moves backwards. Precedence is a total
//! order on (status, provider time), expressed as one sortable key so that a
//! store can apply it in a single compare-and-set statement and the final
//! state is the maximum over the events received, whatever their order:
//!
//! - higher rank wins; every terminal status outranks every non-terminal one,
//!   so a late `sent` never replaces `delivered`, and `read` > `delivered` >
//!   the failure family;
//! - within the failure family (undelivered, expired, rejected, cancelled,
//!   all rank 80) the later provider time wins; an event without a time loses
//!   to one with a time; equal (or both missing) times are broken by the fixed
//!   order `rejected` < `undelivered` < `expired` < `cancelled`.
//!
//! A message's `status_at` is then the earliest provider time among the
//! events carrying its current status, again independent of arrival order.

use serde::{Deserialize, Serialize};

/// The normalized status of an outbound message (lower case on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
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

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Unknown,
        Status::Accepted,
        Status::Sent,
        Status::Buffered,
        Status::Delivered,
        Status::Read,
        Status::Undelivered,
        Status::Expired,
        Status::Rejected,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Accepted => "accepted",
            Status::Sent => "sent",
            Status::Buffered => "buffered",
            Status::Delivered => "delivered",
            Status::Read => "read",
            Status::Undelivered => "undelivered",
            Status::Expired => "expired",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The rank (a contract): unknown 0, accepted 10, sent 30, buffered 40,
    /// failure family 80, delivered 90, read 100. Every terminal status
    /// ranks 80 or more, so no non-terminal status can replace one.
    pub fn rank(self) -> u8 {
        match self {
            Status::Unknown => 0,
            Status::Accepted => 10,
            Status::Sent => 30,
            Status::Buffered => 40,
            Status::Undelivered | Status::Expired | Status::Rejected | Status::Cancelled => 80,
            Status::Delivered => 90,
            Status::Read => 100,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.rank() >= 80
    }

    pub fn is_failure(self) -> bool {
        self.rank() == 80
    }

    /// The fixed order that breaks ties within the failure family.
    fn failure_order(self) -> u8 {
        match self {
            Status::Rejected => 1,
            Status::Undelivered => 2,
            Status::Expired => 3,
            Status::Cancelled => 4,
            _ => 0,
        }
    }

    /// A key whose byte order is the precedence order: an event's status
    /// replaces the current one exactly when its key is greater. Distinct
    /// statuses never share a key (for the same provider time).
    ///
    /// Format: `RRR:TTTTTTTTTTTTTTTTTTTT:O`, rank, then (failures only) the
    /// provider time in milliseconds offset to be non-negative, then the
    /// failure order. Written digit by digit: every stored status event
    /// computes one, and `format!` of a padded `u128` cost ten times as much.
    pub fn precedence_key(self, occurred_at: Option<i64>) -> String {
        let time = match (self.is_failure(), occurred_at) {
            // Offset so that negative times still sort below positive ones,
            // and any time sorts above "no time" (0).
            (true, Some(ms)) => (ms as i128 - i64::MIN as i128 + 1) as u128,
            _ => 0,
        };
        let mut key = String::with_capacity(PRECEDENCE_KEY_LEN);
        push_padded(&mut key, self.rank().into(), 3);
        key.push(':');
        push_padded(&mut key, time, 20);
        key.push(':');
        push_padded(&mut key, self.failure_order().into(), 1);
        key
    }
}

/// The length of every precedence key: `RRR:` + 20 digits + `:O`.
const PRECEDENCE_KEY_LEN: usize = 3 + 1 + 20 + 1 + 1;

/// Appends `value` in decimal, zero-padded to at least `width` digits.
fn push_padded(key: &mut String, value: u128, width: usize) {
    let mut digits = [b'0'; 39];
    let mut start = digits.len();
    let mut rest = value;
    while rest > 0 {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let start = start.min(digits.len() - width);
    key.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    fn time() -> impl Strategy<Value = Option<i64>> {
        proptest::option::of(-5i64..5).prop_map(|t| t.map(|t| 1_700_000_000_000 + t))
    }

    #[test]
    fn the_documented_orders_hold() {
        let key = |s: Status, t: Option<i64>| s.precedence_key(t);
        assert!(key(Status::Read, None) > key(Status::Delivered, Some(9)));
        assert!(key(Status::Delivered, None) > key(Status::Undelivered, Some(i64::MAX)));
        assert!(key(Status::Undelivered, Some(1)) > key(Status::Sent, None));
        assert!(key(Status::Expired, Some(2)) > key(Status::Undelivered, Some(1)));
        assert!(key(Status::Rejected, Some(2)) > key(Status::Cancelled, Some(1)));
        assert!(key(Status::Rejected, Some(-1)) > key(Status::Cancelled, None));
        assert!(key(Status::Cancelled, Some(1)) > key(Status::Rejected, Some(1)));
        assert!(key(Status::Buffered, None) > key(Status::Sent, None));
        assert!(key(Status::Accepted, None) > key(Status::Unknown, None));
    }

    proptest! {
        /// A non-terminal status never replaces a terminal one.
        #[test]
        fn terminal_statuses_are_never_replaced_by_non_terminal(
            a in status(), ta in time(), b in status(), tb in time()
        ) {
            if a.is_terminal() && !b.is_terminal() {
                prop_assert!(a.precedence_key(ta) > b.precedence_key(tb));
            }
        }

        /// The key order is total and tells distinct statuses apart.
        #[test]
        fn distinct_statuses_never_share_a_key(a in status(), ta in time(), b in status(), tb in time()) {
            if a != b {
                prop_assert_ne!(a.precedence_key(ta), b.precedence_key(tb));
            }
        }
    }

    #[test]
    fn keys_are_the_documented_format() {
        let formatted = |s: Status, t: Option<i64>| {
            let time = match (s.is_failure(), t) {
                (true, Some(ms)) => (ms as i128 - i64::MIN as i128 + 1) as u128,
                _ => 0,
            };
            format!("{:03}:{:020}:{}", s.rank(), time, s.failure_order())
        };
        for status in Status::ALL {
            for time in [
                None,
                Some(i64::MIN),
                Some(-1),
                Some(0),
                Some(1_700_000_000_000),
                Some(i64::MAX),
            ] {
                let key = status.precedence_key(time);
                assert_eq!(key, formatted(status, time));
                assert_eq!(key.len(), PRECEDENCE_KEY_LEN);
            }
        }
        assert_eq!(Status::Cancelled.precedence_key(Some(0)), "080:09223372036854775809:4");
        assert_eq!(Status::Read.precedence_key(None), "100:00000000000000000000:0");
    }

    #[test]
    fn vocabulary_round_trips_through_its_wire_names() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
    }
}
