//! `smsgate send`: flags and output over the `smsgate-send` library, which
//! does the sending. The key comes only from the provider's environment
//! variable and is never printed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use smsgate::ApiKey;
use smsgate::auth::InvalidApiKey;
use smsgate_send::message::check_number;
use smsgate_send::pace::Pacer;
use smsgate_send::retry::RetryPolicy;
use smsgate_send::rows::read_csv;
use smsgate_send::{Gateway, GatewayConfig, Outgoing, Progress, Route, Sender, Sent};

use smsgate_normalize::views::OutboundRequest;

use crate::out::{self, WhenClosed};
use crate::outbound;
use crate::source::open_store;

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["to", "csv"]))]
pub struct Args {
    /// The provider API: clickatell (POST /messages; bulk for --csv), clickatell-http
    /// (GET /messages/http/send) or clearline (POST /MessageSender/sms). The key comes from
    /// SMSGATE_CLICKATELL_API_KEY or SMSGATE_CLEARLINE_API_KEY.
    #[arg(long, value_name = "PROVIDER", required_unless_present = "server")]
    provider: Option<Route>,
    /// Send through a running smsgate (POST /v1/outbound) instead of a provider: its routes pick the
    /// provider, with retries and failover. The token comes from SMSGATE_API_TOKEN.
    #[arg(long, value_name = "URL", conflicts_with_all = ["provider", "csv", "client_message_id", "callback_url",
          "base_url", "database"])]
    server: Option<String>,
    /// With --server: the route by name [default: the route whose prefix matches --to]
    #[arg(long, value_name = "NAME", requires = "server")]
    route: Option<String>,
    /// With --server: your own reference, kept with the message
    #[arg(long, requires = "server")]
    reference: Option<String>,
    /// With --server: makes the request safe to repeat (the same key sends once)
    #[arg(long, value_name = "KEY", requires = "server")]
    idempotency_key: Option<String>,
    /// The recipient's number (e.g. +27820000000)
    #[arg(long, requires = "text", conflicts_with = "csv")]
    to: Option<String>,
    /// The message text
    #[arg(long, requires = "to")]
    text: Option<String>,
    /// The sender number (Clickatell)
    #[arg(long, conflicts_with = "csv")]
    from: Option<String>,
    /// Your own id for the message (Clickatell's clientMessageId)
    #[arg(long, conflicts_with = "csv")]
    client_message_id: Option<String>,
    /// Where ClearLine sends the message's delivery status (ClearLine only)
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// The provider's server [default: the provider's production URL]
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Print {"provider", "message_id", "to"} per accepted message, one JSON object a line
    #[arg(long)]
    json: bool,
    /// Send every row of a CSV file (columns to,text and optionally from,client_message_id)
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// The results file of a --csv run [default: FILE.results.jsonl next to the CSV]
    #[arg(long, value_name = "FILE", requires = "csv")]
    results: Option<PathBuf>,
    /// At most N messages per second (e.g. 10, or 0.5)
    #[arg(long, value_name = "N", requires = "csv")]
    rate: Option<f64>,
    /// Most messages in one Clickatell bulk request
    #[arg(long, value_name = "N", default_value_t = 100, requires = "csv",
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    bulk_size: u16,
    /// Send again the rows an earlier run left unclear (they may have been accepted)
    #[arg(long, requires = "csv")]
    resend_uncertain: bool,
    /// Attempts per request, the first included (429, 5xx, timeouts and connection errors are retried)
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_attempts: u32,
    /// Seconds one request may take
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Record each accepted message in this store (e.g. sqlite:smsgate.db), so its timeline starts at submission
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if let Some(server) = &args.server {
        let (Some(to), Some(text)) = (&args.to, &args.text) else {
            anyhow::bail!("--server sends one message: give --to and --text");
        };
        let request = OutboundRequest {
            to: to.clone(),
            text: text.clone(),
            from: args.from.clone(),
            reference: args.reference.clone(),
            route: args.route.clone(),
        };
        return outbound::send(server, request, args.idempotency_key.as_deref(), args.json).await;
    }
    let provider = args.provider.context("--provider or --server is needed")?;
    let key = api_key(provider)?;
    let gateway = Gateway::new(GatewayConfig {
        route: provider,
        base_url: args
            .base_url
            .clone()
            .unwrap_or_else(|| provider.production_url().to_string()),
        key,
        callback_url: args.callback_url.clone(),
        request_timeout: Duration::from_secs(args.timeout),
    })?;
    let store = match &args.database {
        Some(url) => Some(open_store(url).await?),
        None => None,
    };
    let mut sender = Sender {
        gateway,
        retry: RetryPolicy {
            max_attempts: args.max_attempts,
            ..RetryPolicy::default()
        },
        pacer: args.rate.map(Pacer::per_second).transpose()?,
        store,
        bulk_size: usize::from(args.bulk_size),
        resend_uncertain: args.resend_uncertain,
    };
    let mut output = Output::new(args.json, provider);
    match &args.csv {
        Some(csv) => send_csv(&mut sender, csv, args.results.clone(), &mut output).await,
        None => send_one(&mut sender, &args, &mut output).await,
    }
}

