//! Load as providers produce it: unique callbacks spread over several
//! providers' routes (POST JSON and GET query strings), two status reports
//! per message (an intermediate one, then `delivered`), sent by concurrent
//! workers to whatever address the receiver has now, and a ledger of what
//! each attempt got back, so that a suite can check the store against every
//! acknowledgement.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde_json::json;
use tokio::task::JoinHandle;

use crate::secrets::CALLBACK_SECRET;

/// One callback a provider sends, and the event the store must then hold.
#[derive(Debug, Clone)]
pub struct Callback {
    /// The store's provider name (`clickatell`, `smarthive`, `clearline`).
    pub provider: &'static str,
    pub message_id: String,
    /// The normalized status this callback reports.
    pub status: &'static str,
    pub path: &'static str,
    request: Request,
}

#[derive(Debug, Clone)]
enum Request {
    PostJson(String),
    Get(Vec<(&'static str, String)>),
}

/// The (provider, message id, status) of the event a callback carries.
pub type EventKey = (String, String, String);

impl Callback {
    pub fn event(&self) -> EventKey {
        (self.provider.into(), self.message_id.clone(), self.status.into())
    }

    /// The JSON body, for a callback sent by POST.
    pub fn json_body(&self) -> Option<&str> {
        match &self.request {
            Request::PostJson(body) => Some(body),
            Request::Get(_) => None,
        }
    }
}

/// Two callbacks for each of `messages` messages named `{prefix}-{n}`: first
/// an intermediate status, then `delivered`. The providers take turns:
/// Clickatell One API, SmartHive, ClearLine, Clickatell SMS (by GET).
pub fn callbacks(prefix: &str, messages: usize) -> Vec<Callback> {
    let mut all = Vec::with_capacity(messages * 2);
    for n in 0..messages {
        let id = format!("{prefix}-{n}");
        for delivered in [false, true] {
            all.push(callback(n % 4, &id, delivered));
        }
    }
    all
}

fn callback(provider: usize, id: &str, delivered: bool) -> Callback {
    let timestamp = 1_700_000_000_000_i64 + i64::from(delivered) * 5_000;
    let (provider, status, path, request) = match provider {
        0 => {
            let (code, name) = if delivered {
                (5, "DEVICE_ACK")
            } else {
                (4, "SENT_TO_SUPPLIER")
            };
            let body = json!({"integrationId": "i-1", "event": {"messageStatusUpdate": [{
                "channel": "sms", "messageId": id, "clientMessageId": format!("order-{id}"),
                "statusCode": code, "status": name, "timestamp": timestamp}]}});
            (
                "clickatell",
                "sent",
                "/client-callback/one-api-status",
                Request::PostJson(body.to_string()),
            )
        }
        1 => {
            let stat = if delivered { "DELIVRD" } else { "ENROUTE" };
            let body = json!({"msg_id": id, "status": stat, "dlr_code": "000",
                "timestamp": if delivered { "202311042057" } else { "202311042056" }, "desc": stat});
            (
                "smarthive",
                "sent",
                "/client-callback/smarthive-status",
                Request::PostJson(body.to_string()),
            )
        }
        2 => {
            let word = if delivered { "Delivered" } else { "Pending" };
            let body = json!({"messageId": id, "deliveryStatus": word, "reasonText": "ok",
                "deliveredAt": "2023-11-14T22:13:20Z"});
            (
                "clearline",
                "unknown",
                "/client-callback/clearline-status",
                Request::PostJson(body.to_string()),
            )
        }
        _ => {
            let (code, name) = if delivered {
                ("004", "RECEIVED_BY_RECIPIENT")
            } else {
                ("003", "DELIVERED_TO_GATEWAY")
            };
            let query = vec![
                ("integrationName", "load".to_string()),
                ("messageId", id.to_string()),
                ("requestId", format!("req-{id}")),
                ("to", "27820000001".to_string()),
                ("from", "27820000000".to_string()),
                ("statusCode", code.to_string()),
                ("status", name.to_string()),
                ("timestamp", timestamp.to_string()),
            ];
            ("clickatell", "sent", "/client-callback/sms-status", Request::Get(query))
        }
    };
    Callback {
        provider,
        message_id: id.to_string(),
        status: if delivered { "delivered" } else { status },
        path,
        request,
    }
}

/// What one attempt got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: the receiver says it is stored.
    Acknowledged,
    /// 503, with its `Retry-After` if there was one.
    Unavailable { retry_after: Option<String> },
    /// Any other status, with the body.
    Other { status: u16, body: String },
    /// No answer: refused, reset, timed out (a receiver killed meanwhile).
    NoAnswer(String),
}

/// Where the receiver is now: a restart may move it to another port.
#[derive(Clone)]
pub struct Target(Arc<RwLock<String>>);

impl Target {
    pub fn new(callback_base: &str) -> Target {
        Target(Arc::new(RwLock::new(callback_base.to_string())))
    }

    pub fn set(&self, callback_base: &str) {
        *self.0.write().unwrap() = callback_base.to_string();
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0.read().unwrap())
    }
}

