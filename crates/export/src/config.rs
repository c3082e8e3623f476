//! The `[[exports]]` of a configuration file, read and checked at start-up:
//! every mistake (an unknown kind, a key of the other kind, a secret
//! variable that is not set or holds no `whsec_` secret, a bad URL, stream
//! or subject, two exports of one name) is an error naming the file and
//! the line, before anything is served.
//!
//! ```toml
//! [[exports]]
//! name = "billing"
//! kind = "webhook"
//! url = "https://billing.example/sms-events"
//! secret_env = "SMSGATE_EXPORT_BILLING_SECRET"   # whsec_<base64>
//! kinds = ["status", "inbound"]                  # optional (default: both)
//! providers = ["clickatell"]                     # optional (default: all)
//!
//! [[exports]]
//! name = "bus"
//! kind = "nats"
//! url = "nats://127.0.0.1:4222"
//! stream = "SMSGATE"                  # created if missing
//! subject = "smsgate.events"          # events go to {subject}.{kind}.{provider}
//! ```

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
pub use smsgate_config_file::ConfigError;
use smsgate_config_file::ConfigText;
use smsgate_normalize::Provider;
use smsgate_normalize::views::FeedEvent;
use toml::Spanned;

use crate::signing::Signer;

/// The exports of a configuration, in the file's order.
#[derive(Debug, Clone, Default)]
pub struct ExportsConfig {
    pub exports: Vec<ExportConfig>,
}

/// One `[[exports]]` entry.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    pub name: String,
    pub filter: Filter,
    /// Waits between a failed delivery and the next try (`retry_schedule_ms`):
    /// a webhook's event is dead-lettered after the last; NATS keeps
    /// retrying at the last wait (its cursor only moves after JetStream's ack).
    pub retry_schedule: Vec<Duration>,
    /// How long one delivery may take, answer included (`timeout_ms`).
    pub timeout: Duration,
    /// How long a replica's hold on the export lasts without renewal
    /// (`lease_ms`): after a replica dies, another takes the export over
    /// this long after its last renewal.
    pub lease: Duration,
    pub target: Target,
}

/// Where an export sends events.
#[derive(Debug, Clone)]
pub enum Target {
    Webhook {
        url: String,
        signer: Signer,
        /// Deliveries in flight at once (`concurrency`).
        concurrency: usize,
    },
    Nats {
        url: String,
        stream: String,
        subject: String,
    },
}

impl Target {
    /// `webhook` or `nats`, as the configuration spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Webhook { .. } => "webhook",
            Target::Nats { .. } => "nats",
        }
    }
}

/// Which events an export sends (`kinds`, `providers`; empty: all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kinds: Vec<&'static str>,
    pub providers: Vec<Provider>,
}

impl Filter {
    pub fn matches(&self, event: &FeedEvent) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&event.kind()))
            && (self.providers.is_empty() || self.providers.contains(&event.provider()))
    }
}

impl ExportConfig {
    pub const DEFAULT_RETRY_SCHEDULE_MS: [u64; 5] = [1_000, 4_000, 16_000, 64_000, 256_000];
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);
    pub const DEFAULT_CONCURRENCY: usize = 8;
}

#[derive(Deserialize)]
struct FileShape {
    #[serde(default)]
    exports: Vec<Spanned<ExportEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportEntry {
    name: Spanned<String>,
    kind: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    #[serde(default)]
    providers: Vec<Spanned<String>>,
    retry_schedule_ms: Option<Spanned<Vec<u64>>>,
    timeout_ms: Option<Spanned<u64>>,
    lease_ms: Option<Spanned<u64>>,
    // webhook
    secret_env: Option<Spanned<String>>,
    concurrency: Option<Spanned<usize>>,
    // nats
    stream: Option<Spanned<String>>,
    subject: Option<Spanned<String>>,
}

type Span = std::ops::Range<usize>;

impl ExportsConfig {
    /// Reads the `exports` of the TOML file at `path` (other keys are the
    /// file's own business), with the secrets from the environment (`env`
    /// looks a variable up).
    pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<ExportsConfig, ConfigError> {
        let (file, text) = smsgate_config_file::read(path)?;
        ExportsConfig::parse(&file, &text, env)
    }