/// The key from the route's environment variable, or an error naming it.
fn api_key(route: Route) -> anyhow::Result<ApiKey> {
    let var = route.key_env();
    ApiKey::from_env(var).map_err(|error| match error {
        InvalidApiKey::MissingEnv(_) => {
            anyhow::anyhow!(
                "no API key for {route}: set the environment variable {var} (keys are never taken from flags)"
            )
        }
        invalid => anyhow::anyhow!("the API key in {var} is not usable: {invalid}"),
    })
}

async fn send_one(sender: &mut Sender, args: &Args, output: &mut Output) -> anyhow::Result<()> {
    let (Some(to), Some(text)) = (&args.to, &args.text) else {
        anyhow::bail!("--to and --text are both needed (or --csv FILE)");
    };
    check_number(to).context("--to")?;
    if let Some(from) = &args.from {
        check_number(from).context("--from")?;
    }
    if text.trim().is_empty() {
        anyhow::bail!("--text is empty: expected the message text");
    }
    let message = Outgoing {
        to: to.clone(),
        text: text.clone(),
        from: args.from.clone(),
        client_message_id: args.client_message_id.clone(),
    };
    sender.gateway.route().check(&message)?;
    let sent = sender.send_one(&message, &mut |progress| output.show(progress)).await?;
    match sent {
        Sent::Accepted { .. } => Ok(()),
        Sent::Rejected { .. } => anyhow::bail!("{} rejected the message", sender.gateway.route()),
        Sent::Failed { .. } => anyhow::bail!("the message was not sent"),
    }
}

async fn send_csv(
    sender: &mut Sender,
    csv: &std::path::Path,
    results: Option<PathBuf>,
    output: &mut Output,
) -> anyhow::Result<()> {
    let rows = read_csv(csv)?;
    for row in &rows {
        sender
            .gateway
            .route()
            .check(&row.message)
            .with_context(|| format!("{}, line {}", csv.display(), row.line))?;
    }
    let results_path = results.unwrap_or_else(|| smsgate_send::results::default_path(csv));
    let mut results = smsgate_send::results::Results::open(&results_path)?;
    let summary = sender
        .send_rows(&rows, &mut results, &mut |progress| output.show(progress))
        .await;
    output.finish();
    let summary = summary?;
    eprintln!(
        "accepted {}, rejected {}, failed {}, skipped {} (accepted before), held back {}; results in {}",
        summary.accepted,
        summary.rejected,
        summary.failed,
        summary.skipped,
        summary.held_back,
        results_path.display()
    );
    if summary.held_back > 0 {
        eprintln!(
            "{} rows were interrupted or unclear in an earlier run and may have been accepted; check them, then \
             re-run with --resend-uncertain to send them again",
            summary.held_back
        );
    }
    if !summary.all_accepted() {
        anyhow::bail!("not every row was accepted; a re-run sends the rejected and failed rows again");
    }
    Ok(())
}

/// Results on stdout (a line or a JSON object per accepted message),
/// problems on stderr, and the progress bar on stderr when it is a terminal.
struct Output {
    json: bool,
    provider: &'static str,
    bar: ProgressBar,
}

impl Output {
    fn new(json: bool, route: Route) -> Output {
        let bar = if json || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} messages, {per_sec}, eta {eta}")
                .expect("a valid progress template"),
        );
        Output {
            json,
            provider: route.provider().as_str(),
            bar,
        }
    }

    fn show(&mut self, progress: Progress<'_>) {
        match progress {
            Progress::Planned { to_send } => self.bar.set_length(to_send as u64),
            Progress::Retrying { failure, wait } => self
                .bar
                .suspend(|| eprintln!("retrying in {:.1}s: {failure}", wait.as_secs_f64())),
            Progress::Done { row, message, sent } => {
                let at = row.map(|row| format!("line {}: ", row.line)).unwrap_or_default();
                self.bar.suspend(|| match sent {
                    Sent::Accepted { message_id } if self.json => out::line(
                        format_args!(
                            "{}",
                            serde_json::json!({"provider": self.provider, "message_id": message_id, "to": message.to})
                        ),
                        WhenClosed::Drop,
                    ),
                    Sent::Accepted { message_id } => out::line(
                        format_args!("{at}accepted by {}: {message_id} to {}", self.provider, message.to),
                        WhenClosed::Drop,
                    ),
                    Sent::Rejected { reason } => eprintln!("{at}rejected, to {}: {reason}", message.to),
                    Sent::Failed { reason, maybe_sent } => eprintln!(
                        "{at}failed, to {}: {reason}{}",
                        message.to,
                        if *maybe_sent {
                            " (the provider may have accepted it)"
                        } else {
                            ""
                        }
                    ),
                });
                if row.is_some() {
                    self.bar.inc(1);
                }
            }
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
