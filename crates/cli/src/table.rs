//! Plain text tables for people (`--json` is for programs).

/// Renders `rows` under `header`, each column as wide as its widest cell.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(rows.iter().map(|row| line(row.iter().map(String::as_str).collect())));
    out.join("\n")
}

/// A time as UTC ISO 8601 for people; `-` when absent.
pub fn time(millis: Option<i64>) -> String {
    millis
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(|| "-".into(), |t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// A duration in ms for people: `850ms`, `12.4s`, `3m 05s`, `2h 10m`.
pub fn duration(millis: i64) -> String {
    match millis {
        ..1_000 => format!("{millis}ms"),
        1_000..60_000 => format!("{:.1}s", millis as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m {:02}s", millis / 60_000, millis % 60_000 / 1000),
        _ => format!("{}h {:02}m", millis / 3_600_000, millis % 3_600_000 / 60_000),
    }
}

/// An optional text for a table cell.
pub fn cell(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let rows = vec![
            vec!["a".to_string(), "long value".to_string()],
            vec!["bbb".into(), "x".into()],
        ];
        assert_eq!(render(&["K", "V"], &rows), "K    V\na    long value\nbbb  x");
    }

    #[test]
    fn formats_utc_times() {
        assert_eq!(time(Some(1_699_131_420_000)), "2023-11-04T20:57:00.000Z");
        assert_eq!(time(Some(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(time(None), "-");
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(12_400), "12.4s");
        assert_eq!(duration(185_000), "3m 05s");
        assert_eq!(duration(7_800_000), "2h 10m");
    }
}
