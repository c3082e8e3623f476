//! `smsgate exports list|dead-letters|replay`: how far each export has
//! come, the events it gave up on, and sending a time range again. On a
//! running server's query API (`--server`) or on the store itself
//! (`--database`; the exports' names and kinds then come from the
//! `[[exports]]` of `--config`).

use smsgate_normalize::views::{DeadLettersPage, ExportView, ExportsPage, ReplayRequest, ReplayView};

use crate::out::outln;
use crate::settings::File;
use crate::source::{Source, SourceArgs, convert};
use crate::table;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Each export: kind, cursor, lag (events not yet delivered), state, latest error.
    List {
        /// Print the query API's JSON (as /v1/exports) instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// The events an export gave up on after its last retry.
    DeadLetters {
        /// The export's name in the configuration.
        name: String,
        /// Print the query API's JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
    /// Send again the events received in a time range (dead letters
    /// included), beside the live feed.
    Replay {
        /// The export's name in the configuration.
        name: String,
        /// From this time, milliseconds since the epoch [default: the first event]
        #[arg(long, value_name = "MS")]
        since: Option<i64>,
        /// Up to this time, milliseconds since the epoch [default: now]
        #[arg(long, value_name = "MS")]
        until: Option<i64>,
        #[command(flatten)]
        source: SourceArgs,
    },
}

pub async fn run(command: Command, file: &File) -> anyhow::Result<()> {
    match command {
        Command::List { json, source } => {
            let page = source.open(file).await?.exports(file).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&page)?);
            } else {
                let rows: Vec<Vec<String>> = page.exports.iter().map(row).collect();
                outln!(
                    "{}",
                    table::render(&["NAME", "KIND", "CURSOR", "LAG", "STATE", "LAST ERROR"], &rows)
                );
            }
        }
        Command::DeadLetters { name, json, source } => {
            let page = source.open(file).await?.dead_letters(&name).await?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&page)?);
            } else {
                let rows: Vec<Vec<String>> = page
                    .dead_letters
                    .iter()
                    .map(|d| {
                        vec![
                            d.id.clone(),
                            d.event.kind().into(),
                            d.event.provider().to_string(),
                            d.event.message_id().into(),
                            d.attempts.to_string(),
                            table::time(Some(d.failed_at)),
                            d.error.clone(),
                        ]
                    })
                    .collect();
                outln!(
                    "{}",
                    table::render(
                        &["ID", "KIND", "PROVIDER", "MESSAGE", "ATTEMPTS", "FAILED", "ERROR"],
                        &rows
                    )
                );
            }
        }
        Command::Replay {
            name,
            since,
            until,
            source,
        } => {
            let replay = source
                .open(file)
                .await?
                .replay(file, &name, &ReplayRequest { since, until })
                .await?;
            outln!(
                "replay {} queued for export {}: events received from {} to {}",
                replay.id,
                replay.export,
                table::time(replay.since),
                table::time(Some(replay.until))
            );
        }
    }
    Ok(())
}

fn row(export: &ExportView) -> Vec<String> {
    vec![
        export.name.clone(),
        export.kind.clone(),
        table::cell(&export.cursor),
        export.lag.to_string(),
        export.state.as_str().into(),
        table::cell(&export.last_error),
    ]
}

/// The `[[exports]]` of the config file, as (name, kind); their secrets are
/// not needed to show them.
fn configured(file: &File) -> Vec<(String, String)> {
    let text = |table: &toml::Table, key: &str| table.get(key).and_then(|v| v.as_str()).map(str::to_string);
    file.exports
        .iter()
        .flatten()
        .filter_map(|table| Some((text(table, "name")?, text(table, "kind")?)))
        .collect()
}

fn server_error(error: smsgate::api::Error<smsgate::api::types::Error>) -> anyhow::Error {
    match error {
        smsgate::api::Error::ErrorResponse(response) => {
            anyhow::anyhow!("the server answered {}: {}", response.status(), response.message)
        }
        error => anyhow::anyhow!("the server answered: {error}"),
    }
}

impl Source {
    async fn exports(&self, file: &File) -> anyhow::Result<ExportsPage> {
        match self {
            Source::Store(store) => {
                let configured = configured(file);
                if configured.is_empty() {
                    anyhow::bail!(
                        "no [[exports]] in the config file: give --config with the exports serve runs, or --server"
                    );
                }
                let configured: Vec<(&str, &str)> = configured.iter().map(|(n, k)| (n.as_str(), k.as_str())).collect();
                let now = chrono::Utc::now().timestamp_millis();
                Ok(smsgate_export::views(&configured, store.exports().await?, now))
            }
            Source::Server(client) => convert(client.list_exports().send().await.map_err(server_error)?.into_inner()),
        }
    }

    async fn dead_letters(&self, name: &str) -> anyhow::Result<DeadLettersPage> {
        match self {
            Source::Store(store) => Ok(DeadLettersPage {
                dead_letters: store.dead_letters(name).await?,
            }),
            Source::Server(client) => convert(
                client
                    .list_dead_letters()
                    .name(name)
                    .send()
                    .await
                    .map_err(server_error)?
                    .into_inner(),
            ),
        }
    }

    async fn replay(&self, file: &File, name: &str, request: &ReplayRequest) -> anyhow::Result<ReplayView> {
        match self {
            Source::Store(store) => {
                let known = configured(file).iter().any(|(n, _)| n == name)
                    || store.exports().await?.iter().any(|r| r.name == name);
                if !known {
                    anyhow::bail!("no export named `{name}` in the config file or the store");
                }
                Ok(smsgate_export::queue_replay(store.as_ref(), name, request).await?)
            }
            Source::Server(client) => convert(
                client
                    .replay_export()
                    .name(name)
                    .body(convert::<_, smsgate::api::types::ReplayRequest>(request)?)
                    .send()
                    .await
                    .map_err(server_error)?
                    .into_inner(),
            ),
        }
    }
}