    /// [`ExportsConfig::load`] on text already read; `file` names it in errors.
    pub fn parse(file: &str, text: &str, env: impl Fn(&str) -> Option<String>) -> Result<ExportsConfig, ConfigError> {
        let at = ConfigText { file, text };
        let error = |span: Option<Span>, message: String| at.error(span, message);
        let shape: FileShape = toml::from_str(text).map_err(|e| error(e.span(), e.message().to_string()))?;
        let mut exports: Vec<ExportConfig> = Vec::new();
        for entry in shape.exports {
            let span = entry.span();
            let export = read_entry(entry.into_inner(), &env).map_err(|(at, message)| error(Some(at), message))?;
            if exports.iter().any(|e| e.name == export.name) {
                return Err(error(
                    Some(span),
                    format!("two exports are named `{}`: each needs a name of its own", export.name),
                ));
            }
            exports.push(export);
        }
        Ok(ExportsConfig { exports })
    }

    pub fn find(&self, name: &str) -> Option<&ExportConfig> {
        self.exports.iter().find(|e| e.name == name)
    }
}

/// One entry checked, or the span and message of its first mistake.
fn read_entry(entry: ExportEntry, env: &impl Fn(&str) -> Option<String>) -> Result<ExportConfig, (Span, String)> {
    let name = entry.name.get_ref().clone();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err((
            entry.name.span(),
            format!("export name `{name}`: expected letters, digits, `-` and `_` (it goes in URLs and metrics)"),
        ));
    }
    let at = |span: Span, message: String| (span, format!("export `{name}`: {message}"));
    let mut kinds = Vec::new();
    for kind in &entry.kinds {
        match kind.get_ref().as_str() {
            "status" => kinds.push("status"),
            "inbound" => kinds.push("inbound"),
            other => {
                return Err(at(
                    kind.span(),
                    format!("unknown event kind `{other}` in kinds: expected status or inbound"),
                ));
            }
        }
    }
    let mut providers = Vec::new();
    for provider in &entry.providers {
        providers.push(Provider::parse(provider.get_ref()).ok_or_else(|| {
            at(
                provider.span(),
                format!(
                    "unknown provider `{}` in providers: expected clickatell, smarthive or clearline",
                    provider.get_ref()
                ),
            )
        })?);
    }
    let retry_schedule = match &entry.retry_schedule_ms {
        Some(schedule) if schedule.get_ref().is_empty() => {
            return Err(at(
                schedule.span(),
                "retry_schedule_ms is empty: give at least one wait in milliseconds".into(),
            ));
        }
        Some(schedule) => schedule.get_ref().iter().copied().map(Duration::from_millis).collect(),
        None => ExportConfig::DEFAULT_RETRY_SCHEDULE_MS
            .into_iter()
            .map(Duration::from_millis)
            .collect(),
    };
    let positive = |value: &Option<Spanned<u64>>, key: &str, default: Duration| match value {
        Some(ms) if *ms.get_ref() == 0 => Err(at(ms.span(), format!("{key} must be at least 1"))),
        Some(ms) => Ok(Duration::from_millis(*ms.get_ref())),
        None => Ok(default),
    };
    let timeout = positive(&entry.timeout_ms, "timeout_ms", ExportConfig::DEFAULT_TIMEOUT)?;
    let lease = positive(&entry.lease_ms, "lease_ms", ExportConfig::DEFAULT_LEASE)?;
    let url = entry.url.get_ref().clone();
    let only_for = |key: &str, span: Option<Span>, kind: &str| match span {
        Some(span) => Err(at(span, format!("{key} is a key of {kind} exports only"))),
        None => Ok(()),
    };
    let target = match entry.kind.get_ref().as_str() {
        "webhook" => {
            only_for("stream", entry.stream.as_ref().map(Spanned::span), "nats")?;
            only_for("subject", entry.subject.as_ref().map(Spanned::span), "nats")?;
            if !is_url_of(&url, &["http", "https"]) {
                return Err(at(
                    entry.url.span(),
                    format!("url `{url}` is not an http:// or https:// URL"),
                ));
            }
            let secret_env = entry
                .secret_env
                .as_ref()
                .ok_or_else(|| at(entry.kind.span(), "a webhook export needs secret_env".into()))?;
            let variable = secret_env.get_ref();
            let secret = env(variable).ok_or_else(|| {
                at(
                    secret_env.span(),
                    format!("the environment variable {variable} (its secret_env) is not set"),
                )
            })?;
            let signer = Signer::new(&secret).map_err(|why| {
                at(
                    secret_env.span(),
                    format!("the secret in {variable} cannot be used: {why}"),
                )
            })?;
            let concurrency = match &entry.concurrency {
                Some(n) if *n.get_ref() == 0 => return Err(at(n.span(), "concurrency must be at least 1".into())),
                Some(n) => *n.get_ref(),
                None => ExportConfig::DEFAULT_CONCURRENCY,
            };
            Target::Webhook {
                url,
                signer,
                concurrency,
            }
        }
        "nats" => {
            only_for("secret_env", entry.secret_env.as_ref().map(Spanned::span), "webhook")?;
            only_for("concurrency", entry.concurrency.as_ref().map(Spanned::span), "webhook")?;
            if !is_url_of(&url, &["nats", "tls"]) {
                return Err(at(
                    entry.url.span(),
                    format!("url `{url}` is not a nats:// or tls:// URL"),
                ));
            }
            let stream = entry
                .stream
                .as_ref()
                .ok_or_else(|| at(entry.kind.span(), "a nats export needs stream".into()))?;
            let bad_stream = |c: char| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\');
            if stream.get_ref().is_empty() || stream.get_ref().contains(bad_stream) {
                return Err(at(
                    stream.span(),
                    format!(
                        "stream `{}` is not a JetStream stream name (no spaces, `.`, `*`, `>`, `/`)",
                        stream.get_ref()
                    ),
                ));
            }
            let subject = entry
                .subject
                .as_ref()
                .ok_or_else(|| at(entry.kind.span(), "a nats export needs subject".into()))?;
            let bad_token = |t: &str| t.is_empty() || t.contains(|c: char| c.is_whitespace() || c == '*' || c == '>');
            if subject.get_ref().split('.').any(bad_token) {
                return Err(at(
                    subject.span(),
                    format!(
                        "subject `{}` is not a NATS subject (dot-separated tokens, no spaces or wildcards)",
                        subject.get_ref()
                    ),
                ));
            }
            Target::Nats {
                url,
                stream: stream.get_ref().clone(),
                subject: subject.get_ref().clone(),
            }
        }
        other => {
            return Err(at(
                entry.kind.span(),
                format!("unknown kind `{other}`: expected webhook or nats"),
            ));
        }
    };
    Ok(ExportConfig {
        name,
        filter: Filter { kinds, providers },
        retry_schedule,
        timeout,
        lease,
        target,
    })
}

