//! How values are written on the pages: times as `<time>` elements (UTC in
//! the text, which the embedded script rewrites into the browser's time
//! zone, keeping UTC in the hover title), delays in the unit that reads
//! best, statuses as labelled badges, and the links between pages, their
//! query strings percent-encoded.

use chrono::{DateTime, NaiveDateTime};
use maud::{Markup, html};

/// `2026-12-05T21:33:15.123Z`, or `None` outside chrono's range.
pub fn iso(ms: i64) -> Option<String> {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// A time as a `<time>` element: the text is UTC until the script shows it
/// in the browser's zone; the title keeps UTC.
pub fn time(ms: Option<i64>) -> Markup {
    match ms.and_then(|ms| Some((ms, DateTime::from_timestamp_millis(ms)?))) {
        Some((ms, at)) => {
            let utc = at.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string();
            html! { time datetime=(iso(ms).unwrap_or_default()) title=(utc) { (utc) } }
        }
        None => html! { span.none { "—" } },
    }
}

/// A delay in milliseconds: `850 ms`, `4.012 s`, `3 min 05 s`, `2 h 01 min`.
pub fn delay(ms: i64) -> String {
    let sign = if ms < 0 { "−" } else { "" };
    let ms = ms.unsigned_abs();
    let text = match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{}.{:03} s", ms / 1000, ms % 1000),
        60_000..3_600_000 => format!("{} min {:02} s", ms / 60_000, ms / 1000 % 60),
        _ => format!("{} h {:02} min", ms / 3_600_000, ms / 60_000 % 60),
    };
    format!("{sign}{text}")
}

/// `later - earlier` as a [`delay`], when both are known.
pub fn delay_between(earlier: Option<i64>, later: Option<i64>) -> Markup {
    match (earlier, later) {
        (Some(earlier), Some(later)) => html! { span.delay { (delay(later - earlier)) } },
        _ => html! { span.none { "—" } },
    }
}

/// A status as a badge whose class says its family (the text says it too,
/// so colour is never the only cue).
pub fn status(name: &str) -> Markup {
    let family = match name {
        "delivered" | "read" => "good",
        "undelivered" | "expired" | "rejected" | "cancelled" | "failed" => "bad",
        "unknown" | "uncertain" => "unsure",
        _ => "pending",
    };
    badge(family, name)
}

/// A badge of `family` (`good`, `bad`, `unsure`, `pending`) saying `text`.
pub fn badge(family: &str, text: &str) -> Markup {
    html! { span class={ "status " (family) } { (text) } }
}

/// An optional text, or a dash.
pub fn text(value: Option<&str>) -> Markup {
    match value {
        Some(value) if !value.is_empty() => html! { (value) },
        _ => html! { span.none { "—" } },
    }
}

/// `path?key=value&...`, the values percent-encoded, empty ones left out.
pub fn link<'a>(path: &str, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (key, value) in params {
        if !value.is_empty() {
            query.append_pair(key, value);
            any = true;
        }
    }
    if any {
        format!("{path}?{}", query.finish())
    } else {
        path.to_string()
    }
}

/// A provider message's page.
pub fn message_link(provider: &str, message_id: &str) -> String {
    link("/ui/message", [("provider", provider), ("id", message_id)])
}

/// An outbound message's page.
pub fn outbound_link(id: &str) -> String {
    link("/ui/outbound", [("id", id)])
}

/// A `datetime-local` form value (`2026-12-05T21:33`, seconds optional)
/// as milliseconds since the epoch, read in the browser's zone:
/// `offset_minutes` is what JavaScript's `getTimezoneOffset()` reports
/// there (minutes behind UTC: -120 for UTC+2), 0 for UTC.
pub fn parse_local_time(value: &str, offset_minutes: i64) -> Option<i64> {
    let value = value.trim();
    let parsed = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    Some(parsed.and_utc().timestamp_millis() + offset_minutes * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_in_the_text_and_the_attribute() {
        let markup = time(Some(1_700_000_000_123)).into_string();
        assert_eq!(
            markup,
            r#"<time datetime="2023-11-14T22:13:20.123Z" title="2023-11-14 22:13:20.123 UTC">2023-11-14 22:13:20.123 UTC</time>"#
        );
        assert!(time(None).into_string().contains('—'));
    }

    #[test]
    fn delays_read_in_their_unit() {
        assert_eq!(delay(850), "850 ms");
        assert_eq!(delay(4_012), "4.012 s");
        assert_eq!(delay(185_000), "3 min 05 s");
        assert_eq!(delay(7_260_000), "2 h 01 min");
        assert_eq!(delay(-1_500), "−1.500 s");
    }

    #[test]
    fn links_encode_their_values() {
        assert_eq!(
            message_link("clickatell", "a/b c&d"),
            "/ui/message?provider=clickatell&id=a%2Fb+c%26d"
        );
        assert_eq!(link("/ui/messages", [("to", ""), ("status", "")]), "/ui/messages");
    }

    #[test]
    fn local_times_are_read_in_the_browsers_zone() {
        let utc = parse_local_time("2023-11-14T22:13", 0).unwrap();
        assert_eq!(utc, 1_699_999_980_000);
        // UTC+2 reports -120: 22:13 there is 20:13 UTC.
        assert_eq!(parse_local_time("2023-11-14T22:13", -120), Some(utc - 2 * 3_600_000));
        assert_eq!(parse_local_time("2023-11-14T22:13:20", 0), Some(utc + 20_000));
        assert_eq!(parse_local_time("yesterday", 0), None);
    }
}
