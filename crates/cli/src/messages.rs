//! `smsgate messages show PROVIDER ID` and `smsgate messages list` (a
//! search, newest first), from the store or a running receiver.

use anyhow::bail;
use smsgate_normalize::{Provider, Status};
use smsgate_receiver_api::views::{MessageSummary, MessagesPage};
use smsgate_store::MessageSearch;

use crate::out::outln;
use crate::settings::File;
use crate::source::SourceArgs;
use crate::{table, when};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// An outbound message's status and its status events.
    Show {
        /// clickatell, smarthive or clearline.
        provider: String,
        /// The provider's message id.
        message_id: String,
        /// Print the query API's JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Outbound messages matching every filter given, newest first.
    List {
        #[command(flatten)]
        filters: Filters,
        /// Messages per page, 1 to 1000.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        /// The next page: a cursor printed under the previous one.
        #[arg(long)]
        after: Option<String>,
        /// Print the query API's JSON (`{messages, next_cursor}`) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
}

/// The filters of `messages list`.
#[derive(clap::Args, Debug)]
pub struct Filters {
    /// The provider's message id.
    #[arg(long)]
    id: Option<String>,
    /// smsgate's outbound id (ob_...): the provider messages that carried it.
    #[arg(long)]
    outbound_id: Option<String>,
    /// The recipient, with or without its leading +.
    #[arg(long)]
    to: Option<String>,
    /// clickatell, smarthive or clearline.
    #[arg(long)]
    provider: Option<String>,
    /// The current status: unknown, accepted, sent, buffered, delivered, read, undelivered, expired, rejected or
    /// cancelled.
    #[arg(long)]
    status: Option<String>,
    /// First seen at or after: 2026-12-05T10:00:00Z, 2026-12-05, ms since the epoch, or back from now (30m, 24h, 7d).
    #[arg(long)]
    since: Option<String>,
    /// First seen before (the same spellings as --since).
    #[arg(long)]
    until: Option<String>,
}

/// A provider id as typed, or an error listing them.
pub fn provider(text: &str) -> anyhow::Result<Provider> {
    match Provider::parse(&text.trim().to_ascii_lowercase()) {
        Some(provider) => Ok(provider),
        None => bail!("unknown provider `{text}`: expected clickatell, smarthive or clearline"),
    }
}

fn status(text: &str) -> anyhow::Result<Status> {
    match Status::parse(&text.trim().to_ascii_lowercase()) {
        Some(status) => Ok(status),
        None => {
            let known: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            bail!("unknown status `{text}`: expected one of {}", known.join(", "))
        }
    }
}

impl Filters {
    fn search(self, limit: u32, after: Option<String>) -> anyhow::Result<MessageSearch> {
        let now = when::now();
        Ok(MessageSearch {
            id: self.id,
            outbound_id: self.outbound_id,
            to: self.to,
            provider: self.provider.as_deref().map(provider).transpose()?,
            status: self.status.as_deref().map(status).transpose()?,
            since: self.since.map(|t| when::time("--since", &t, now)).transpose()?,
            until: self.until.map(|t| when::time("--until", &t, now)).transpose()?,
            after,
            limit: limit as usize,
        })
    }
}

pub async fn run(command: Command, file: &File) -> anyhow::Result<()> {
    match command {
        Command::Show {
            provider: name,
            message_id,
            json,
            source,
        } => show(provider(&name)?, &message_id, json, source, file).await,
        Command::List {
            filters,
            limit,
            after,
            json,
            source,
        } => {
            // The flags are checked before the store or server is opened.
            let search = filters.search(limit, after)?;
            let page = source.open(file).await?.search_messages(search).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&page)?);
            } else {
                print_page(&page);
            }
            Ok(())
        }
    }
}

fn print_page(page: &MessagesPage) {
    let rows: Vec<Vec<String>> = page.messages.iter().map(summary_row).collect();
    outln!(
        "{}",
        table::render(
            &[
                "FIRST SEEN",
                "PROVIDER",
                "MESSAGE ID",
                "STATUS",
                "TO",
                "CLIENT MESSAGE ID",
                "DELIVERED AFTER"
            ],
            &rows
        )
    );
    if let Some(next) = &page.next_cursor {
        outln!("\nmore: the same command with --after {next}");
    }
}

fn summary_row(m: &MessageSummary) -> Vec<String> {
    let delay = match (m.submitted_at, m.delivered_at) {
        (Some(submitted), Some(delivered)) => table::duration((delivered - submitted).max(0)),
        _ => "-".into(),
    };
    vec![
        table::time(Some(m.first_seen_at)),
        m.provider.to_string(),
        m.message_id.clone(),
        m.status.to_string(),
        table::cell(&m.to),
        table::cell(&m.client_message_id),
        delay,
    ]
}

async fn show(provider: Provider, message_id: &str, json: bool, source: SourceArgs, file: &File) -> anyhow::Result<()> {
    let Some(message) = source.open(file).await?.message(provider, message_id).await? else {
        bail!("no message {message_id} from {provider} has been received");
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&message)?);
        return Ok(());
    }
    outln!(
        "{} {}: {} since {}",
        message.provider,
        message.message_id,
        message.status,
        table::time(message.status_at)
    );
    for (label, value) in [
        ("client message id", &message.client_message_id),
        ("to", &message.to),
        ("from", &message.from),
    ] {
        if let Some(value) = value {
            outln!("{label}: {value}");
        }
    }
    outln!();
    let rows: Vec<Vec<String>> = message
        .events
        .iter()
        .map(|e| {
            vec![
                table::time(e.occurred_at),
                e.status.to_string(),
                table::cell(&e.raw_status),
                table::cell(&e.raw_code),
                table::cell(&e.description),
                table::time(Some(e.received_at)),
            ]
        })
        .collect();
    outln!(
        "{}",
        table::render(
            &[
                "PROVIDER TIME",
                "STATUS",
                "RAW STATUS",
                "RAW CODE",
                "DESCRIPTION",
                "RECEIVED"
            ],
            &rows
        )
    );
    Ok(())
}
