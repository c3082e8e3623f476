//! A TCP proxy in front of a server (PostgreSQL, in the suites) that can
//! make the server go away and come back, without touching the server.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards 127.0.0.1:`port` to `target`. `stop` closes every forwarded
/// connection and turns new ones away, as a server going away does; `resume`
/// forwards again. The listener stays bound throughout, so that no other
/// test can take its port meanwhile.
pub struct FaultProxy {
    pub port: u16,
    down: Arc<AtomicBool>,
    forwards: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding to `target` (`host:port`); call within a runtime.
    pub async fn start(target: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the proxy");
        let port = listener.local_addr().expect("the proxy's address").port();
        let down = Arc::new(AtomicBool::new(false));
        let forwards = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (down, forwards) = (down.clone(), forwards.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        continue; // dropped: closed at once
                    }
                    let target = target.clone();
                    forwards.lock().unwrap().push(tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    }));
                }
            })
        };
        FaultProxy {
            port,
            down,
            forwards,
            accept,
        }
    }

    /// Closes every forwarded connection and refuses new ones until `resume`.
    pub async fn stop(&self) {
        self.down.store(true, Ordering::SeqCst);
        let forwards: Vec<_> = self.forwards.lock().unwrap().drain(..).collect();
        for forward in forwards {
            forward.abort();
            // Once it has ended, both of its sockets are closed.
            let _ = forward.await;
        }
    }

    pub fn resume(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for forward in self.forwards.lock().unwrap().drain(..) {
            forward.abort();
        }
    }
}
