//! Providers: per provider, over a chosen window, the delivery rate and the
//! delay from submission to delivery (p50, p90, p99) plotted over time, the
//! status mix, and the figures per bucket as a table; above them the
//! configured providers with this replica's circuit breakers, when sending
//! is configured. The figures are the store's delivery statistics, the
//! same as `GET /v1/stats/delivery` answers.

use maud::{Markup, html};
use smsgate_normalize::views::{DeliveryFigures, DeliveryStats, ProviderDelivery, ProvidersPage, Status, StatusCounts};

use crate::format::{badge, delay, status, time};
use crate::layout::{Chrome, Section, page};
use crate::plot::{Series, ValueAxis, plot};

/// The windows the page offers: (form value, label, length in ms).
pub const WINDOWS: [(&str, &str, i64); 6] = [
    ("15m", "last 15 minutes", 15 * 60_000),
    ("1h", "last hour", 3_600_000),
    ("6h", "last 6 hours", 6 * 3_600_000),
    ("24h", "last 24 hours", 24 * 3_600_000),
    ("7d", "last 7 days", 7 * 24 * 3_600_000),
    ("30d", "last 30 days", 30 * 24 * 3_600_000),
];
/// The window shown when none is chosen.
pub const DEFAULT_WINDOW: &str = "24h";

/// The length of window `key` (one of [`WINDOWS`]).
pub fn window_length(key: &str) -> Option<i64> {
    WINDOWS.iter().find(|(k, _, _)| *k == key).map(|(_, _, ms)| *ms)
}

/// How many messages of `counts` have `status`.
pub fn count(counts: &StatusCounts, status: Status) -> u64 {
    match status {
        Status::Unknown => counts.unknown,
        Status::Accepted => counts.accepted,
        Status::Sent => counts.sent,
        Status::Buffered => counts.buffered,
        Status::Delivered => counts.delivered,
        Status::Read => counts.read,
        Status::Undelivered => counts.undelivered,
        Status::Expired => counts.expired,
        Status::Rejected => counts.rejected,
        Status::Cancelled => counts.cancelled,
    }
}

fn percent(rate: f64) -> String {
    format!("{:.1} %", rate * 100.0)
}

fn optional_delay(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".into(), delay)
}

/// `window`: the chosen [`WINDOWS`] key; `configured`: the providers of
/// the sending configuration with their breakers, if sending is on.
pub fn providers(csrf: &str, window: &str, stats: &DeliveryStats, configured: Option<&ProvidersPage>) -> Markup {
    let chrome = Chrome {
        csrf,
        section: Some(Section::Providers),
    };
    page(
        "Providers",
        Some(chrome),
        html! {
            form.search method="get" action="/ui/providers" {
                label { "Window"
                    select name="window" {
                        @for (key, label, _) in WINDOWS {
                            option value=(key) selected[key == window] { (label) }
                        }
                    }
                }
                button.primary type="submit" { "Show" }
            }
            p.muted {
                "From " (time(Some(stats.since))) " to " (time(Some(stats.until))) ", in buckets of " (delay(stats.bucket))
                ". A message counts in the bucket of when smsgate first heard of it, under its current status; "
                "its delay runs from its submission to its delivery."
            }
            @if let Some(configured) = configured {
                h2 { "Configured providers" }
                div.scroll { table #breakers {
                    thead { tr { th scope="col" { "Name" } th scope="col" { "API" } th scope="col" { "Circuit breaker (this replica)" } } }
                    tbody { @for provider in &configured.providers {
                        tr data-name=(provider.name) data-breaker=(provider.breaker.as_str()) {
                            td { (provider.name) } td { (provider.api) }
                            td { (badge(match provider.breaker.as_str() { "closed" => "good", "open" => "bad", _ => "unsure" }, provider.breaker.as_str())) }
                        }
                    } }
                } }
            }
            @for provider in &stats.providers {
                (provider_section(provider, stats))
            }
        },
    )
}

