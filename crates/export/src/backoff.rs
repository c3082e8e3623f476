//! The wait before retry `n` of a delivery: the schedule's `n`th wait (its
//! last one past its end), with "equal jitter" (a random point in its upper
//! half), so that the retries of many events, or of many replicas, do not
//! all hit a recovering receiver at the same instant.

use std::time::Duration;

/// The wait after failed attempt `failed` (1 for the first) on `schedule`.
pub fn delay(schedule: &[Duration], failed: usize) -> Duration {
    let Some(last) = schedule.last() else {
        return Duration::ZERO;
    };
    let base = schedule.get(failed.saturating_sub(1)).unwrap_or(last);
    let half = *base / 2;
    let millis = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    let jitter = if millis == 0 {
        0
    } else {
        getrandom::u64().unwrap_or(0) % (millis + 1)
    };
    half + Duration::from_millis(jitter) + (*base - half * 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_in_the_upper_half_and_the_last_repeats() {
        let schedule = [Duration::from_millis(100), Duration::from_millis(1_000)];
        for _ in 0..200 {
            let first = delay(&schedule, 1);
            assert!((50..=100).contains(&first.as_millis()), "{first:?}");
            for failed in [2, 3, 10] {
                let later = delay(&schedule, failed);
                assert!((500..=1_000).contains(&later.as_millis()), "{later:?}");
            }
        }
        assert_eq!(delay(&[], 1), Duration::ZERO);
    }
}
