//! Where reading commands read from: the store itself, or a running
//! receiver's query API. Both give the query API's JSON shapes.

use std::sync::Arc;

use anyhow::Context;
use smsgate_normalize::Provider;
use smsgate_receiver_api::views::{DeliveryStats, EventsPage, MessageView, MessagesPage, OutboundView};
use smsgate_store::{DeliveryWindow, MessageSearch, Store};

use crate::settings::{self, File};

pub enum Source {
    Store(Arc<dyn Store>),
    Server(smsgate::api::Client),
}

/// `--database` and `--server`, shared by the reading commands. A flag beats
/// the environment (`SMSGATE_SERVER`, `SMSGATE_DATABASE`), which beats the
/// config file; at the same level `--server` beats `--database`.
#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    /// Read the store directly (e.g. sqlite:smsgate.db, postgres://USER@HOST/DB) [env: SMSGATE_DATABASE]
    #[arg(long, conflicts_with = "server")]
    database: Option<String>,
    /// Read a running receiver's query API (e.g. http://127.0.0.1:8080); the
    /// token comes from SMSGATE_API_TOKEN [env: SMSGATE_SERVER]
    #[arg(long)]
    server: Option<String>,
}

enum Where {
    Server(String),
    Database(String),
}

impl SourceArgs {
    /// Environment variables are read here rather than by clap, so that an
    /// exported SMSGATE_DATABASE does not clash with a `--server` flag.
    fn resolve(self, file: &File) -> Where {
        let candidates = [
            self.server.map(Where::Server),
            self.database.map(Where::Database),
            env("SMSGATE_SERVER").map(Where::Server),
            env("SMSGATE_DATABASE").map(Where::Database),
            file.server.clone().map(Where::Server),
            file.database.clone().map(Where::Database),
        ];
        candidates
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| Where::Database(settings::DEFAULT_DATABASE.into()))
    }

    pub async fn open(self, file: &File) -> anyhow::Result<Source> {
        match self.resolve(file) {
            Where::Server(server) => {
                let token = smsgate::ApiKey::from_env("SMSGATE_API_TOKEN")
                    .context("reading a server needs its API token in SMSGATE_API_TOKEN")?;
                Ok(Source::Server(smsgate::api::Client::with_api_key(
                    server.trim_end_matches('/'),
                    token,
                )))
            }
            Where::Database(url) => Ok(Source::Store(open_store(&url).await?)),
        }
    }
}

/// `--database` alone, for the commands that need the store itself. The
/// flag beats the environment (`SMSGATE_DATABASE`), which beats the config
/// file, which beats the default.
#[derive(clap::Args, Debug)]
pub struct DatabaseArgs {
    /// The store (e.g. sqlite:smsgate.db, postgres://USER@HOST/DB) [env: SMSGATE_DATABASE]
    #[arg(long)]
    database: Option<String>,
}

impl DatabaseArgs {
    pub async fn open(self, file: &File) -> anyhow::Result<Arc<dyn Store>> {
        let url = self
            .database
            .or_else(|| env("SMSGATE_DATABASE"))
            .or_else(|| file.database.clone())
            .unwrap_or_else(|| settings::DEFAULT_DATABASE.into());
        open_store(&url).await
    }
}

/// An environment variable's value, unless it is unset or blank. Read here
/// rather than by clap, so that an exported variable never clashes with a flag.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    smsgate_store::open(url)
        .await
        .with_context(|| format!("cannot open {}", smsgate_store::display_url(url)))
}

/// The generated client's types and the receiver's views are the same JSON.
pub fn convert<From: serde::Serialize, To: serde::de::DeserializeOwned>(value: From) -> anyhow::Result<To> {
    Ok(serde_json::from_value(serde_json::to_value(value)?)?)
}

impl Source {
    pub async fn message(&self, provider: Provider, message_id: &str) -> anyhow::Result<Option<MessageView>> {
        match self {
            Source::Store(store) => Ok(store.message(provider, message_id).await?),
            Source::Server(client) => match client
                .get_message()
                .provider(provider.as_str())
                .message_id(message_id)
                .send()
                .await
            {
                Ok(message) => Ok(Some(convert(message.into_inner())?)),
                Err(smsgate::api::Error::ErrorResponse(response)) if response.status() == 404 => Ok(None),
                Err(error) => Err(anyhow::anyhow!("the server answered: {error}")),
            },
        }
    }

    pub async fn outbound(&self, id: &str) -> anyhow::Result<Option<OutboundView>> {
        match self {
            Source::Store(store) => Ok(store.outbound(id).await?),
            Source::Server(client) => match client.get_outbound().id(id).send().await {
                Ok(message) => Ok(Some(convert(message.into_inner())?)),
                Err(smsgate::api::Error::ErrorResponse(response)) if response.status() == 404 => Ok(None),
                Err(error) => Err(anyhow::anyhow!("the server answered: {error}")),
            },
        }
    }

    pub async fn events(&self, after: Option<&str>, limit: u32) -> anyhow::Result<EventsPage> {
        match self {
            Source::Store(store) => Ok(store.events(after, limit as usize).await?),
            Source::Server(client) => {
                let mut request = client.list_events().limit(limit);
                if let Some(after) = after {
                    request = request.after(after.to_string());
                }
                let page = request
                    .send()
                    .await
                    .map_err(|e| anyhow::anyhow!("the server answered: {e}"))?;
                convert(page.into_inner())
            }
        }
    }

    /// A page of the messages `search` finds, newest first.
    pub async fn search_messages(&self, search: MessageSearch) -> anyhow::Result<MessagesPage> {
        let client = match self {
            Source::Store(store) => return Ok(store.search_messages(search).await?),
            Source::Server(client) => client,
        };
        let mut request = client
            .search_messages()
            .limit(u32::try_from(search.limit).unwrap_or(u32::MAX));
        if let Some(id) = search.id {
            request = request.id(id);
        }
        if let Some(outbound_id) = search.outbound_id {
            request = request.outbound_id(outbound_id);
        }
        if let Some(to) = search.to {
            request = request.to(to);
        }
        if let Some(provider) = search.provider {
            request = request.provider(provider.as_str());
        }
        if let Some(status) = search.status {
            request = request.status(status.as_str());
        }
        if let Some(since) = search.since {
            request = request.since(since);
        }
        if let Some(until) = search.until {
            request = request.until(until);
        }
        if let Some(after) = search.after {
            request = request.after(after);
        }
        let page = request
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("the server answered: {e}"))?;
        convert(page.into_inner())
    }

    /// Delivery figures over `window` (checked here, so that both sources
    /// refuse the same windows in the same words).
    pub async fn delivery_stats(&self, window: DeliveryWindow) -> anyhow::Result<DeliveryStats> {
        let client = match self {
            Source::Store(store) => return Ok(store.delivery_stats(window).await?),
            Source::Server(client) => client,
        };
        let mut request = client
            .get_delivery_stats()
            .since(window.since())
            .until(window.until())
            .bucket(window.bucket());
        if let Some(provider) = window.provider() {
            request = request.provider(provider.as_str());
        }
        let stats = request
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("the server answered: {e}"))?;
        convert(stats.into_inner())
    }
}
