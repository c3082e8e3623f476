//! Times and durations as people type them on the command line, read into
//! the query API's milliseconds: one module, so that `messages list` and
//! `stats` accept the same spellings and refuse the rest with the same
//! words.

use anyhow::bail;

/// The spellings a time flag takes, for error messages.
const TIME_EXPECTED: &str = "expected an RFC 3339 time (2026-12-05T10:00:00Z), a date (2026-12-05, midnight UTC), \
     milliseconds since the epoch (1796400000000), or a duration back from now (90s, 30m, 24h, 7d)";

/// The spellings a duration flag takes, for error messages.
const DURATION_EXPECTED: &str = "expected a duration (90s, 30m, 1h, 7d) or a number of milliseconds";

/// The present, ms since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}

/// `text` (the value of flag `flag`) as ms since the epoch, `now` being
/// the present for a duration back from it.
pub fn time(flag: &str, text: &str, now: i64) -> anyhow::Result<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return millis(flag, text, TIME_EXPECTED);
    }
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp_millis());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_millis());
    }
    match unit_duration(text) {
        Some(ago) => Ok(now - ago),
        None => bail!("bad {flag} `{text}`: {TIME_EXPECTED}"),
    }
}

/// `text` (the value of flag `flag`) as a positive number of ms.
pub fn duration(flag: &str, text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let ms = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        millis(flag, text, DURATION_EXPECTED)?
    } else {
        match unit_duration(text) {
            Some(ms) => ms,
            None => bail!("bad {flag} `{text}`: {DURATION_EXPECTED}"),
        }
    };
    if ms == 0 {
        bail!("bad {flag} `{text}`: it must be longer than 0");
    }
    Ok(ms)
}

fn millis(flag: &str, text: &str, expected: &str) -> anyhow::Result<i64> {
    text.parse()
        .map_err(|_| anyhow::anyhow!("bad {flag} `{text}`: too large; {expected}"))
}

/// `90s`, `30m`, `24h`, `7d` in ms; `None` for anything else.
fn unit_duration(text: &str) -> Option<i64> {
    let unit = match text.chars().last()? {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    let count = &text[..text.len() - 1];
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    count.parse::<i64>().ok()?.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_400_000_000;

    #[test]
    fn times_in_every_spelling() {
        assert_eq!(time("--since", "2023-11-04T20:57:00Z", NOW).unwrap(), 1_699_131_420_000);
        assert_eq!(
            time("--since", "2023-11-04T22:57:00+02:00", NOW).unwrap(),
            1_699_131_420_000
        );
        assert_eq!(time("--since", "1970-01-02", NOW).unwrap(), 86_400_000);
        assert_eq!(time("--since", "1699131420000", NOW).unwrap(), 1_699_131_420_000);
        assert_eq!(time("--since", "90s", NOW).unwrap(), NOW - 90_000);
        assert_eq!(time("--since", "7d", NOW).unwrap(), NOW - 7 * 86_400_000);
        for bad in ["yesterday", "", "-5", "5w", "h", "2023-13-01", "1.5"] {
            let error = time("--since", bad, NOW).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("bad --since `{bad}`: expected an RFC 3339 time")),
                "{error}"
            );
        }
    }

    #[test]
    fn durations_in_every_spelling() {
        assert_eq!(duration("--bucket", "5m").unwrap(), 300_000);
        assert_eq!(duration("--bucket", "1500").unwrap(), 1_500);
        assert!(
            duration("--bucket", "0s")
                .unwrap_err()
                .to_string()
                .contains("longer than 0")
        );
        assert!(
            duration("--bucket", "an hour")
                .unwrap_err()
                .to_string()
                .contains("expected a duration")
        );
    }
}
