//! Sending through a running smsgate (`smsgate send --server`) and
//! `smsgate outbound show ID`: both speak the query API's outbound shapes,
//! printed as a table or, with `--json`, as the API's JSON.

use anyhow::Context;
use smsgate_normalize::views::{OutboundRequest, OutboundView};

use crate::out::outln;
use crate::settings::File;
use crate::source::{SourceArgs, convert};
use crate::table;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// A message sent through smsgate: its status, attempts and provider events.
    Show {
        /// The id POST /v1/outbound answered with (ob_...).
        id: String,
        /// Print the query API's JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
}

pub async fn run(command: Command, file: &File) -> anyhow::Result<()> {
    let Command::Show { id, json, source } = command;
    let Some(message) = source.open(file).await?.outbound(&id).await? else {
        anyhow::bail!("no outbound message {id}");
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&message)?);
        return Ok(());
    }
    print(&message);
    Ok(())
}

/// `POST /v1/outbound` on `server`, with the token from `SMSGATE_API_TOKEN`.
pub async fn send(
    server: &str,
    request: OutboundRequest,
    idempotency_key: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let token = smsgate::ApiKey::from_env("SMSGATE_API_TOKEN")
        .context("sending through a server needs its API token in SMSGATE_API_TOKEN")?;
    let client = smsgate::api::Client::with_api_key(server.trim_end_matches('/'), token);
    let mut call = client
        .send_outbound()
        .body(convert::<_, smsgate::api::types::OutboundRequest>(request)?);
    if let Some(key) = idempotency_key {
        call = call.idempotency_key(key);
    }
    let message = match call.send().await {
        Ok(message) => convert::<_, OutboundView>(message.into_inner())?,
        Err(smsgate::api::Error::ErrorResponse(response)) => {
            anyhow::bail!(
                "the server refused the message (HTTP {}): {}",
                response.status(),
                response.message
            )
        }
        Err(error) => anyhow::bail!("cannot send through {server}: {error}"),
    };
    if json {
        // One object a line, as `smsgate send --json` prints.
        outln!("{}", serde_json::to_string(&message)?);
    } else {
        print(&message);
    }
    Ok(())
}

/// A message as a table: head, attempts, events.
fn print(message: &OutboundView) {
    outln!(
        "{} to {} via route {}: {} since {}",
        message.id,
        message.to,
        message.route,
        message.status,
        table::time(message.status_at)
    );
    if let Some(error) = &message.error {
        outln!("error: {error}");
    }
    for (label, value) in [("from", &message.from), ("reference", &message.reference)] {
        if let Some(value) = value {
            outln!("{label}: {value}");
        }
    }
    outln!("segments: {}", message.segments);
    outln!();
    let attempts: Vec<Vec<String>> = message
        .attempts
        .iter()
        .map(|a| {
            vec![
                table::time(Some(a.submitted_at)),
                a.provider.clone(),
                a.api.clone(),
                a.outcome.as_str().to_string(),
                table::cell(&a.provider_message_id),
                table::cell(&a.error),
            ]
        })
        .collect();
    outln!(
        "{}",
        table::render(
            &[
                "SUBMITTED",
                "PROVIDER",
                "API",
                "OUTCOME",
                "PROVIDER MESSAGE ID",
                "ERROR"
            ],
            &attempts
        )
    );
    let events: Vec<Vec<String>> = message
        .events
        .iter()
        .map(|e| {
            vec![
                table::time(e.occurred_at),
                e.provider.clone(),
                e.status.to_string(),
                table::cell(&e.raw_status),
                table::cell(&e.raw_code),
                table::cell(&e.description),
                table::time(Some(e.received_at)),
            ]
        })
        .collect();
    if !events.is_empty() {
        outln!();
        outln!(
            "{}",
            table::render(
                &[
                    "PROVIDER TIME",
                    "PROVIDER",
                    "STATUS",
                    "RAW STATUS",
                    "RAW CODE",
                    "DESCRIPTION",
                    "RECEIVED"
                ],
                &events
            )
        );
    }
}
