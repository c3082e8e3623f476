//! The floor of `cargo xtask bench ingest`: hyper 1 alone, with no router,
//! extractor or handler machinery. `hyper_noop [ADDR]` (default
//! 127.0.0.1:8082) reads each request's body to the end and answers 200
//! `{"status":"ok"}`, whatever the route, over HTTP/1.1 with keep-alive, on
//! tokio's multi-threaded runtime and mimalloc, as `smsgate` runs. What the
//! dropshot no-op costs above it is dropshot's; what the receiver costs
//! above that is smsgate's. A file of its own, as an example of this crate,
//! so that it builds with the same hyper as dropshot and ships in no binary.

use std::convert::Infallible;
use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ACK: &[u8] = br#"{"status":"ok"}"#;

/// Reads the body, then acknowledges (a body that breaks off: an empty 400).
async fn acknowledge(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = match request.into_body().collect().await {
        Ok(_) => (StatusCode::OK, ACK),
        Err(_) => (StatusCode::BAD_REQUEST, &b""[..]),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8082".into())
        .parse()
        .map_err(|e| format!("invalid address: {e}"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("listening on {}", listener.local_addr().map_err(|e| e.to_string())?);
    // Ctrl-C (SIGINT) stops it, even where SIGINT was ignored when it
    // started (a background job of a script).
    let mut stop = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => return Ok(()),
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        tokio::spawn(async move {
            // A client that hangs up mid-request is no error of the server's.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(acknowledge))
                .await;
        });
    }
}
