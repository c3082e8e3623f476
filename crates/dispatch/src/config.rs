//! The providers and routes of a configuration file, read and checked at
//! start-up: every mistake (an unknown api or key, a route naming a provider
//! that is not configured, a key variable that is not set, two catch-all
//! routes) is an error that names the file and the line, before anything
//! is served.
//!
//! ```toml
//! [providers.primary]
//! api = "clickatell"              # clickatell | clickatell-http | clearline
//! base_url = "https://platform.clickatell.com"   # optional
//! api_key_env = "SMSGATE_CLICKATELL_API_KEY"
//!
//! [[routes]]
//! name = "za"
//! prefixes = ["+27"]
//! providers = ["primary", "backup"]
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use smsgate::ApiKey;
pub use smsgate_config_file::ConfigError;
use smsgate_config_file::ConfigText;
use smsgate_normalize::Status;
use smsgate_send::Route as Api;
use toml::Spanned;

/// A configured provider: which API, where, with which key.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub api: Api,
    /// The provider's server (its production URL by default).
    pub base_url: String,
    pub key: ApiKey,
    /// Requests to it, in all, before the next provider of the route is
    /// tried (when the answers are 5xx, 429 or no connection).
    pub max_attempts: u32,
    /// The wait after the first failed request; it doubles for each further one.
    pub retry_delay: Duration,
    /// How long one request may take, answer included.
    pub timeout: Duration,
    /// Segments per second it takes, from all replicas together (`rate`).
    pub rate: Option<f64>,
    /// Failed requests in a row that open its circuit breaker.
    pub breaker_failures: u32,
    /// How long the breaker stays open before one probe.
    pub breaker_cool_down: Duration,
}

/// What to do with a message whose submission may or may not have reached
/// a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUncertain {
    /// Keep it `unknown` and send it nowhere else (the default: never twice without cause).
    Hold,
    /// Send it through the next provider (the recipient may get it twice).
    Failover,
}

/// A configured route.
#[derive(Debug, Clone)]
pub struct RouteConfig {
    pub name: String,
    /// E.164 prefixes (`+27`); empty: every number no other route takes.
    pub prefixes: Vec<String>,
    /// Provider names, in failover order.
    pub providers: Vec<String>,
    pub on_uncertain: OnUncertain,
    /// Provider statuses after which an accepted message is sent once more
    /// through the next provider (`reroute_on`; failures only).
    pub reroute_on: Vec<Status>,
    /// A share per provider of the messages it takes first (`weights`,
    /// e.g. 80 and 20); empty: the first provider takes them all.
    pub weights: Vec<u32>,
}

impl RouteConfig {
    /// The providers in the order message `id` tries them: the route's
    /// order, or with `weights`, starting at a provider drawn by weight
    /// (from the id, so that every replica draws the same one) and going
    /// round the route from there.
    pub fn order(&self, id: &str) -> Vec<&str> {
        let total: u64 = self.weights.iter().map(|&w| u64::from(w)).sum();
        let start = if total == 0 {
            0
        } else {
            let digest = Sha256::digest(id.as_bytes());
            let draw = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) % total;
            let mut passed = 0;
            self.weights
                .iter()
                .position(|&w| {
                    passed += u64::from(w);
                    draw < passed
                })
                .unwrap_or(0)
        };
        let n = self.providers.len();
        (0..n).map(|i| self.providers[(start + i) % n].as_str()).collect()
    }
}

/// The sending part of a configuration.
#[derive(Debug, Clone, Default)]
pub struct SendingConfig {
    pub providers: BTreeMap<String, ProviderConfig>,
    pub routes: Vec<RouteConfig>,
}

