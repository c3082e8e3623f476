//! Settings: flag, then `SMSGATE_*` environment variable (both via clap),
//! then the TOML file, then the default.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// The optional TOML file; every key is the long option's name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    pub listen: Option<String>,
    pub api_listen: Option<String>,
    pub database: Option<String>,
    pub body_limit: Option<usize>,
    pub body_timeout: Option<u64>,
    pub commit_batch: Option<usize>,
    pub commit_wait_us: Option<u64>,
    pub public_url: Option<String>,
    pub tls_cert: Option<std::path::PathBuf>,
    pub tls_key: Option<std::path::PathBuf>,
    pub shutdown_timeout: Option<u64>,
    pub server: Option<String>,
    /// `[providers.NAME]` and `[[routes]]`: whether the file configures
    /// sending; `smsgate_dispatch::SendingConfig` reads and checks them
    /// (from `path`), so that its errors name their lines.
    pub providers: Option<toml::Table>,
    pub routes: Option<Vec<toml::Table>>,
    /// `[[exports]]`: `smsgate_export::ExportsConfig` reads and checks them
    /// (from `path`), so that its errors name their lines.
    pub exports: Option<Vec<toml::Table>>,
    /// Where the file was read from.
    #[serde(skip)]
    pub path: Option<std::path::PathBuf>,
}

impl File {
    pub fn load(path: Option<&Path>) -> anyhow::Result<File> {
        let Some(path) = path else { return Ok(File::default()) };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut file: File = toml::from_str(&text).with_context(|| {
            format!(
                "config file {} is not valid: expected TOML with keys listen, api-listen, database, body-limit, body-timeout, \
                 commit-batch, commit-wait-us, public-url, tls-cert, tls-key, shutdown-timeout, server, \
                 and the tables providers, routes and exports",
                path.display()
            )
        })?;
        file.path = Some(path.to_path_buf());
        Ok(file)
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "sqlite:smsgate.db";

/// Parses a setting, naming it and what is expected when it is wrong.
pub fn parse<T: std::str::FromStr>(name: &str, value: &str, expected: &str) -> anyhow::Result<T> {
    value
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid {name} `{value}`: expected {expected}"))
}
