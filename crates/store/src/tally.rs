//! A statistics window gathered in memory from its messages one by one,
//! SQLite's way: counts by provider, bucket and status, and every delay
//! kept (8 bytes a delivered message) to take the exact nearest-rank
//! percentiles, the figures PostgreSQL's `percentile_disc` gives. The
//! result is the rows PostgreSQL's two statements return, so that one
//! function (`search_sql::delivery_stats`) assembles the statistics of
//! both backends.
//!
//! Why not in SQL: SQLite has no ordered-set aggregate, and ranking with
//! window functions took 4 s for a million messages, where one read of
//! the window and these sorts take 0.36 s.

use std::collections::HashMap;

use smsgate_normalize::{Provider, Status};

use crate::search_sql::{LatencyRow, PERCENTILES, StatusCount, WindowMessage};

/// A window's counts and delays as its messages are added.
#[derive(Debug, Default)]
pub(crate) struct WindowTally {
    counts: HashMap<(Provider, i64, Status), i64>,
    delays: HashMap<(Provider, i64), Vec<i64>>,
}

impl WindowTally {
    pub(crate) fn add(&mut self, message: WindowMessage) {
        *self
            .counts
            .entry((message.provider, message.bucket, message.status))
            .or_default() += 1;
        if let Some(delay) = message.delay {
            self.delays
                .entry((message.provider, message.bucket))
                .or_default()
                .push(delay);
        }
    }

    /// The counts, and the percentiles of each provider's delays per
    /// bucket and over the whole window (bucket `None`).
    pub(crate) fn rows(self) -> (Vec<StatusCount>, Vec<LatencyRow>) {
        let counts = self
            .counts
            .into_iter()
            .map(|((provider, bucket, status), count)| StatusCount {
                provider,
                bucket,
                status,
                count,
            })
            .collect();
        let mut whole: HashMap<Provider, Vec<i64>> = HashMap::new();
        let mut latencies = Vec::new();
        for ((provider, bucket), mut delays) in self.delays {
            whole.entry(provider).or_default().extend_from_slice(&delays);
            latencies.push(latency_row(provider, Some(bucket), &mut delays));
        }
        for (provider, mut delays) in whole {
            latencies.push(latency_row(provider, None, &mut delays));
        }
        (counts, latencies)
    }
}

fn latency_row(provider: Provider, bucket: Option<i64>, delays: &mut [i64]) -> LatencyRow {
    delays.sort_unstable();
    LatencyRow {
        provider,
        bucket,
        n: delays.len() as i64,
        percentiles: PERCENTILES.map(|p| nearest_rank(delays, p)),
    }
}

/// The `p`th percentile of `sorted`, nearest rank: the value at position
/// `ceil(n * p / 100)` (1-based); none of no values.
fn nearest_rank(sorted: &[i64], p: i64) -> Option<i64> {
    let rank = (sorted.len() as i64 * p + 99) / 100;
    let index = usize::try_from(rank - 1).ok()?;
    sorted.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_first_value_whose_position_reaches_the_fraction() {
        let hundred: Vec<i64> = (1..=100).collect();
        assert_eq!(
            PERCENTILES.map(|p| nearest_rank(&hundred, p)),
            [Some(50), Some(90), Some(99)]
        );
        let three = [10, 20, 30];
        // ceil(3 * 0.5) = 2, ceil(3 * 0.9) = 3, ceil(3 * 0.99) = 3.
        assert_eq!(
            PERCENTILES.map(|p| nearest_rank(&three, p)),
            [Some(20), Some(30), Some(30)]
        );
        assert_eq!(nearest_rank(&[7], 50), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
    }

    #[test]
    fn each_bucket_and_the_whole_window_get_their_own_percentiles() {
        let mut tally = WindowTally::default();
        let message = |bucket, status, delay| WindowMessage {
            provider: Provider::Clearline,
            bucket,
            status,
            delay,
        };
        for delay in [3, 1, 2] {
            tally.add(message(0, Status::Delivered, Some(delay)));
        }
        tally.add(message(1, Status::Delivered, Some(100)));
        tally.add(message(1, Status::Sent, None));
        let (mut counts, mut latencies) = tally.rows();
        counts.sort_by_key(|c| (c.bucket, c.status.as_str()));
        let counts: Vec<_> = counts.iter().map(|c| (c.bucket, c.status, c.count)).collect();
        assert_eq!(
            counts,
            [
                (0, Status::Delivered, 3),
                (1, Status::Delivered, 1),
                (1, Status::Sent, 1)
            ]
        );
        latencies.sort_by_key(|l| l.bucket);
        let latencies: Vec<_> = latencies.iter().map(|l| (l.bucket, l.n, l.percentiles)).collect();
        assert_eq!(
            latencies,
            [
                (None, 4, [Some(2), Some(100), Some(100)]),
                (Some(0), 3, [Some(2), Some(3), Some(3)]),
                (Some(1), 1, [Some(100), Some(100), Some(100)]),
            ]
        );
    }
}