#[derive(Deserialize)]
struct FileShape {
    #[serde(default)]
    providers: BTreeMap<String, ProviderEntry>,
    #[serde(default)]
    routes: Vec<Spanned<RouteEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderEntry {
    api: Spanned<String>,
    base_url: Option<Spanned<String>>,
    api_key_env: Spanned<String>,
    max_attempts: Option<Spanned<u32>>,
    retry_delay_ms: Option<u64>,
    timeout_seconds: Option<Spanned<u64>>,
    breaker_failures: Option<Spanned<u32>>,
    breaker_cool_down_seconds: Option<Spanned<f64>>,
    rate: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteEntry {
    name: Spanned<String>,
    #[serde(default)]
    prefixes: Vec<Spanned<String>>,
    providers: Vec<Spanned<String>>,
    #[serde(default = "hold")]
    on_uncertain: OnUncertain,
    #[serde(default)]
    reroute_on: Vec<Spanned<String>>,
    #[serde(default)]
    weights: Option<Spanned<Vec<u32>>>,
}

fn hold() -> OnUncertain {
    OnUncertain::Hold
}

impl ProviderConfig {
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
    pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_millis(500);
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_BREAKER_FAILURES: u32 = 5;
    pub const DEFAULT_BREAKER_COOL_DOWN: Duration = Duration::from_secs(30);
}

impl SendingConfig {
    /// Whether any route is configured (sending is off without one).
    pub fn is_enabled(&self) -> bool {
        !self.routes.is_empty()
    }

    /// Reads the `providers` and `routes` of the TOML file at `path`
    /// (other keys are the file's own business), with the keys from the
    /// environment (`env` looks a variable up).
    pub fn load(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<SendingConfig, ConfigError> {
        let (file, text) = smsgate_config_file::read(path)?;
        SendingConfig::parse(&file, &text, env)
    }

    /// [`SendingConfig::load`] on text already read; `file` names it in errors.
    pub fn parse(file: &str, text: &str, env: impl Fn(&str) -> Option<String>) -> Result<SendingConfig, ConfigError> {
        let at = ConfigText { file, text };
        let error = |span: Option<std::ops::Range<usize>>, message: String| at.error(span, message);
        let shape: FileShape = toml::from_str(text).map_err(|e| error(e.span(), e.message().to_string()))?;
        let mut providers = BTreeMap::new();
        for (name, entry) in shape.providers {
            let api: Api = entry.api.get_ref().parse().map_err(|_| {
                error(
                    Some(entry.api.span()),
                    format!(
                        "provider `{name}`: unknown api `{}`: expected clickatell, clickatell-http or clearline",
                        entry.api.get_ref()
                    ),
                )
            })?;
            let variable = entry.api_key_env.get_ref();
            let key = env(variable).ok_or_else(|| {
                error(
                    Some(entry.api_key_env.span()),
                    format!("provider `{name}`: the environment variable {variable} (its api_key_env) is not set"),
                )
            })?;
            let key = ApiKey::new(key).map_err(|e| {
                error(
                    Some(entry.api_key_env.span()),
                    format!("provider `{name}`: the key in {variable} cannot be used: {e}"),
                )
            })?;
            let base_url = match &entry.base_url {
                Some(url) => {
                    if !is_http_url(url.get_ref()) {
                        return Err(error(
                            Some(url.span()),
                            format!(
                                "provider `{name}`: base_url `{}` is not an http:// or https:// URL",
                                url.get_ref()
                            ),
                        ));
                    }
                    url.get_ref().trim_end_matches('/').to_string()
                }
                None => api.production_url().to_string(),
            };
            let max_attempts = match entry.max_attempts {
                Some(n) if *n.get_ref() == 0 => {
                    return Err(error(
                        Some(n.span()),
                        format!("provider `{name}`: max_attempts must be at least 1"),
                    ));
                }
                Some(n) => n.into_inner(),
                None => ProviderConfig::DEFAULT_MAX_ATTEMPTS,
            };
            let breaker_failures = match entry.breaker_failures {
                Some(n) if *n.get_ref() == 0 => {
                    return Err(error(
                        Some(n.span()),
                        format!("provider `{name}`: breaker_failures must be at least 1"),
                    ));
                }
                Some(n) => n.into_inner(),
                None => ProviderConfig::DEFAULT_BREAKER_FAILURES,
            };
            let breaker_cool_down = match entry.breaker_cool_down_seconds {
                Some(seconds) => Duration::try_from_secs_f64(*seconds.get_ref()).map_err(|_| {
                    error(
                        Some(seconds.span()),
                        format!("provider `{name}`: breaker_cool_down_seconds must be a number of seconds from 0"),
                    )
                })?,
                None => ProviderConfig::DEFAULT_BREAKER_COOL_DOWN,
            };
            let rate = match entry.rate {
                Some(rate) if !(rate.get_ref().is_finite() && *rate.get_ref() > 0.0) => {
                    return Err(error(
                        Some(rate.span()),
                        format!("provider `{name}`: rate must be a number of segments per second above 0"),
                    ));
                }
                rate => rate.map(Spanned::into_inner),
            };
            let timeout = match entry.timeout_seconds {
                Some(t) if *t.get_ref() == 0 => {
                    return Err(error(
                        Some(t.span()),
                        format!("provider `{name}`: timeout_seconds must be at least 1"),
                    ));
                }
                Some(t) => Duration::from_secs(t.into_inner()),
                None => ProviderConfig::DEFAULT_TIMEOUT,
            };
            providers.insert(
                name.clone(),
                ProviderConfig {
                    name,
                    api,
                    base_url,
                    key,
                    max_attempts,
                    retry_delay: entry
                        .retry_delay_ms
                        .map_or(ProviderConfig::DEFAULT_RETRY_DELAY, Duration::from_millis),
                    timeout,
                    rate,
                    breaker_failures,
                    breaker_cool_down,
                },
            );
        }
        let mut routes: Vec<RouteConfig> = Vec::new();
        for entry in shape.routes {
            let span = entry.span();
            let entry = entry.into_inner();
            let name = entry.name.get_ref().clone();
            if name.is_empty() {
                return Err(error(Some(entry.name.span()), "a route needs a name".into()));
            }
            if routes.iter().any(|r| r.name == name) {
                return Err(error(
                    Some(entry.name.span()),
                    format!("route `{name}` is defined twice"),
                ));
            }
            if entry.providers.is_empty() {
                return Err(error(
                    Some(span),
                    format!("route `{name}`: providers is empty: name at least one [providers.NAME]"),
                ));
            }
            for provider in &entry.providers {
                if !providers.contains_key(provider.get_ref()) {
                    let known: Vec<&str> = providers.keys().map(String::as_str).collect();
                    return Err(error(
                        Some(provider.span()),
                        format!(
                            "route `{name}`: unknown provider `{}`: configured are {}",
                            provider.get_ref(),
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    ));
                }
            }
            for prefix in &entry.prefixes {
                let digits = prefix.get_ref().strip_prefix('+').unwrap_or("");
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(error(
                        Some(prefix.span()),
                        format!(
                            "route `{name}`: prefix `{}` is not `+` and digits (e.g. +27)",
                            prefix.get_ref()
                        ),
                    ));
                }
            }
            if entry.prefixes.is_empty()
                && let Some(other) = routes.iter().find(|r| r.prefixes.is_empty())
            {
                return Err(error(
                    Some(entry.name.span()),
                    format!(
                        "route `{name}` has no prefixes, nor has route `{}`: only one route may catch every other number",
                        other.name
                    ),
                ));
            }
            let mut reroute_on = Vec::new();
            for status in &entry.reroute_on {
                match Status::parse(status.get_ref()).filter(|s| s.is_failure()) {
                    Some(parsed) => reroute_on.push(parsed),
                    None => {
                        return Err(error(
                            Some(status.span()),
                            format!(
                                "route `{name}`: reroute_on `{}` is not a failed delivery: expected undelivered, expired, rejected or cancelled",
                                status.get_ref()
                            ),
                        ));
                    }
                }
            }
            let weights = match entry.weights {
                None => Vec::new(),
                Some(weights) => {
                    let span = weights.span();
                    let weights = weights.into_inner();
                    if weights.len() != entry.providers.len() || weights.iter().all(|&w| w == 0) {
                        return Err(error(
                            Some(span),
                            format!(
                                "route `{name}`: weights must give each of its {} providers a share, not all 0 (e.g. [80, 20])",
                                entry.providers.len()
                            ),
                        ));
                    }
                    weights
                }
            };
            routes.push(RouteConfig {
                name,
                prefixes: entry.prefixes.into_iter().map(Spanned::into_inner).collect(),
                providers: entry.providers.into_iter().map(Spanned::into_inner).collect(),
                on_uncertain: entry.on_uncertain,
                reroute_on,
                weights,
            });
        }
        Ok(SendingConfig { providers, routes })
    }
}

fn is_http_url(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
listen = "127.0.0.1:8080"

[providers.primary]
api = "clickatell"
api_key_env = "KEY_A"

[providers.backup]
api = "clearline"
base_url = "http://127.0.0.1:9000/"
api_key_env = "KEY_B"
max_attempts = 2

[[routes]]
name = "za"
prefixes = ["+27"]
providers = ["primary", "backup"]
on_uncertain = "failover"
reroute_on = ["undelivered", "expired"]

[[routes]]
name = "default"
providers = ["backup"]
"#;

    fn env(name: &str) -> Option<String> {
        matches!(name, "KEY_A" | "KEY_B").then(|| format!("secret-{name}"))
    }

    fn parse(text: &str) -> Result<SendingConfig, ConfigError> {
        SendingConfig::parse("smsgate.toml", text, env)
    }

    #[test]
    fn reads_providers_and_routes_with_defaults() {
        let config = parse(GOOD).unwrap();
        let primary = &config.providers["primary"];
        assert_eq!(primary.api, Api::Clickatell);
        assert_eq!(primary.base_url, smsgate::clickatell::sms_api::PLATFORM_URL);
        assert_eq!(primary.key.expose(), "secret-KEY_A");
        assert_eq!(primary.max_attempts, ProviderConfig::DEFAULT_MAX_ATTEMPTS);
        let backup = &config.providers["backup"];
        assert_eq!(
            (backup.base_url.as_str(), backup.max_attempts),
            ("http://127.0.0.1:9000", 2)
        );
        assert_eq!(config.routes[0].providers, ["primary", "backup"]);
        assert_eq!(config.routes[0].on_uncertain, OnUncertain::Failover);
        assert_eq!(config.routes[1].on_uncertain, OnUncertain::Hold);
        assert_eq!(config.routes[0].reroute_on, [Status::Undelivered, Status::Expired]);
        assert!(config.routes[1].reroute_on.is_empty());
        assert!(config.routes[1].prefixes.is_empty());
        assert!(!format!("{config:?}").contains("secret-"), "keys never show");
    }

    #[test]
    fn every_mistake_names_its_line() {
        let cases = [
            (
                GOOD.replace("api = \"clearline\"", "api = \"smpp\""),
                9,
                "unknown api `smpp`",
            ),
            (
                GOOD.replace("providers = [\"backup\"]", "providers = [\"spare\"]"),
                23,
                "unknown provider `spare`: configured are backup, primary",
            ),
            (
                GOOD.replace("KEY_B", "KEY_MISSING"),
                11,
                "the environment variable KEY_MISSING (its api_key_env) is not set",
            ),
            (
                GOOD.replace("max_attempts = 2", "retries = 2"),
                12,
                "unknown field `retries`",
            ),
            (
                GOOD.replace("\"+27\"", "\"27\""),
                16,
                "prefix `27` is not `+` and digits",
            ),
            (
                GOOD.replace("prefixes = [\"+27\"]\n", ""),
                21,
                "only one route may catch every other number",
            ),
            (
                GOOD.replace("name = \"default\"", "name = \"za\""),
                22,
                "route `za` is defined twice",
            ),
            (
                GOOD.replace("\"expired\"]", "\"delivered\"]"),
                19,
                "reroute_on `delivered` is not a failed delivery",
            ),
        ];
        for (text, line, message) in cases {
            let error = parse(&text).unwrap_err();
            assert_eq!(error.line, Some(line), "{error}");
            assert!(error.to_string().contains(message), "{error}");
            assert!(
                error.to_string().starts_with(&format!("smsgate.toml, line {line}: ")),
                "{error}"
            );
        }
    }

    #[test]
    fn weights_split_the_first_provider_and_keep_the_others_for_failover() {
        let config = parse(&GOOD.replace(
            "providers = [\"backup\"]",
            "providers = [\"backup\", \"primary\"]\nweights = [80, 20]",
        ))
        .unwrap();
        let route = &config.routes[1];
        let firsts: Vec<&str> = (0..2000).map(|n| route.order(&format!("ob_{n}"))[0]).collect();
        let backup = firsts.iter().filter(|&&p| p == "backup").count();
        assert!((1500..=1700).contains(&backup), "{backup} of 2000 first through backup");
        for n in 0..50 {
            let id = format!("ob_{n}");
            let order = route.order(&id);
            assert_eq!(order.len(), 2);
            assert_ne!(order[0], order[1], "every provider once");
            assert_eq!(order, route.order(&id), "the same order every time");
        }
        assert_eq!(
            config.routes[0].order("ob_1"),
            ["primary", "backup"],
            "no weights: route order"
        );
        let bad = parse(&GOOD.replace(
            "providers = [\"backup\"]",
            "providers = [\"backup\"]\nweights = [80, 20]",
        ));
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("weights must give each of its 1 providers a share")
        );
    }

    #[test]
    fn a_file_without_routes_leaves_sending_off() {
        let config = parse("listen = \"127.0.0.1:8080\"\n").unwrap();
        assert!(!config.is_enabled());
    }
}
