//! `smsgate events tail [--follow] [--json]`.

use std::time::Duration;

use smsgate_receiver_api::views::FeedEvent;

use crate::out::outln;
use crate::settings::File;
use crate::source::SourceArgs;
use crate::table;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print stored events in commit order, from the start or a cursor.
    Tail {
        /// Keep polling for new events (Ctrl-C to stop).
        #[arg(long)]
        follow: bool,
        /// One JSON object per line (the query API's shape) instead of a table.
        #[arg(long)]
        json: bool,
        /// Start after this cursor (a `cursor` printed earlier).
        #[arg(long)]
        after: Option<String>,
        /// How often to poll with --follow, in milliseconds.
        #[arg(long, default_value_t = 1000, value_name = "MS")]
        poll_ms: u64,
        #[command(flatten)]
        source: SourceArgs,
    },
}

const PAGE: u32 = 1000;

pub async fn run(command: Command, file: &File) -> anyhow::Result<()> {
    let Command::Tail {
        follow,
        json,
        mut after,
        poll_ms,
        source,
    } = command;
    let source = source.open(file).await?;
    let mut printed_header = false;
    loop {
        let page = source.events(after.as_deref(), PAGE).await?;
        if json {
            for event in &page.events {
                outln!("{}", serde_json::to_string(event)?);
            }
        } else if !page.events.is_empty() {
            let rows: Vec<Vec<String>> = page.events.iter().map(row).collect();
            let rendered = table::render(&HEADER, &rows);
            // The header once; each page is aligned on its own.
            let skip = usize::from(printed_header);
            outln!("{}", rendered.lines().skip(skip).collect::<Vec<_>>().join("\n"));
            printed_header = true;
        }
        let caught_up = page.events.len() < PAGE as usize;
        after = Some(page.next_cursor);
        if caught_up {
            if !follow {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(poll_ms)).await;
        }
    }
}

const HEADER: [&str; 7] = [
    "CURSOR",
    "KIND",
    "PROVIDER",
    "MESSAGE",
    "STATUS/TYPE",
    "PROVIDER TIME",
    "DETAIL",
];

fn row(event: &FeedEvent) -> Vec<String> {
    match event {
        FeedEvent::Status(e) => vec![
            e.cursor.clone(),
            "status".into(),
            e.provider.to_string(),
            e.message_id.clone(),
            e.status.to_string(),
            table::time(e.occurred_at),
            [e.raw_status.as_deref(), e.raw_code.as_deref(), e.description.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        ],
        FeedEvent::Inbound(m) => vec![
            m.cursor.clone(),
            "inbound".into(),
            m.provider.to_string(),
            m.message_id.clone(),
            m.kind.as_str().into(),
            table::time(m.occurred_at),
            format!("from {}: {}", table::cell(&m.from), table::cell(&m.text)),
        ],
    }
}
