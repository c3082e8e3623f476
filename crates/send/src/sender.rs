//! Sending: one message, or the rows of a CSV in requests as large as the
//! route takes, paced, retried, written to the results file around every
//! request, and recorded in the store when one is given.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smsgate_store::{Store, StoreError, Submission};

use crate::gateway::{Failure, Gateway, Outcome};
use crate::message::Outgoing;
use crate::pace::Pacer;
use crate::results::{Record, Results, ResultsError, State};
use crate::retry::RetryPolicy;
use crate::rows::Row;

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Accepted {
        message_id: String,
    },
    Rejected {
        reason: String,
    },
    /// No usable answer after the last attempt; `maybe_sent` when the
    /// provider may have accepted it anyway.
    Failed {
        reason: String,
        maybe_sent: bool,
    },
}

/// What the caller hears while a run goes (for output and progress).
#[derive(Debug)]
pub enum Progress<'a> {
    /// A CSV run is about to send this many messages (after skipping and
    /// holding back rows).
    Planned { to_send: usize },
    /// A message's result; `row` is `None` for a single message.
    Done {
        row: Option<&'a Row>,
        message: &'a Outgoing,
        sent: &'a Sent,
    },
    /// A request failed and will be tried again after `wait`.
    Retrying { failure: &'a Failure, wait: Duration },
}

/// How a CSV run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub accepted: usize,
    pub rejected: usize,
    pub failed: usize,
    /// Accepted by an earlier run, not sent again.
    pub skipped: usize,
    /// Interrupted or unclear in an earlier run (may have been sent), held back.
    pub held_back: usize,
}

impl Summary {
    /// Whether every row is now accepted.
    pub fn all_accepted(&self) -> bool {
        self.rejected == 0 && self.failed == 0 && self.held_back == 0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("message {message_id} was accepted but could not be recorded in the store: {source}")]
    Store { message_id: String, source: StoreError },
}

/// Sends through one [`Gateway`].
pub struct Sender {
    pub gateway: Gateway,
    pub retry: RetryPolicy,
    /// `--rate`: none sends as fast as answers come.
    pub pacer: Option<Pacer>,
    /// Where accepted submissions are recorded (`--database`).
    pub store: Option<Arc<dyn Store>>,
    /// Most messages in one bulk request.
    pub bulk_size: usize,
    /// Send rows an earlier run left `sending` or `uncertain` again.
    pub resend_uncertain: bool,
}

