//! `smsgate stats`: delivery per provider over a window, from the store or
//! a running receiver: a table of the window's totals, then each provider's
//! buckets that hold messages (the query API's JSON with `--json`).

use smsgate_receiver_api::views::{DeliveryFigures, DeliveryStats};
use smsgate_store::DeliveryWindow;

use crate::messages::provider;
use crate::out::outln;
use crate::settings::File;
use crate::source::SourceArgs;
use crate::{table, when};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Start of the window (messages by when smsgate first saw them): 2026-12-05T10:00:00Z, 2026-12-05, ms since
    /// the epoch, or back from now (30m, 24h, 7d) [default: a day before --until]
    #[arg(long)]
    since: Option<String>,
    /// End of the window, exclusive (the same spellings) [default: now]
    #[arg(long)]
    until: Option<String>,
    /// Length of a bucket: 5m, 1h, 1d, or ms; at most 1000 buckets [default: the shortest of 1m, 5m, 15m, 1h, 6h,
    /// 1d, 7d, 30d making at most 60]
    #[arg(long)]
    bucket: Option<String>,
    /// One provider only: clickatell, smarthive or clearline.
    #[arg(long)]
    provider: Option<String>,
    /// Print the query API's JSON instead of tables.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    source: SourceArgs,
}

pub async fn run(args: Args, file: &File) -> anyhow::Result<()> {
    let now = when::now();
    let window = DeliveryWindow::new(
        args.since.map(|t| when::time("--since", &t, now)).transpose()?,
        args.until.map(|t| when::time("--until", &t, now)).transpose()?,
        args.bucket.map(|b| when::duration("--bucket", &b)).transpose()?,
        args.provider.as_deref().map(provider).transpose()?,
        now,
    )?;
    let stats = args.source.open(file).await?.delivery_stats(window).await?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        print_stats(&stats);
    }
    Ok(())
}

const HEADER: [&str; 9] = [
    "",
    "MESSAGES",
    "DELIVERED",
    "FAILED",
    "PENDING",
    "RATE",
    "P50",
    "P90",
    "P99",
];

/// A row of figures after its first cell.
fn row(first: String, f: &DeliveryFigures) -> Vec<String> {
    let s = &f.statuses;
    let failed = s.undelivered + s.expired + s.rejected + s.cancelled;
    let delivered = s.delivered + s.read;
    let latency = |p: Option<i64>| p.map_or_else(|| "-".into(), table::duration);
    vec![
        first,
        f.messages.to_string(),
        delivered.to_string(),
        failed.to_string(),
        (f.messages - delivered - failed).to_string(),
        f.delivery_rate
            .map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0)),
        latency(f.latency.p50),
        latency(f.latency.p90),
        latency(f.latency.p99),
    ]
}

fn print_stats(stats: &DeliveryStats) {
    outln!(
        "from {} to {}, buckets of {}; latency: submission to delivery",
        table::time(Some(stats.since)),
        table::time(Some(stats.until)),
        table::duration(stats.bucket)
    );
    outln!();
    let header = |first| {
        let mut header = HEADER;
        header[0] = first;
        header
    };
    let totals: Vec<Vec<String>> = stats
        .providers
        .iter()
        .map(|p| row(p.provider.to_string(), &p.total))
        .collect();
    outln!("{}", table::render(&header("PROVIDER"), &totals));
    for provider in stats.providers.iter().filter(|p| p.total.messages > 0) {
        let buckets: Vec<Vec<String>> = provider
            .buckets
            .iter()
            .filter(|b| b.figures.messages > 0)
            .map(|b| row(table::time(Some(b.start)), &b.figures))
            .collect();
        outln!("\n{}", provider.provider);
        outln!("{}", table::render(&header("BUCKET"), &buckets));
    }
}
