//! Line plots as SVG, drawn on the server: the page carries the picture
//! itself, so it needs no script, no plotting library and nothing fetched
//! from elsewhere, and it prints and scales like the text around it.
//!
//! A plot has a time axis (the buckets' starts, UTC) and a value axis from
//! zero to a round maximum, one polyline per series broken where a bucket
//! has no value, and a point per value whose hover title says the figure.
//! Each point also carries its series, bucket start and value as `data-`
//! attributes, and each plot has a figures table beside it on the page:
//! what the picture shows can be read exactly, by people and by tests.

use chrono::DateTime;
use maud::{Markup, html};

/// One line of a plot: a value (or none) per bucket start.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Its name in the legend and the titles, e.g. `p50`; also its CSS
    /// class, which gives its colour.
    pub name: &'a str,
    pub points: Vec<(i64, Option<f64>)>,
}

/// How the value axis reads.
#[derive(Debug, Clone, Copy)]
pub struct ValueAxis {
    /// The largest value the axis must show; it is rounded up.
    pub max: f64,
    /// A value as its tick label and title say it.
    pub label: fn(f64) -> String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 32.0;
const TICKS: usize = 4;

/// `1, 2, 2.5, 5 x 10^n`: the smallest such value at least `max` (1 for
/// nothing to show).
pub fn round_up(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|&candidate| candidate >= max)
        .unwrap_or(10.0 * magnitude)
}

/// A time axis label: `HH:MM` within two days, else `MM-DD HH:MM` (UTC).
fn time_label(ms: i64, span: i64) -> String {
    let format = if span <= 2 * 86_400_000 { "%H:%M" } else { "%m-%d %H:%M" };
    DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| t.format(format).to_string())
}

/// A plot of `series` over `[since, until)`; `label` names it for
/// assistive technology (`id` is the plot's element id).
pub fn plot(id: &str, label: &str, since: i64, until: i64, axis: ValueAxis, series: &[Series<'_>]) -> Markup {
    let span = (until - since).max(1);
    let y_max = round_up(axis.max);
    let x = |ms: i64| LEFT + (ms - since) as f64 / span as f64 * (WIDTH - LEFT - RIGHT);
    let y = |value: f64| TOP + (1.0 - value / y_max) * (HEIGHT - TOP - BOTTOM);
    let value_ticks: Vec<f64> = (0..=TICKS).map(|i| y_max * i as f64 / TICKS as f64).collect();
    let time_ticks: Vec<i64> = (0..=5).map(|i| since + span * i / 5).collect();
    let title_id = format!("{id}-title");
    html! {
        svg id=(id) viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby=(title_id) xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { (label) }
            @for value in &value_ticks {
                line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y(*value)) y2=(y(*value)) {}
                text x=(LEFT - 6.0) y=(y(*value) + 4.0) text-anchor="end" { ((axis.label)(*value)) }
            }
            @for (index, at) in time_ticks.iter().enumerate() {
                text x=(x(*at)) y=(HEIGHT - 10.0)
                    text-anchor=(match index { 0 => "start", 5 => "end", _ => "middle" }) { (time_label(*at, span)) }
            }
            text x=(WIDTH - RIGHT) y=(HEIGHT - 0.5) text-anchor="end" { "UTC" }
            line.axis x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(HEIGHT - BOTTOM) {}
            line.axis x1=(LEFT) x2=(WIDTH - RIGHT) y1=(HEIGHT - BOTTOM) y2=(HEIGHT - BOTTOM) {}
            @for line in series {
                @for run in runs(&line.points) {
                    @if run.len() > 1 {
                        polyline class=(line.name) points=(polyline_points(&run, &x, &y)) {}
                    }
                }
                @for (at, value) in line.points.iter().filter_map(|(at, v)| Some((*at, (*v)?))) {
                    circle class=(line.name) cx=(x(at)) cy=(y(value)) r="3.5"
                        data-series=(line.name) data-start=(at) data-value=(value) {
                        title { (line.name) " from " (time_label(at, span)) " UTC: " ((axis.label)(value)) }
                    }
                }
            }
        }
        ul.legend aria-hidden="true" {
            @for line in series { li { span class={ "swatch " (line.name) } {} (line.name) } }
        }
    }
}

/// The stretches of consecutive buckets that have a value.
fn runs(points: &[(i64, Option<f64>)]) -> Vec<Vec<(i64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (at, value) in points {
        match value {
            Some(value) => runs.last_mut().expect("one run at least").push((*at, *value)),
            None if runs.last().is_some_and(|run| !run.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

fn polyline_points(run: &[(i64, f64)], x: &impl Fn(i64) -> f64, y: &impl Fn(f64) -> f64) -> String {
    run.iter()
        .map(|(at, value)| format!("{:.1},{:.1}", x(*at), y(*value)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(value: f64) -> String {
        format!("{value} ms")
    }

    #[test]
    fn axes_round_up_to_readable_maxima() {
        assert_eq!(round_up(3_999.0), 5_000.0);
        assert_eq!(round_up(4_100.0), 5_000.0);
        assert_eq!(round_up(1_000.0), 1_000.0);
        assert_eq!(round_up(180.0), 200.0);
        assert_eq!(round_up(0.0), 1.0);
    }

    #[test]
    fn points_carry_their_figures_and_lines_break_at_empty_buckets() {
        let series = [Series {
            name: "p50",
            points: vec![
                (0, Some(4_000.0)),
                (60_000, Some(3_000.0)),
                (120_000, None),
                (180_000, Some(2_000.0)),
            ],
        }];
        let axis = ValueAxis {
            max: 4_000.0,
            label: ms,
        };
        let svg = plot("delays", "Delays <x>", 0, 240_000, axis, &series).into_string();
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<polyline").count(), 1, "the lone last point draws no line");
        assert!(
            svg.contains(r#"data-series="p50" data-start="60000" data-value="3000""#),
            "{svg}"
        );
        assert!(svg.contains("p50 from 00:01 UTC: 3000 ms"));
        assert!(svg.contains("Delays &lt;x&gt;"));
        assert!(svg.contains(">5000 ms</text>"), "the axis reaches the rounded maximum");
    }
}
