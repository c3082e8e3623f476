//! Clients that hold connections without finishing a request: one trickling
//! its body a byte at a time, and hundreds that connect and send nothing or
//! half a header. The receiver keeps answering everyone else meanwhile, and
//! the trickler too once its body is complete, within `--body-timeout`; a
//! body stalled past it gets 408.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use smsgate_test_support::load::{self, Load, Outcome, Target};
use smsgate_test_support::secrets::CALLBACK_SECRET;
use smsgate_test_support::serve::{Served, serve_with_test_secrets};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::check::{bin, store_holds_every_acknowledged_event};

/// Connections that never finish a request.
const IDLE: usize = 300;
/// The trickler's pace: one byte per tick.
const TICK: Duration = Duration::from_millis(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_body_and_hundreds_of_idle_connections_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let served = Served::start_async(serve_with_test_secrets(bin(), dir.path(), &database, &[])).await;
    let address = served.callback_base.trim_start_matches("http://").to_string();

    // Hundreds of connections: a third send half a request's header.
    let mut idle = Vec::with_capacity(IDLE);
    for n in 0..IDLE {
        let mut stream = TcpStream::connect(&address).await.expect("an idle connection");
        if n % 3 == 0 {
            stream
                .write_all(b"POST /client-callback/one-api-status HTTP/1.1\r\nHost: smsgate\r\n")
                .await
                .unwrap();
        }
        idle.push(stream);
    }

    // One callback (the last, a POST) whose body arrives a byte at a time;
    // the others go the usual way.
    let callbacks = Arc::new(load::callbacks("beside-slow", 21));
    let trickled = callbacks.len() - 1;
    let body = callbacks[trickled].json_body().expect("a POSTed callback").to_string();
    let head = format!(
        "POST {}?token={CALLBACK_SECRET} HTTP/1.1\r\nHost: smsgate\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        callbacks[trickled].path,
        body.len()
    );
    let mut trickler = TcpStream::connect(&address).await.unwrap();
    trickler.write_all(head.as_bytes()).await.unwrap();
    // The last byte waits until everyone else has been answered, so the
    // request is still incomplete all that time, however slow the machine.
    let (others_done, last_byte) = tokio::sync::oneshot::channel::<()>();
    let trickling = tokio::spawn(async move {
        let (last, rest) = body.as_bytes().split_last().expect("a body");
        for byte in rest {
            trickler.write_all(&[*byte]).await.unwrap();
            tokio::time::sleep(TICK).await;
        }
        last_byte.await.expect("the others are done");
        trickler.write_all(&[*last]).await.unwrap();
        let mut answer = String::new();
        trickler.read_to_string(&mut answer).await.unwrap();
        answer
    });

    // Everyone else, meanwhile: /healthz and callbacks from several routes.
    let http = load::http_client();
    let healthz = format!("{}/healthz", served.api_base);
    let target = Target::new(&served.callback_base);
    let mut ledger = Load::start(&target, callbacks.clone(), (0..trickled).collect(), 4)
        .finish()
        .await;
    for _ in 0..20 {
        let response = http.get(&healthz).send().await.expect("/healthz answers");
        assert!(response.status().is_success(), "/healthz: {}", response.status());
    }
    assert!(ledger.unacknowledged().is_empty(), "{:?}", ledger.tally());
    others_done.send(()).unwrap();

    let answer = tokio::time::timeout(Duration::from_secs(60), trickling)
        .await
        .expect("the trickler is answered")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "the trickled callback: {answer}");
    ledger.attempts.push((trickled, Outcome::Acknowledged));
    let _ = writeln!(
        std::io::stderr(),
        "slow clients: {IDLE} idle connections and 1 trickling body open; 20 /healthz and {trickled} callbacks answered meanwhile"
    );
    drop(idle);
    served.kill9();
    store_holds_every_acknowledged_event("slow clients", &database, &callbacks, &ledger).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_stalled_past_the_body_timeout_gets_408_and_nothing_of_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite:{}", dir.path().join("smsgate.db").display());
    let mut command = serve_with_test_secrets(bin(), dir.path(), &database, &[]);
    command.args(["--body-timeout", "1"]);
    let served = Served::start_async(command).await;
    let address = served.callback_base.trim_start_matches("http://").to_string();

    // Half of a callback's body, then nothing.
    let callbacks = Arc::new(load::callbacks("stalled", 2));
    let stalled = 0;
    let body = callbacks[stalled].json_body().expect("a POSTed callback");
    let head = format!(
        "POST {}?token={CALLBACK_SECRET} HTTP/1.1\r\nHost: smsgate\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        callbacks[stalled].path,
        body.len()
    );
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..body.len() / 2]).await.unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut answer))
        .await
        .expect("the receiver gives up on the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("send the whole body at once"), "{answer}");

    // The provider's retry, sent whole, is stored; the stalled attempt is not.
    let target = Target::new(&served.callback_base);
    let ledger = Load::start(&target, callbacks.clone(), vec![stalled], 1).finish().await;
    assert!(ledger.unacknowledged().is_empty(), "{:?}", ledger.tally());
    served.kill9();
    let figures = store_holds_every_acknowledged_event("stalled body", &database, &callbacks, &ledger).await;
    assert_eq!(figures.stored, 1, "the retry, once");
    // Half a body would have been kept raw as unparseable, had it been read.
    let store = smsgate_store::open(&database).await.unwrap();
    assert_eq!(
        store.quarantined().await.unwrap().len(),
        0,
        "nothing of the stalled attempt"
    );
}