impl Sender {
    /// Sends one message (retrying as the policy says) and records it.
    pub async fn send_one(
        &mut self,
        message: &Outgoing,
        report: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Sent, SendError> {
        let sent = self
            .attempt(std::slice::from_ref(message), false, report)
            .await
            .remove(0);
        if let Sent::Accepted { message_id } = &sent {
            self.record(message, message_id, now_ms(), false).await?;
        }
        report(Progress::Done {
            row: None,
            message,
            sent: &sent,
        });
        Ok(sent)
    }

    /// Sends the rows an earlier run (see `results`) did not settle.
    pub async fn send_rows(
        &mut self,
        rows: &[Row],
        results: &mut Results,
        report: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Summary, SendError> {
        let mut summary = Summary::default();
        let mut todo = Vec::new();
        // Clickatell REST: the bulk endpoint, even for a last batch of one.
        let bulk = self.gateway.has_bulk();
        for row in rows {
            match results.last(&row.key) {
                Some(Record {
                    state: State::Accepted,
                    message_id: Some(message_id),
                    at,
                    ..
                }) => {
                    // Recorded again (a no-op if it was), in case the store
                    // was down, or not given, when it was accepted.
                    self.record(&row.message, message_id, *at, bulk).await?;
                    summary.skipped += 1;
                }
                Some(Record {
                    state: State::Accepted, ..
                }) => summary.skipped += 1,
                Some(Record {
                    state: State::Sending | State::Uncertain,
                    ..
                }) if !self.resend_uncertain => summary.held_back += 1,
                _ => todo.push(row),
            }
        }
        report(Progress::Planned { to_send: todo.len() });
        let per_request = if bulk { self.bulk_size.max(1) } else { 1 };
        let provider = self.gateway.route().provider().as_str();
        for batch in todo.chunks(per_request) {
            if let Some(pacer) = &mut self.pacer {
                pacer.wait(batch.len()).await;
            }
            let sending: Vec<Record> = batch
                .iter()
                .map(|row| record(row, provider, State::Sending, None, None))
                .collect();
            results.append(&sending)?;
            let messages: Vec<Outgoing> = batch.iter().map(|row| row.message.clone()).collect();
            let outcomes = self.attempt(&messages, bulk, report).await;
            let settled: Vec<Record> = batch
                .iter()
                .zip(&outcomes)
                .map(|(row, sent)| match sent {
                    Sent::Accepted { message_id } => record(row, provider, State::Accepted, Some(message_id), None),
                    Sent::Rejected { reason } => record(row, provider, State::Rejected, None, Some(reason)),
                    Sent::Failed { reason, maybe_sent } => {
                        let state = if *maybe_sent { State::Uncertain } else { State::Failed };
                        record(row, provider, state, None, Some(reason))
                    }
                })
                .collect();
            results.append(&settled)?;
            for ((row, sent), settled) in batch.iter().zip(&outcomes).zip(&settled) {
                if let Sent::Accepted { message_id } = sent {
                    self.record(&row.message, message_id, settled.at, bulk).await?;
                }
                match sent {
                    Sent::Accepted { .. } => summary.accepted += 1,
                    Sent::Rejected { .. } => summary.rejected += 1,
                    Sent::Failed { .. } => summary.failed += 1,
                }
                report(Progress::Done {
                    row: Some(row),
                    message: &row.message,
                    sent,
                });
            }
        }
        Ok(summary)
    }

    /// One request, retried: a bulk request for `messages`, or the
    /// single-message operation for the one message; a result per message.
    async fn attempt(&self, messages: &[Outgoing], bulk: bool, report: &mut dyn FnMut(Progress<'_>)) -> Vec<Sent> {
        let gateway = &self.gateway;
        let result = self
            .retry
            .run(
                || async move {
                    if bulk {
                        gateway.send_bulk(messages).await
                    } else {
                        gateway.send_one(&messages[0]).await.map(|outcome| vec![outcome])
                    }
                },
                |failure, wait| report(Progress::Retrying { failure, wait }),
            )
            .await;
        match result {
            Ok(outcomes) => outcomes
                .into_iter()
                .map(|outcome| match outcome {
                    Outcome::Accepted { message_id } => Sent::Accepted { message_id },
                    Outcome::Rejected { reason } => Sent::Rejected { reason },
                })
                .collect(),
            Err(failure) => vec![
                Sent::Failed {
                    reason: failure.message,
                    maybe_sent: failure.maybe_sent,
                };
                messages.len()
            ],
        }
    }

    /// Records a message accepted at `submitted_at` in the store, when
    /// there is one.
    async fn record(
        &self,
        message: &Outgoing,
        message_id: &str,
        submitted_at: i64,
        bulk: bool,
    ) -> Result<(), SendError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let route = self.gateway.route();
        let (method, path) = route.submit_request(bulk);
        let submission = Submission {
            provider: route.provider(),
            message_id: message_id.to_string(),
            to: message.to.clone(),
            from: message.from.clone(),
            client_message_id: message.client_message_id.clone(),
            submitted_at,
            method: method.into(),
            path: path.into(),
        };
        store
            .record_submission(submission)
            .await
            .map(drop)
            .map_err(|source| SendError::Store {
                message_id: message_id.to_string(),
                source,
            })
    }
}

fn record(row: &Row, provider: &str, state: State, message_id: Option<&String>, error: Option<&String>) -> Record {
    Record {
        key: row.key.clone(),
        line: row.line,
        to: row.message.to.clone(),
        state,
        provider: provider.to_string(),
        message_id: message_id.cloned(),
        error: error.cloned(),
        at: now_ms(),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}
