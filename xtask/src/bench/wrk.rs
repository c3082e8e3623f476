//! What a wrk run reports: its output (throughput, latency percentiles,
//! socket errors) and the counts the benchmark's script prints at the end,
//! read into one [`Run`].

use super::cpu::Sample;

/// What one wrk run measured.
#[derive(Debug, Default)]
pub struct Run {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub peak_rss_kib: u64,
    /// CPU time the server used while wrk ran, in all and by thread.
    pub cpu: Sample,
    /// Writes per group-commit batch (the receiver only).
    pub mean_batch: Option<f64>,
    /// 200 responses, counted by the script.
    pub acknowledged: u64,
    /// Any other response.
    pub other: u64,
    /// Requests that repeated an earlier one.
    pub repeats: u64,
    pub socket_errors: String,
}

impl Run {
    /// The server's CPU time per acknowledged request, in microseconds.
    pub fn cpu_us_per_request(&self) -> f64 {
        self.us_per_request(self.cpu.process.total())
    }

    /// `seconds` of CPU (a thread's, say) per acknowledged request, in
    /// microseconds.
    pub fn us_per_request(&self, seconds: f64) -> f64 {
        seconds * 1e6 / self.acknowledged.max(1) as f64
    }
}

/// A wrk duration (`812.00us`, `1.25ms`, `2.01s`) in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// A run's numbers from wrk's output (with `--latency`) and the script's
/// counts; `None` if one of them is missing.
pub fn parse_wrk(text: &str) -> Option<Run> {
    let mut run = Run::default();
    let mut seen = (false, false, false, false);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => {
                run.p50_ms = millis(value)?;
                seen.0 = true;
            }
            ["99%", value] => {
                run.p99_ms = millis(value)?;
                seen.1 = true;
            }
            ["Requests/sec:", value] => {
                run.requests_per_second = value.parse().ok()?;
                seen.2 = true;
            }
            ["bench-acknowledged", value] => {
                run.acknowledged = value.parse().ok()?;
                seen.3 = true;
            }
            ["bench-other", value] => run.other = value.parse().ok()?,
            ["bench-repeats", value] => run.repeats = value.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => run.socket_errors = rest.join(" "),
            _ => {}
        }
    }
    (seen == (true, true, true, true)).then_some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 1s test @ http://127.0.0.1:1\n  Latency Distribution\n     50%  812.00us\n     \
                    75%    1.00ms\n     99%    2.50ms\n  Socket errors: connect 0, read 1, write 0, timeout 0\n\
                    Requests/sec:  12345.67\nbench-acknowledged 1000\nbench-other 2\nbench-repeats 200\n";
        let run = parse_wrk(text).unwrap();
        assert!((run.p50_ms - 0.812).abs() < 1e-9);
        assert!((run.p99_ms - 2.5).abs() < 1e-9);
        assert!((run.requests_per_second - 12345.67).abs() < 1e-9);
        assert_eq!((run.acknowledged, run.other, run.repeats), (1000, 2, 200));
        assert_eq!(run.socket_errors, "connect 0, read 1, write 0, timeout 0");
        assert_eq!(millis("1.5s"), Some(1500.0));
    }
}