fn is_url_of(url: &str, schemes: &[&str]) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, rest)| schemes.contains(&scheme) && !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `whsec_` and the base64 of "a test key of 24 bytes!!".
    const SECRET: &str = "whsec_YSB0ZXN0IGtleSBvZiAyNCBieXRlcyEh";

    const GOOD: &str = r#"
listen = "127.0.0.1:8080"

[[exports]]
name = "billing"
kind = "webhook"
url = "https://billing.example/sms-events"
secret_env = "BILLING_SECRET"
kinds = ["status"]
providers = ["clickatell"]
retry_schedule_ms = [10, 20]

[[exports]]
name = "bus"
kind = "nats"
url = "nats://127.0.0.1:4222"
stream = "SMSGATE"
subject = "smsgate.events"
"#;

    fn env(name: &str) -> Option<String> {
        match name {
            "BILLING_SECRET" => Some(SECRET.into()),
            "PLAIN" => Some("YSB0ZXN0IGtleQ==".into()),
            "NOT_BASE64" => Some("whsec_not base64!".into()),
            _ => None,
        }
    }

    fn parse(text: &str) -> Result<ExportsConfig, ConfigError> {
        ExportsConfig::parse("smsgate.toml", text, env)
    }

    #[test]
    fn reads_both_kinds_with_their_defaults() {
        let config = parse(GOOD).unwrap();
        let billing = config.find("billing").unwrap();
        assert_eq!(billing.target.kind(), "webhook");
        assert_eq!(billing.filter.kinds, ["status"]);
        assert_eq!(billing.filter.providers, [Provider::Clickatell]);
        assert_eq!(
            billing.retry_schedule,
            [Duration::from_millis(10), Duration::from_millis(20)]
        );
        let bus = config.find("bus").unwrap();
        assert!(
            matches!(&bus.target, Target::Nats { stream, subject, .. } if stream == "SMSGATE" && subject == "smsgate.events")
        );
        assert_eq!(bus.filter, Filter::default());
        assert_eq!(bus.timeout, ExportConfig::DEFAULT_TIMEOUT);
        assert_eq!(bus.retry_schedule.len(), ExportConfig::DEFAULT_RETRY_SCHEDULE_MS.len());
    }

    /// The error for `text` with `from` replaced by `to` in [`GOOD`].
    fn error_with(from: &str, to: &str) -> ConfigError {
        assert!(GOOD.contains(from), "{from}");
        parse(&GOOD.replacen(from, to, 1)).unwrap_err()
    }

    #[test]
    fn each_mistake_names_its_line() {
        let cases = [
            (
                "kind = \"nats\"",
                "kind = \"kafka\"",
                15,
                "unknown kind `kafka`: expected webhook or nats",
            ),
            ("BILLING_SECRET", "UNSET", 8, "UNSET (its secret_env) is not set"),
            ("BILLING_SECRET", "PLAIN", 8, "does not start with whsec_"),
            ("BILLING_SECRET", "NOT_BASE64", 8, "is not base64"),
            (
                "kinds = [\"status\"]",
                "kinds = [\"sent\"]",
                9,
                "unknown event kind `sent`",
            ),
            ("[\"clickatell\"]", "[\"twilio\"]", 10, "unknown provider `twilio`"),
            ("[10, 20]", "[]", 11, "retry_schedule_ms is empty"),
            (
                "https://billing",
                "ftp://billing",
                7,
                "is not an http:// or https:// URL",
            ),
            ("nats://127", "http://127", 16, "is not a nats:// or tls:// URL"),
            ("\"SMSGATE\"", "\"SMS.GATE\"", 17, "is not a JetStream stream name"),
            ("smsgate.events\"", "smsgate.*\"", 18, "is not a NATS subject"),
            (
                "stream = ",
                "secret_env = \"BILLING_SECRET\"\nstream = ",
                17,
                "secret_env is a key of webhook exports only",
            ),
            (
                "name = \"bus\"",
                "name = \"billing\"",
                13,
                "two exports are named `billing`",
            ),
            (
                "name = \"bus\"",
                "name = \"bus\"\ncolour = \"red\"",
                15,
                "unknown field `colour`",
            ),
        ];
        for (from, to, line, message) in cases {
            let error = error_with(from, to);
            assert_eq!(error.line, Some(line), "{from} -> {to}: {error}");
            assert!(error.to_string().contains(message), "{from} -> {to}: {error}");
            assert!(error.to_string().starts_with("smsgate.toml, line"), "{error}");
        }
    }

    #[test]
    fn a_secret_never_shows_in_errors_or_debug_output() {
        let config = parse(GOOD).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("YSB0ZXN0"), "{shown}");
        let error = error_with("BILLING_SECRET", "NOT_BASE64").to_string();
        assert!(!error.contains("not base64!"), "{error}");
    }

    #[test]
    fn filters_match_kind_and_provider() {
        let config = parse(GOOD).unwrap();
        let filter = &config.find("billing").unwrap().filter;
        let event = |provider: Provider| {
            FeedEvent::Status(smsgate_normalize::views::StatusFeedEvent {
                cursor: "1".into(),
                provider,
                message_id: "m".into(),
                client_message_id: None,
                status: smsgate_normalize::Status::Delivered,
                raw_status: None,
                raw_code: None,
                description: None,
                occurred_at: None,
                received_at: 0,
                channel: None,
            })
        };
        assert!(filter.matches(&event(Provider::Clickatell)));
        assert!(!filter.matches(&event(Provider::Smarthive)));
        assert!(Filter::default().matches(&event(Provider::Smarthive)));
    }
}
