//! `smsgate messages show PROVIDER ID`.

use anyhow::bail;
use smsgate_normalize::Provider;

use crate::settings::File;
use crate::source::SourceArgs;
use crate::table;

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
}

pub async fn run(command: Command, file: &File) -> anyhow::Result<()> {
    let Command::Show {
        provider,
        message_id,
        json,
        source,
    } = command;
    let Some(provider) = Provider::parse(&provider) else {
        bail!("unknown provider `{provider}`: expected clickatell, smarthive or clearline");
    };
    let Some(message) = source.open(file).await?.message(provider, &message_id).await? else {
        bail!("no message {message_id} from {provider} has been received");
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&message)?);
        return Ok(());
    }
    println!(
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
            println!("{label}: {value}");
        }
    }
    println!();
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
    println!(
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
