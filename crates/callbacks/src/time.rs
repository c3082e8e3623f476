//! Provider times to milliseconds since the epoch (UTC).

use chrono::{DateTime, NaiveDateTime};

/// Clickatell's string timestamps: milliseconds, or ISO 8601 / RFC 3339.
pub(crate) fn millis_or_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse::<i64>().ok().or_else(|| iso8601(text))
}

/// ISO 8601 / RFC 3339; without an offset, read as UTC.
fn iso8601(text: &str) -> Option<i64> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|time| time.and_utc().timestamp_millis())
}

/// SmartHive's `YYYYMMDDhhmm` (with seconds too if sent), read as UTC; ISO
/// 8601 is accepted as well.
pub(crate) fn smarthive(text: &str) -> Option<i64> {
    let text = text.trim();
    let with_seconds = match text.len() {
        12 if text.bytes().all(|b| b.is_ascii_digit()) => format!("{text}00"),
        14 if text.bytes().all(|b| b.is_ascii_digit()) => text.to_string(),
        _ => return iso8601(text),
    };
    NaiveDateTime::parse_from_str(&with_seconds, "%Y%m%d%H%M%S")
        .ok()
        .map(|time| time.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_documented_form() {
        assert_eq!(millis_or_iso8601("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(millis_or_iso8601("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123));
        assert_eq!(millis_or_iso8601("2023-11-14T22:13:20+00:00"), Some(1_700_000_000_000));
        assert_eq!(millis_or_iso8601("2023-11-14 22:13:20"), Some(1_700_000_000_000));
        assert_eq!(millis_or_iso8601("yesterday"), None);
        // The SmartHive example: 2023-11-04 20:57 UTC.
        assert_eq!(smarthive("202311042057"), Some(1_699_131_420_000));
        assert_eq!(smarthive("20231104205701"), Some(1_699_131_421_000));
        assert_eq!(smarthive("2023110420"), None);
    }
}
