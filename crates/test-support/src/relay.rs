//! A TCP relay on a port of its own to a target set (and changed) later,
//! for processes that must know an address before the server behind it
//! starts: simulators call back a `smsgate serve` that starts after them
//! (its routes name the simulators), or restarts on another port. It can
//! also drop every answer, so that a client never hears how its request
//! went.

use std::sync::{Arc, Mutex};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// What a [`Relay`] does with the server's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    Forward,
    /// Closes the connection as soon as the server starts answering: the
    /// request was served, the client never hears how.
    Drop,
}

/// A TCP relay on a port of its own to a target set (and changed) later:
/// the simulators call back a serve that starts after them, or restarts
/// on another port.
pub struct Relay {
    pub base: String,
    target: Arc<Mutex<Option<String>>>,
}

impl Relay {
    pub async fn start(answers: Answers) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let target: Arc<Mutex<Option<String>>> = Arc::default();
        let current = target.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Some(address) = current.lock().unwrap().clone() else {
                    continue; // nobody to relay to yet: closed
                };
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&address).await else {
                        return;
                    };
                    match answers {
                        Answers::Forward => {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                        Answers::Drop => {
                            let (mut from_client, _to_client) = inbound.split();
                            let (mut from_server, mut to_server) = outbound.split();
                            let mut first = [0u8; 1];
                            tokio::select! {
                                _ = tokio::io::copy(&mut from_client, &mut to_server) => {}
                                _ = from_server.read(&mut first) => {}
                            }
                        }
                    }
                });
            }
        });
        Relay { base, target }
    }

    /// Relays to `base` (`http://ADDR`) from now on.
    pub fn point_at(&self, base: &str) {
        *self.target.lock().unwrap() = Some(base.trim_start_matches("http://").to_string());
    }
}
