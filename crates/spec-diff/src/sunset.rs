//! Sunset dates (`x-sunset`, as oasdiff reads them: `2025-12-31` or an
//! RFC 3339 date-time, whose date is taken) and the day they are judged
//! against.
//!
//! The diff itself never reads the clock: "today" is an input
//! ([`crate::diff_documents_as_of`]), so a report is reproducible; only the
//! convenience entry points ask [`Date::today`]. A calendar date is all
//! that is needed, so this small type stands in for a date-time crate.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date; ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// A valid date, or `None`.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            1..=12 => 31,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(Date { year, month, day })
    }

    /// `YYYY-MM-DD`, or an RFC 3339 date-time (`YYYY-MM-DDThh:mm:ssZ`).
    pub fn parse(text: &str) -> Option<Date> {
        let (date, time) = text.split_at_checked(10)?;
        if !(time.is_empty() || time.starts_with(['T', 't']) && time.len() > 1) {
            return None;
        }
        let mut parts = date.split('-');
        let mut next = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
        };
        let (year, month, day) = (next(4)?, next(2)?, next(2)?);
        Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Date::from_days(i64::try_from(seconds / 86_400).unwrap_or(0))
    }

    /// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: month as u8,
            day: day as u8,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_oasdiff_reads_them() {
        assert_eq!(Date::parse("2025-12-31"), Date::new(2025, 12, 31));
        assert_eq!(Date::parse("2025-12-31T23:00:00+01:00"), Date::new(2025, 12, 31));
        for bad in [
            "soon",
            "2025-02-30",
            "2025-13-01",
            "2025-1-01",
            "2025-12-31 ",
            "2025-12-31T",
            "20251231",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(Date::parse("2024-02-29"), Date::new(2024, 2, 29));
        assert_eq!(Date::parse("1900-02-29"), None);
    }

    #[test]
    fn days_since_the_epoch_are_calendar_dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_days(20_454).to_string(), "2026-01-01");
        assert!(Date::today() > Date::new(2025, 1, 1).unwrap());
    }
}