fn provider_section(delivery: &ProviderDelivery, stats: &DeliveryStats) -> Markup {
    let name = delivery.provider.as_str();
    let total = &delivery.total;
    let latency = |pick: fn(&DeliveryFigures) -> Option<i64>| -> Vec<(i64, Option<f64>)> {
        delivery
            .buckets
            .iter()
            .map(|b| (b.start, pick(&b.figures).map(|ms| ms as f64)))
            .collect()
    };
    let delays = [
        Series {
            name: "p50",
            points: latency(|f| f.latency.p50),
        },
        Series {
            name: "p90",
            points: latency(|f| f.latency.p90),
        },
        Series {
            name: "p99",
            points: latency(|f| f.latency.p99),
        },
    ];
    let rate = [Series {
        name: "rate",
        points: delivery
            .buckets
            .iter()
            .map(|b| (b.start, b.figures.delivery_rate))
            .collect(),
    }];
    let slowest = delivery
        .buckets
        .iter()
        .filter_map(|b| b.figures.latency.p99)
        .max()
        .unwrap_or(0);
    html! {
        section.provider id={ "provider-" (name) } data-provider=(name) aria-labelledby={ "h-" (name) } {
            h2 id={ "h-" (name) } { (name) }
            @if total.messages == 0 {
                p.muted { "No message in this window." }
            } @else {
                dl.facts.totals data-messages=(total.messages)
                    data-p50=[total.latency.p50] data-p90=[total.latency.p90] data-p99=[total.latency.p99]
                    data-rate=[total.delivery_rate] {
                    dt { "Messages" } dd { (total.messages) }
                    dt { "Delivery rate" } dd { (total.delivery_rate.map_or_else(|| "— (none finished)".into(), percent)) }
                    dt { "Delay to delivery" } dd {
                        "p50 " (optional_delay(total.latency.p50)) ", p90 " (optional_delay(total.latency.p90))
                        ", p99 " (optional_delay(total.latency.p99)) " (" (total.latency.count) " delivered)"
                    }
                }
                figure.plot {
                    (plot(&format!("delays-{name}"), &format!("{name}: delay from submission to delivery, p50, p90 and p99 per bucket"),
                        stats.since, stats.until, ValueAxis { max: slowest as f64, label: |ms| delay(ms as i64) }, &delays))
                    figcaption { "Delay from submission to delivery per bucket (p50, p90, p99)." }
                }
                figure.plot {
                    (plot(&format!("rate-{name}"), &format!("{name}: delivery rate per bucket"),
                        stats.since, stats.until, ValueAxis { max: 1.0, label: percent }, &rate))
                    figcaption { "Delivered over finished messages per bucket." }
                }
                h3 { "Status mix" }
                div.scroll { table.mix {
                    thead { tr { th scope="col" { "Status" } th scope="col" class="num" { "Messages" } th scope="col" class="num" { "Share" } } }
                    tbody { @for s in Status::ALL {
                        @let n = count(&total.statuses, s);
                        @if n > 0 {
                            tr data-status=(s.as_str()) data-count=(n) {
                                td { (status(s.as_str())) } td.num { (n) } td.num { (percent(n as f64 / total.messages as f64)) }
                            }
                        }
                    } }
                } }
                details {
                    summary { "Figures per bucket" }
                    div.scroll { table.buckets {
                        thead { tr {
                            th scope="col" { "From" } th scope="col" class="num" { "Messages" } th scope="col" class="num" { "Delivery rate" }
                            th scope="col" class="num" { "p50" } th scope="col" class="num" { "p90" } th scope="col" class="num" { "p99" }
                        } }
                        tbody { @for bucket in delivery.buckets.iter().filter(|b| b.figures.messages > 0) {
                            tr data-start=(bucket.start) data-messages=(bucket.figures.messages) data-p50=[bucket.figures.latency.p50] {
                                td { (time(Some(bucket.start))) }
                                td.num { (bucket.figures.messages) }
                                td.num { (bucket.figures.delivery_rate.map_or_else(|| "—".into(), percent)) }
                                td.num { (optional_delay(bucket.figures.latency.p50)) }
                                td.num { (optional_delay(bucket.figures.latency.p90)) }
                                td.num { (optional_delay(bucket.figures.latency.p99)) }
                            }
                        } }
                    } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsgate_normalize::views::{DeliveryBucket, LatencyPercentiles, Provider};

    fn figures(delivered: u64, undelivered: u64, p50: Option<i64>) -> DeliveryFigures {
        let mut statuses = StatusCounts::default();
        statuses.add(Status::Delivered, delivered);
        statuses.add(Status::Undelivered, undelivered);
        DeliveryFigures {
            messages: statuses.total(),
            delivery_rate: statuses.delivery_rate(),
            statuses,
            latency: LatencyPercentiles {
                count: delivered,
                p50,
                p90: p50,
                p99: p50,
            },
        }
    }

    #[test]
    fn each_provider_gets_its_totals_plots_and_status_mix() {
        let stats = DeliveryStats {
            since: 0,
            until: 180_000,
            bucket: 60_000,
            providers: vec![
                ProviderDelivery {
                    provider: Provider::Clickatell,
                    total: figures(3, 1, Some(4_000)),
                    buckets: vec![
                        DeliveryBucket {
                            start: 0,
                            figures: figures(2, 1, Some(3_900)),
                        },
                        DeliveryBucket {
                            start: 60_000,
                            figures: figures(0, 0, None),
                        },
                        DeliveryBucket {
                            start: 120_000,
                            figures: figures(1, 0, Some(4_000)),
                        },
                    ],
                },
                ProviderDelivery {
                    provider: Provider::Smarthive,
                    total: figures(0, 0, None),
                    buckets: vec![],
                },
            ],
        };
        let html = providers("t", "15m", &stats, None).into_string();
        assert!(
            html.contains(r#"data-messages="4" data-p50="4000" data-p90="4000" data-p99="4000" data-rate="0.75""#),
            "{html}"
        );
        assert!(html.contains(r#"data-series="p50" data-start="120000" data-value="4000""#));
        assert_eq!(
            html.matches(r#"data-series="rate""#).count(),
            2,
            "no rate where nothing finished"
        );
        assert!(html.contains(r#"data-status="undelivered" data-count="1""#));
        assert!(html.contains("No message in this window."));
        assert!(html.contains(r#"<option value="15m" selected>"#));
        assert_eq!(window_length("1h"), Some(3_600_000));
        assert_eq!(window_length("2h"), None);
    }
}
