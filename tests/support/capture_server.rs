//! A one-request HTTP/1.1 server on a real loopback socket: it records the
//! raw request a client sends and answers a canned status and JSON body.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How long the server waits for the client to connect and send its request.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Larger requests are a bug in the client (or in this server).
const MAX_REQUEST: usize = 1 << 20;

/// One request as it arrived on the socket.
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    pub method: String,
    /// The request target exactly as sent: path and raw query.
    pub target: String,
    pub version: String,
    /// Header names in lower case, values as sent, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl CapturedRequest {
    /// The target, parsed (percent-decoding included) against a dummy origin.
    pub fn url(&self) -> Url {
        Url::parse("http://capture.invalid")
            .unwrap()
            .join(&self.target)
            .unwrap_or_else(|e| panic!("request target {:?} is not a URL path: {e}", self.target))
    }

    /// The path, not decoded.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query parameters, decoded, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        self.url()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Every value of header `name` (any case).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of header `name`, if it was sent; panics if it was sent twice.
    pub fn header(&self, name: &str) -> Option<&str> {
        match self.header_values(name).as_slice() {
            [] => None,
            [value] => Some(value),
            values => panic!("header {name} sent {} times: {values:?}", values.len()),
        }
    }
}

/// A server that accepts one connection, reads one request from it and
/// answers `status` with a JSON `body` and `Connection: close`.
pub struct CaptureServer {
    addr: SocketAddr,
    task: JoinHandle<io::Result<CapturedRequest>>,
}

impl CaptureServer {
    /// Starts answering `status` with `body` (sent as `application/json`).
    pub async fn start(status: u16, body: impl Into<String>) -> CaptureServer {
        CaptureServer::start_with_headers(status, Vec::new(), body).await
    }

    /// Like [`CaptureServer::start`], adding `headers` to the response.
    pub async fn start_with_headers(
        status: u16,
        headers: Vec<(String, String)>,
        body: impl Into<String>,
    ) -> CaptureServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("a bound listener has an address");
        let response = response(status, &headers, &body.into());
        let task = tokio::spawn(async move {
            let (mut stream, _) = tokio::time::timeout(TIMEOUT, listener.accept())
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no client connected"))??;
            let request = tokio::time::timeout(TIMEOUT, read_request(&mut stream))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the request never ended"))??;
            stream.write_all(response.as_bytes()).await?;
            stream.shutdown().await?;
            Ok(request)
        });
        CaptureServer { addr, task }
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request the server received by now, if any: for checking that a
    /// client did *not* come (it would have, before its call returned).
    pub async fn request_if_any(self) -> Option<CapturedRequest> {
        const GRACE: Duration = Duration::from_millis(300);
        match tokio::time::timeout(GRACE, self.task).await {
            Ok(joined) => Some(joined.expect("the capture server task does not panic").ok()?),
            Err(_) => None,
        }
    }

    /// The request the server received (waits for it).
    pub async fn request(self) -> CapturedRequest {
        self.task
            .await
            .expect("the capture server task does not panic")
            .expect("the capture server received one well-formed request")
    }
}

/// A loopback URL on which nothing listens (a port just bound, then released).
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound listener has an address");
    drop(listener);
    format!("http://{addr}")
}

fn response(status: u16, headers: &[(String, String)], body: &str) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Whatever");
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    format!("{head}\r\n{body}")
}

/// Reads the request line, the headers and a `Content-Length` body.
async fn read_request(stream: &mut TcpStream) -> io::Result<CapturedRequest> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_REQUEST || read_more(stream, &mut buf).await? == 0 {
            return Err(invalid(format!(
                "no end of headers in {:?}",
                String::from_utf8_lossy(&buf)
            )));
        }
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).map_err(|e| invalid(e.to_string()))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let [method, target, version] = request_line.split(' ').collect::<Vec<_>>()[..] else {
        return Err(invalid(format!("bad request line {request_line:?}")));
    };
    let headers = lines
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| invalid(format!("bad header {line:?}")))?;
            Ok((name.trim().to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect::<io::Result<Vec<_>>>()?;
    if headers.iter().any(|(n, v)| n == "transfer-encoding" && v != "identity") {
        return Err(invalid("chunked request bodies are not supported".into()));
    }
    let length = match headers.iter().find(|(n, _)| n == "content-length") {
        Some((_, v)) => v
            .parse::<usize>()
            .map_err(|e| invalid(format!("Content-Length {v:?}: {e}")))?,
        None => 0,
    };
    if length > MAX_REQUEST {
        return Err(invalid(format!("Content-Length {length} is too large")));
    }
    let mut body = buf.split_off(head_end + 4);
    while body.len() < length {
        if read_more(stream, &mut body).await? == 0 {
            return Err(invalid(format!("body ended after {} of {length} bytes", body.len())));
        }
    }
    if body.len() > length {
        return Err(invalid(format!("{} bytes after the body", body.len() - length)));
    }
    Ok(CapturedRequest {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
        body,
    })
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}