/// An HTTP client for the load: no connection reuse across a killed
/// receiver matters, since every error is just recorded.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// Sends `callback` once, with the callback secret, and says what came back.
pub async fn send(http: &reqwest::Client, target: &Target, callback: &Callback) -> Outcome {
    let url = target.url(callback.path);
    let request = match &callback.request {
        Request::PostJson(body) => http
            .post(url)
            .query(&[("token", CALLBACK_SECRET)])
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone()),
        Request::Get(query) => http.get(url).query(query).query(&[("token", CALLBACK_SECRET)]),
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(err) => return Outcome::NoAnswer(err.to_string()),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .map(|value| value.to_str().unwrap_or("(not text)").to_string());
    match response.text().await {
        Err(err) => Outcome::NoAnswer(err.to_string()),
        Ok(_) if status.is_success() => Outcome::Acknowledged,
        Ok(_) if status == reqwest::StatusCode::SERVICE_UNAVAILABLE => Outcome::Unavailable { retry_after },
        Ok(body) => Outcome::Other {
            status: status.as_u16(),
            body,
        },
    }
}

/// Every attempt, in the order they ended: (index into the callbacks, outcome).
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    pub attempts: Vec<(usize, Outcome)>,
}

impl Ledger {
    /// Indexes of the callbacks acknowledged at least once.
    pub fn acknowledged(&self) -> Vec<usize> {
        let mut indexes: Vec<_> = self
            .attempts
            .iter()
            .filter(|(_, outcome)| *outcome == Outcome::Acknowledged)
            .map(|(i, _)| *i)
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes
    }

    /// Indexes of the callbacks attempted but never acknowledged: what a
    /// provider still has to retry.
    pub fn unacknowledged(&self) -> Vec<usize> {
        let acknowledged = self.acknowledged();
        let mut indexes: Vec<_> = self
            .attempts
            .iter()
            .map(|(i, _)| *i)
            .filter(|i| acknowledged.binary_search(i).is_err())
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes
    }

    /// How many attempts ended each way (`ack`, `503`, `other`, `no answer`).
    pub fn tally(&self) -> HashMap<&'static str, usize> {
        let mut tally = HashMap::new();
        for (_, outcome) in &self.attempts {
            let kind = match outcome {
                Outcome::Acknowledged => "ack",
                Outcome::Unavailable { .. } => "503",
                Outcome::Other { .. } => "other",
                Outcome::NoAnswer(_) => "no answer",
            };
            *tally.entry(kind).or_default() += 1;
        }
        tally
    }

    pub fn extend(&mut self, other: Ledger) {
        self.attempts.extend(other.attempts);
    }
}

/// How long a worker waits after an attempt that was not acknowledged.
const BACK_OFF: Duration = Duration::from_millis(20);
/// A callback that got no answer at all (the receiver is down) goes to the
/// back of the queue, for this many attempts in all: a restart does not
/// drain the queue, and a receiver that never comes back does not hang it.
const MOST_ATTEMPTS_UNANSWERED: usize = 10;

/// Workers sending callbacks (by index into a shared list) until the queue
/// is empty or they are stopped. Each callback is attempted once, or again
/// later when it got no answer at all (see `MOST_ATTEMPTS_UNANSWERED`).
pub struct Load {
    ledger: Arc<Mutex<Ledger>>,
    acknowledged: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl Load {
    /// `workers` concurrent senders of `indexes` (of `callbacks`) to `target`.
    pub fn start(target: &Target, callbacks: Arc<Vec<Callback>>, indexes: Vec<usize>, workers: usize) -> Load {
        let queue: VecDeque<(usize, usize)> = indexes.into_iter().map(|index| (index, 1)).collect();
        let queue = Arc::new(Mutex::new(queue));
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let acknowledged = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..workers)
            .map(|_| {
                let (queue, ledger, acknowledged, stop) =
                    (queue.clone(), ledger.clone(), acknowledged.clone(), stop.clone());
                let (target, callbacks, http) = (target.clone(), callbacks.clone(), http_client());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        let Some((index, attempt)) = queue.lock().unwrap().pop_front() else {
                            break;
                        };
                        let outcome = send(&http, &target, &callbacks[index]).await;
                        let answered = outcome == Outcome::Acknowledged;
                        if answered {
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        if matches!(outcome, Outcome::NoAnswer(_)) && attempt < MOST_ATTEMPTS_UNANSWERED {
                            queue.lock().unwrap().push_back((index, attempt + 1));
                        }
                        ledger.lock().unwrap().attempts.push((index, outcome));
                        if !answered {
                            // A provider backs off too.
                            tokio::time::sleep(BACK_OFF).await;
                        }
                    }
                })
            })
            .collect();
        Load {
            ledger,
            acknowledged,
            stop,
            workers,
        }
    }

    /// Acknowledgements so far.
    pub fn acknowledged(&self) -> usize {
        self.acknowledged.load(Ordering::SeqCst)
    }

    /// Waits until `count` acknowledgements (or the queue ran dry, or
    /// `timeout`); returns whether `count` was reached.
    pub async fn wait_for_acknowledged(&self, count: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.acknowledged() < count {
            if self.workers.iter().all(JoinHandle::is_finished) || tokio::time::Instant::now() > deadline {
                return self.acknowledged() >= count;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Stops taking callbacks, lets the attempts in flight end, and gives
    /// the ledger.
    pub async fn stop(self) -> Ledger {
        self.stop.store(true, Ordering::SeqCst);
        self.finish().await
    }

    /// Waits until the queue is empty; the ledger.
    pub async fn finish(self) -> Ledger {
        for worker in self.workers {
            worker.await.expect("a load worker panicked");
        }
        std::mem::take(&mut *self.ledger.lock().unwrap())
    }
}
