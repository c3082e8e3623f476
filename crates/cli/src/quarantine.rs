//! `smsgate quarantine list` and `smsgate quarantine replay`: the callbacks
//! that could not be parsed when they arrived, and parsing them again with
//! the current code. Both work on the store itself (`--database`).
//!
//! A replay stores what now parses exactly as the receiver would have
//! (dedup, feed, status compare-and-set, the original `received_at`) and
//! takes the request out of the quarantine, in one transaction per request
//! ([`Store::resolve_quarantined`]), so replaying twice, or on two machines
//! at once, stores nothing twice. The replay itself is the receiver's
//! ([`quarantine::replay`]), which the console's replay button calls too.

use smsgate_receiver::quarantine::{self, Replay};
use smsgate_store::Store;

use crate::out::outln;
use crate::settings::File;
use crate::source::DatabaseArgs;
use crate::table;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Quarantined callbacks, oldest first.
    List {
        /// Print the query API's JSON (as /v1/quarantine) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Parse every quarantined callback again with this version's parsers;
    /// store the events of those that now parse and take them out of the
    /// quarantine (each request once, however often this runs).
    Replay {
        /// Say what would be replayed; store nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn run(command: Command, file: &File) -> anyhow::Result<()> {
    match command {
        Command::List { json, database } => list(&*database.open(file).await?, json).await,
        Command::Replay { dry_run, database } => replay(&*database.open(file).await?, dry_run).await,
    }
}

async fn list(store: &dyn Store, json: bool) -> anyhow::Result<()> {
    let requests = store.quarantined().await?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&requests)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = requests
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.provider.to_string(),
                r.method.clone(),
                r.path.clone(),
                table::time(Some(r.received_at)),
                one_line(&r.error),
            ]
        })
        .collect();
    outln!(
        "{}",
        table::render(&["ID", "PROVIDER", "METHOD", "PATH", "RECEIVED", "ERROR"], &rows)
    );
    Ok(())
}

async fn replay(store: &dyn Store, dry_run: bool) -> anyhow::Result<()> {
    let requests = store.quarantined_raw().await?;
    let (mut replayed, mut still) = (0usize, 0usize);
    for request in &requests {
        let what = format!(
            "#{} {} {} {}",
            request.id, request.provider, request.method, request.path
        );
        if dry_run {
            match quarantine::reparse(request) {
                Err(error) => {
                    still += 1;
                    outln!("still quarantined {what}: {}", one_line(&error));
                }
                Ok(callback) => {
                    replayed += 1;
                    outln!(
                        "would replay {what}: {} status events, {} inbound messages",
                        callback.status.len(),
                        callback.inbound.len()
                    );
                }
            }
            continue;
        }
        match quarantine::replay(store, request).await? {
            Replay::StillQuarantined(error) => {
                still += 1;
                outln!("still quarantined {what}: {}", one_line(&error));
            }
            Replay::AlreadyReplayed => outln!("already replayed {what} (by another replay meanwhile)"),
            Replay::Replayed(outcome) => {
                replayed += 1;
                outln!(
                    "replayed {what}: stored {} status events, {} inbound messages ({} already stored)",
                    outcome.status_events_stored,
                    outcome.inbound_stored,
                    outcome.duplicates
                );
            }
        }
    }
    if dry_run {
        outln!("would replay {replayed}, still quarantined {still} (dry run: nothing stored)");
    } else {
        outln!("replayed {replayed}, still quarantined {still}");
    }
    Ok(())
}

/// An error message on one table line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
