//! What a message search and a statistics window are: the inputs of
//! [`Store::search_messages`] and [`Store::delivery_stats`], checked here
//! so that the HTTP API and the command line refuse the same mistakes with
//! the same words. How the backends answer them is in `search_sql.rs`.
//!
//! [`Store::search_messages`]: crate::Store::search_messages
//! [`Store::delivery_stats`]: crate::Store::delivery_stats

use smsgate_normalize::{Provider, Status};

/// What `GET /v1/messages` searches for: every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSearch {
    /// The provider's message id.
    pub id: Option<String>,
    /// smsgate's outbound id (`ob_...`): the provider messages that carried
    /// it, linked by an attempt or by the id the provider sent back.
    pub outbound_id: Option<String>,
    /// The recipient, with or without its leading `+`.
    pub to: Option<String>,
    pub provider: Option<Provider>,
    /// The current status.
    pub status: Option<Status>,
    /// `first_seen_at` at or after this (ms since the epoch).
    pub since: Option<i64>,
    /// `first_seen_at` before this.
    pub until: Option<i64>,
    /// A `next_cursor` of an earlier page.
    pub after: Option<String>,
    /// Page size.
    pub limit: usize,
}

/// The window of `GET /v1/stats/delivery`, checked: `since < until`, and
/// at most [`DeliveryWindow::MAX_BUCKETS`] buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryWindow {
    since: i64,
    until: i64,
    bucket: i64,
    provider: Option<Provider>,
}

/// Why a window was refused; says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadWindow(String);

impl DeliveryWindow {
    pub const MAX_BUCKETS: i64 = 1000;
    /// The window when `since` is not given: the day before `until`.
    pub const DEFAULT_SPAN: i64 = 24 * HOUR;
    /// Bucket lengths chosen by default: the shortest that makes at most
    /// [`DeliveryWindow::DEFAULT_BUCKETS`] buckets.
    const ROUND_BUCKETS: [i64; 8] = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, 7 * DAY, 30 * DAY];
    pub const DEFAULT_BUCKETS: i64 = 60;
    /// The last millisecond of the year 9999: the latest time a window takes.
    pub const LAST_TIME: i64 = 253_402_300_799_999;

    /// The window `[since, until)` in buckets of `bucket` ms. Defaults:
    /// `until` now, `since` a day before `until`, `bucket` the shortest of
    /// 1 min, 5 min, 15 min, 1 h, 6 h, 1 day, 7 days, 30 days that makes at
    /// most 60 buckets.
    pub fn new(
        since: Option<i64>,
        until: Option<i64>,
        bucket: Option<i64>,
        provider: Option<Provider>,
        now: i64,
    ) -> Result<DeliveryWindow, BadWindow> {
        let until = until.unwrap_or(now);
        let since = since.unwrap_or(until.saturating_sub(Self::DEFAULT_SPAN));
        for (name, time) in [("since", since), ("until", until)] {
            if !(0..=Self::LAST_TIME).contains(&time) {
                return Err(BadWindow(format!(
                    "{name} must be a time in ms since the epoch from 0 to {} (year 9999), got {time}",
                    Self::LAST_TIME
                )));
            }
        }
        if since >= until {
            return Err(BadWindow(format!(
                "since ({since}) must be before until ({until}): both in ms since the epoch"
            )));
        }
        let span = until - since;
        let bucket = match bucket {
            Some(bucket) if bucket <= 0 => {
                return Err(BadWindow(format!(
                    "bucket must be a positive number of ms, got {bucket}"
                )));
            }
            Some(bucket) => bucket,
            None => Self::ROUND_BUCKETS
                .into_iter()
                .find(|&b| buckets_in(span, b) <= Self::DEFAULT_BUCKETS)
                .unwrap_or_else(|| buckets_in(span, Self::DEFAULT_BUCKETS)),
        };
        let buckets = buckets_in(span, bucket);
        if buckets > Self::MAX_BUCKETS {
            return Err(BadWindow(format!(
                "a window of {span} ms in buckets of {bucket} ms makes {buckets} buckets, at most {} are \
                 allowed: choose a longer bucket or a shorter window",
                Self::MAX_BUCKETS
            )));
        }
        Ok(DeliveryWindow {
            since,
            until,
            bucket,
            provider,
        })
    }

    pub fn since(&self) -> i64 {
        self.since
    }

    pub fn until(&self) -> i64 {
        self.until
    }

    pub fn bucket(&self) -> i64 {
        self.bucket
    }

    pub fn provider(&self) -> Option<Provider> {
        self.provider
    }

    /// How many buckets the window has (the last one may be cut short).
    pub fn buckets(&self) -> i64 {
        buckets_in(self.until - self.since, self.bucket)
    }
}

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// `ceil(span / bucket)`, both positive.
fn buckets_in(span: i64, bucket: i64) -> i64 {
    (span - 1) / bucket + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_checked_and_given_round_buckets() {
        let now = 10 * DAY;
        let day = DeliveryWindow::new(None, None, None, None, now).unwrap();
        assert_eq!((day.since(), day.until(), day.bucket()), (9 * DAY, 10 * DAY, HOUR));
        let week = DeliveryWindow::new(Some(3 * DAY), None, None, None, now).unwrap();
        assert_eq!(week.bucket(), 6 * HOUR);
        assert_eq!(
            DeliveryWindow::new(Some(0), Some(10), Some(3), None, now)
                .unwrap()
                .buckets(),
            4
        );
        let refused = |since, until, bucket| {
            DeliveryWindow::new(since, until, bucket, None, now)
                .unwrap_err()
                .to_string()
        };
        assert!(refused(Some(5), Some(5), None).contains("must be before until"));
        assert!(refused(Some(0), Some(10), Some(0)).contains("positive number of ms"));
        assert!(refused(Some(0), Some(DAY), Some(1000)).contains("86400 buckets, at most 1000"));
        assert!(refused(Some(-1), None, None).contains("since must be a time"));
        assert!(refused(None, Some(i64::MAX), None).contains("until must be a time"));
    }
}
