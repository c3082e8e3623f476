//! A local HTTP peer playing a provider's send API: it records every
//! request, answers what the test's script says (by default, as the
//! provider's spec documents a success), and counts requests per recipient.
//!
//! Shared by the send library's tests and the CLI's `smsgate send` tests,
//! which run the same exchanges through the binary, and by the exports'
//! tests, where it plays a webhook receiver.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::{Value, json};

/// A request as the peer saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The body exactly as it came (for signatures over its bytes).
    pub raw_body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The recipients of the request, whatever the API.
    pub fn recipients(&self) -> Vec<String> {
        match self.path.as_str() {
            "/messages" => strings(&self.body["to"]),
            "/messages/rest/bulk" => self.body["messageList"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|message| strings(&message["to"]))
                .collect(),
            "/messages/http/send" => self.query_value("to").map(str::to_string).into_iter().collect(),
            _ => self.body["phone"].as_str().map(str::to_string).into_iter().collect(),
        }
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// What the peer answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    /// The documented success for the request: 202 with a result per
    /// recipient (Clickatell), or `{succeed, messageId}` (ClearLine).
    pub fn success(seen: &Seen) -> Reply {
        let result = |to: &str| json!({"apiMessageId": format!("id-{}", to.trim_start_matches('+')), "accepted": true, "to": to});
        match seen.path.as_str() {
            "/messages/rest/bulk" => Reply::json(
                202,
                Value::Array(
                    seen.body["messageList"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|message| json!({"messages": strings(&message["to"]).iter().map(|to| result(to)).collect::<Vec<_>>()}))
                        .collect(),
                ),
            ),
            "/MessageSender/sms" => Reply::json(
                200,
                json!({"succeed": true, "messageId": format!("cl-{}", seen.recipients()[0].trim_start_matches('+'))}),
            ),
            _ => Reply::json(202, json!({"messages": seen.recipients().iter().map(|to| result(to)).collect::<Vec<_>>()})),
        }
    }
}

type Script = dyn Fn(&Seen, &State) -> Reply + Send + Sync;

/// What the peer saw so far.
#[derive(Debug, Default)]
pub struct State {
    pub requests: Vec<Seen>,
    /// Requests per recipient.
    pub per_recipient: HashMap<String, usize>,
    pub in_flight: usize,
    pub most_in_flight: usize,
}

pub struct Peer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Peer {
    /// Starts a peer answering every request as `script` says; `script`
    /// sees the request and the state before it (this request not counted).
    pub async fn start(script: impl Fn(&Seen, &State) -> Reply + Send + Sync + 'static) -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let script: Arc<Script> = Arc::new(script);
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (state, script) = (shared.clone(), script.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let (state, script) = (state.clone(), script.clone());
                        async move { Ok::<_, Infallible>(answer(request, &state, &*script).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Peer { addr, state, task }
    }

    /// A peer that answers every request with the documented success.
    pub async fn succeeding() -> Peer {
        Peer::start(|seen, _| Reply::success(seen)).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn per_recipient(&self) -> HashMap<String, usize> {
        self.state.lock().unwrap().per_recipient.clone()
    }

    pub fn most_in_flight(&self) -> usize {
        self.state.lock().unwrap().most_in_flight
    }

    /// Waits (generously) until the peer has seen `count` requests.
    pub async fn wait_for_requests(&self, count: usize) {
        for _ in 0..600 {
            if self.state.lock().unwrap().requests.len() >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the peer never saw {count} requests");
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(request: Request<Incoming>, state: &Mutex<State>, script: &Script) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(url_pairs).unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        raw_body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    let reply = {
        let mut state = state.lock().unwrap();
        let reply = script(&seen, &state);
        for to in seen.recipients() {
            *state.per_recipient.entry(to).or_default() += 1;
        }
        state.requests.push(seen);
        state.in_flight += 1;
        state.most_in_flight = state.most_in_flight.max(state.in_flight);
        reply
    };
    tokio::time::sleep(reply.delay).await;
    state.lock().unwrap().in_flight -= 1;
    let mut response = Response::builder()
        .status(reply.status)
        .header("content-type", "application/json");
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    response.body(Full::new(Bytes::from(reply.body))).unwrap()
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://peer.invalid/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
