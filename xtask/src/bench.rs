//! `cargo xtask bench ingest`: the receiver against a no-op server with the
//! same routes, both driven over loopback by `wrk` with the same mix of
//! callbacks, then a check that the store holds exactly what was
//! acknowledged.
//!
//! The mix (generated as a wrk Lua script): every callback route, Clickatell
//! SMS statuses and replies by POST and GET, One API statuses in batches of
//! 1 to 3 events, One API replies, SmartHive reports (single and batches),
//! ClearLine statuses; 20% of the requests repeat an earlier request of the
//! same wrk thread (a provider retry). Every event carries a message id
//! `bm<thread>x<n>[-<k>]` that no other event has, so the distinct events
//! acknowledged are the distinct ids in the stored raw requests.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The callback secret the benchmark runs the receiver with.
const TOKEN: &str = "bench-secret";

#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    /// Where the receiver stores callbacks [default: a fresh SQLite file in a temporary directory]
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Concurrent HTTP connections.
    #[arg(long, default_value_t = 64, value_name = "N")]
    connections: u32,
    /// Seconds each server is driven for.
    #[arg(long, default_value_t = 10, value_name = "S")]
    duration: u32,
    /// wrk threads.
    #[arg(long, default_value_t = 2, value_name = "N")]
    threads: u32,
    /// Extra arguments for `smsgate serve` (e.g. `--commit-batch 32`), space-separated.
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    serve_args: Option<String>,
}

/// What one wrk run measured.
#[derive(Debug, Default)]
struct Run {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    peak_rss_kib: u64,
    /// 200 responses, counted by the script.
    acknowledged: u64,
    /// Any other response.
    other: u64,
    /// Requests that repeated an earlier one.
    repeats: u64,
    socket_errors: String,
}

pub fn ingest(root: &Path, args: &IngestArgs) -> anyhow::Result<()> {
    if args.connections < args.threads || args.threads == 0 {
        bail!("--connections must be at least --threads (and --threads at least 1)");
    }
    let wrk = ensure_wrk()?;
    build(root)?;
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let script = scratch.path().join("mix.lua");
    std::fs::write(&script, lua_script()).context("cannot write the wrk script")?;
    let database = match &args.database {
        Some(url) => url.clone(),
        None => format!("sqlite:{}", scratch.path().join("bench.db").display()),
    };
    let Some(db_path) = database
        .strip_prefix("sqlite:")
        .map(|p| p.trim_start_matches("//").to_string())
    else {
        bail!("only sqlite:PATH databases can be benchmarked and verified for now, not `{database}`");
    };
    let before = StoreCounts::read(&db_path).unwrap_or_default();

    // The receiver.
    let addr = free_addr()?;
    let mut serve = Command::new(root.join("target/release/smsgate"));
    serve
        .args(["serve", "--listen", &addr.to_string(), "--database", &database])
        .args(args.serve_args.as_deref().unwrap_or_default().split_whitespace())
        .env("SMSGATE_CALLBACK_TOKEN", TOKEN)
        .env("SMSGATE_API_TOKEN", "bench-api-token")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(scratch.path().join("serve.log")).context("cannot create the server log")?,
        ));
    println!("receiver: smsgate serve --database {database} on {addr}");
    let receiver = drive(serve, addr, &wrk, &script, args)?;
    let after = StoreCounts::read(&db_path)?;

    // The baseline.
    let addr = free_addr()?;
    let mut noop = Command::new(root.join("target/release/examples/noop"));
    noop.arg(addr.to_string()).stdout(Stdio::null()).stderr(Stdio::null());
    println!("no-op:    same routes, stores nothing, on {addr}");
    let baseline = drive(noop, addr, &wrk, &script, args)?;

    println!();
    println!(
        "{} connections, {} wrk threads, {} s each, {} CPUs",
        args.connections,
        args.threads,
        args.duration,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<10} {:>12} {:>10} {:>10} {:>14} {:>10} {:>10}",
        "server", "requests/s", "p50 ms", "p99 ms", "peak RSS MiB", "acked", "not 200"
    );
    for (name, run) in [("receiver", &receiver), ("no-op", &baseline)] {
        println!(
            "{:<10} {:>12.0} {:>10.2} {:>10.2} {:>14.1} {:>10} {:>10}",
            name,
            run.requests_per_second,
            run.p50_ms,
            run.p99_ms,
            run.peak_rss_kib as f64 / 1024.0,
            run.acknowledged,
            run.other
        );
    }
    let ratio = receiver.requests_per_second / baseline.requests_per_second;
    println!("throughput ratio receiver / no-op: {ratio:.2}");
    if !receiver.socket_errors.is_empty() || !baseline.socket_errors.is_empty() {
        println!(
            "socket errors: receiver [{}], no-op [{}]",
            receiver.socket_errors, baseline.socket_errors
        );
    }
    println!(
        "receiver: {} of {} requests repeated an earlier one",
        receiver.repeats,
        receiver.acknowledged + receiver.other
    );

    verify(&before, &after, &receiver, args.connections)
}

/// wrk from PATH, else installed with apt-get.
fn ensure_wrk() -> anyhow::Result<PathBuf> {
    if let Some(path) = which("wrk") {
        return Ok(path);
    }
    println!("wrk is not installed: installing it with apt-get");
    for apt in [&["update"][..], &["install", "-y", "wrk"][..]] {
        let status = Command::new("apt-get")
            .args(apt)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .context("cannot run apt-get: install wrk yourself")?;
        if !status.success() {
            bail!("apt-get {} failed ({status}): install wrk yourself", apt.join(" "));
        }
    }
    which("wrk").context("apt-get installed wrk but it is not on PATH")
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

/// Builds the receiver and the no-op server in release mode.
fn build(root: &Path) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // One invocation, so that both share one feature resolution and a
    // second run rebuilds nothing.
    let args = [
        "build",
        "--release",
        "-p",
        "smsgate-cli",
        "-p",
        "smsgate-receiver",
        "--bin",
        "smsgate",
        "--example",
        "noop",
    ];
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    Ok(())
}

fn free_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?)
}

/// Kills the server when dropped, whatever happened.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server`, waits until it accepts connections, runs wrk against
/// it, reads its peak RSS, stops it.
fn drive(mut server: Command, addr: SocketAddr, wrk: &Path, script: &Path, args: &IngestArgs) -> anyhow::Result<Run> {
    let mut child = Server(server.spawn().context("cannot start the server")?);
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        if let Some(status) = child.0.try_wait()? {
            bail!("the server exited at start ({status})");
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the server did not listen on {addr} within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = Command::new(wrk)
        .arg(format!("-t{}", args.threads))
        .arg(format!("-c{}", args.connections))
        .arg(format!("-d{}s", args.duration))
        .args(["--latency", "--timeout", "10s", "-s"])
        .arg(script)
        .arg(format!("http://{addr}"))
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed ({}): {text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let peak_rss_kib = peak_rss_kib(child.0.id()).context("cannot read the server's peak RSS")?;
    // Ctrl-C: the receiver finishes the requests in flight and exits.
    let _ = Command::new("kill").args(["-INT", &child.0.id().to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.0.try_wait()?.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut run = parse_wrk(&text).with_context(|| format!("cannot read wrk's output:\n{text}"))?;
    run.peak_rss_kib = peak_rss_kib;
    Ok(run)
}

fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .context("no VmHWM line")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// A wrk duration (`812.00us`, `1.25ms`, `2.01s`) in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn parse_wrk(text: &str) -> Option<Run> {
    let mut run = Run::default();
    let mut seen = (false, false, false, false);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => {
                run.p50_ms = millis(value)?;
                seen.0 = true;
            }
            ["99%", value] => {
                run.p99_ms = millis(value)?;
                seen.1 = true;
            }
            ["Requests/sec:", value] => {
                run.requests_per_second = value.parse().ok()?;
                seen.2 = true;
            }
            ["bench-acknowledged", value] => {
                run.acknowledged = value.parse().ok()?;
                seen.3 = true;
            }
            ["bench-other", value] => run.other = value.parse().ok()?,
            ["bench-repeats", value] => run.repeats = value.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => run.socket_errors = rest.join(" "),
            _ => {}
        }
    }
    (seen == (true, true, true, true)).then_some(run)
}

/// What the store holds.
#[derive(Debug, Default)]
struct StoreCounts {
    /// Highest raw request id.
    last_raw: i64,
    raw_requests: i64,
    quarantined: i64,
    /// Benchmark message ids in the stored raw bodies.
    ids_in_raw: BTreeSet<String>,
    /// Benchmark message ids of stored status events and inbound messages.
    ids_stored: BTreeSet<String>,
    events_stored: i64,
}

impl StoreCounts {
    fn read(path: &str) -> anyhow::Result<StoreCounts> {
        if !Path::new(path).exists() {
            return Ok(StoreCounts::default());
        }
        let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("cannot open {path}"))?;
        let one = |sql: &str| -> anyhow::Result<i64> { Ok(conn.query_row(sql, [], |row| row.get(0))?) };
        let mut counts = StoreCounts {
            last_raw: one("SELECT COALESCE(MAX(id), 0) FROM raw_requests")?,
            raw_requests: one("SELECT COUNT(*) FROM raw_requests")?,
            quarantined: one("SELECT COUNT(*) FROM raw_requests WHERE quarantine_error IS NOT NULL")?,
            events_stored: one(
                "SELECT (SELECT COUNT(*) FROM status_events) + (SELECT COUNT(*) FROM inbound_messages)",
            )?,
            ..StoreCounts::default()
        };
        let mut bodies = conn.prepare("SELECT body, COALESCE(query, '') FROM raw_requests")?;
        let mut rows = bodies.query([])?;
        while let Some(row) = rows.next()? {
            let body: Vec<u8> = row.get(0)?;
            let query: String = row.get(1)?;
            bench_ids(&body, &mut counts.ids_in_raw);
            bench_ids(query.as_bytes(), &mut counts.ids_in_raw);
        }
        let mut ids =
            conn.prepare("SELECT message_id FROM status_events UNION ALL SELECT message_id FROM inbound_messages")?;
        let mut rows = ids.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if id.starts_with("bm") {
                counts.ids_stored.insert(id);
            }
        }
        Ok(counts)
    }
}

/// Collects the `bm<digits>x<digits>[-<digits>]` ids in `text`.
fn bench_ids(text: &[u8], into: &mut BTreeSet<String>) {
    let mut i = 0;
    while i + 2 < text.len() {
        if &text[i..i + 2] == b"bm" && text[i + 2].is_ascii_digit() {
            let end = text[i + 2..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'x' || *b == b'-'))
                .map_or(text.len(), |n| i + 2 + n);
            into.insert(String::from_utf8_lossy(&text[i..end]).into_owned());
            i = end;
        } else {
            i += 1;
        }
    }
}

/// The store holds exactly the acknowledged requests (plus, at most, those
/// in flight when wrk stopped, stored but never answered) and exactly the
/// distinct events in them, each once, nothing quarantined.
fn verify(before: &StoreCounts, after: &StoreCounts, run: &Run, connections: u32) -> anyhow::Result<()> {
    let new_raw = (after.raw_requests - before.raw_requests) as u64;
    let in_flight = new_raw.saturating_sub(run.acknowledged);
    let new_ids: BTreeSet<&String> = after.ids_in_raw.difference(&before.ids_in_raw).collect();
    let new_events = (after.events_stored - before.events_stored) as u64;
    println!();
    println!(
        "store: {new_raw} raw requests for {} acknowledged ({in_flight} in flight when wrk stopped: stored, never \
         answered); {new_events} events stored once each for {} distinct events sent",
        run.acknowledged,
        new_ids.len()
    );
    let mut problems = Vec::new();
    if new_raw < run.acknowledged {
        problems.push(format!(
            "{} acknowledged requests are not stored",
            run.acknowledged - new_raw
        ));
    }
    if in_flight > u64::from(connections) {
        problems.push(format!(
            "{in_flight} stored requests were not acknowledged, more than the {connections} that can be in flight"
        ));
    }
    if run.other > 0 {
        problems.push(format!("{} responses were not 200", run.other));
    }
    if after.quarantined != before.quarantined {
        problems.push(format!(
            "{} requests were quarantined: the mix has a payload the parsers reject",
            after.quarantined - before.quarantined
        ));
    }
    let missing: Vec<_> = new_ids
        .iter()
        .filter(|id| !after.ids_stored.contains(**id))
        .take(5)
        .collect();
    if !missing.is_empty() {
        problems.push(format!("events in stored requests but not stored: {missing:?}"));
    }
    if new_events != new_ids.len() as u64 {
        problems.push(format!(
            "{new_events} events stored for {} distinct events: duplicates were stored or events lost",
            new_ids.len()
        ));
    }
    let _ = before.last_raw;
    if problems.is_empty() {
        println!("verified: the store holds exactly the acknowledged events");
        Ok(())
    } else {
        bail!("verification failed:\n  {}", problems.join("\n  "))
    }
}

/// The wrk script: the mix of callbacks, 20% repeats, and 200s counted per
/// thread and printed at the end.
fn lua_script() -> String {
    LUA.replace("@TOKEN@", TOKEN)
}

const LUA: &str = r#"
-- Generated by `cargo xtask bench ingest`.
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local n = 0
local sent = {}
acknowledged = 0
other = 0
repeats = 0
local json = { ["Content-Type"] = "application/json" }
local token = "?token=@TOKEN@"

function init(args)
  math.randomseed(tid * 7919 + os.time())
end

local function ts(i) return 1700000000000 + i end

local function id(i, k)
  if k then return string.format("bm%dx%d-%d", tid, i, k) end
  return string.format("bm%dx%d", tid, i)
end

local function one_api_status(mid, i)
  return string.format('{"channel":"sms","messageId":"%s","clientMessageId":"order-%d","status":"DELIVERED_TO_DEVICE","statusCode":4,"timestamp":%d}', mid, i, ts(i))
end

local function smarthive(mid)
  return string.format('{"msg_id":"%s","status":"DELIVRD","dlr_code":"000","timestamp":"202311042057","str_length":"157","pg_length":1,"cost":"0.02","desc":"DELIVERED","operator":"MTN"}', mid)
end

-- Each maker returns method, path (with query), headers, body.
local makers = {
  function(i) -- Clickatell SMS status, POST
    return "POST", "/client-callback/sms-status" .. token, json, string.format(
      '{"integrationName":"bench","messageId":"%s","requestId":"req-%d","clientMessageId":"order-%d","to":"27820000001","from":"27820000000","statusCode":4,"status":"RECEIVED_BY_RECIPIENT","statusDescription":"Received by recipient","timestamp":%d}',
      id(i), i, i, ts(i))
  end,
  function(i) -- Clickatell SMS status, GET
    return "GET", string.format(
      "/client-callback/sms-status%s&integrationName=bench&messageId=%s&requestId=req-%d&to=27820000001&from=27820000000&statusCode=003&status=DELIVERED_TO_GATEWAY&statusDescription=Delivered%%20to%%20gateway&timestamp=%d",
      token, id(i), i, ts(i)), nil, nil
  end,
  function(i) -- Clickatell SMS reply, POST
    return "POST", "/client-callback/sms-reply" .. token, json, string.format(
      '{"integrationName":"bench","replyMessageId":"%s","messageId":"out-%d","fromNumber":"27820000003","toNumber":"27820000000","timestamp":%d,"text":"Yes please","charset":"UTF-8","udh":"","network":"1","keyword":"YES"}',
      id(i), i, ts(i))
  end,
  function(i) -- Clickatell SMS reply, GET
    return "GET", string.format(
      "/client-callback/sms-reply%s&integrationName=bench&replyMessageId=%s&messageId=out-%d&fromNumber=27820000002&toNumber=27820000000&timestamp=%d&text=Stop&charset=UTF-8",
      token, id(i), i, ts(i)), nil, nil
  end,
  function(i) -- Clickatell One API statuses, 1 to 3 in one body
    local events = {}
    for k = 1, math.random(3) do events[k] = one_api_status(id(i, k), i) end
    return "POST", "/client-callback/one-api-status" .. token, json, string.format(
      '{"integrationId":"int-1","integrationName":"bench","event":{"messageStatusUpdate":[%s]}}', table.concat(events, ","))
  end,
  function(i) -- Clickatell One API inbound
    return "POST", "/client-callback/one-api-reply" .. token, json, string.format(
      '{"integrationId":"int-1","integrationName":"bench","event":{"moText":[{"channel":"whatsapp","messageId":"%s","relatedMessageId":"oa-%d","from":"27820000002","to":"27820000000","timestamp":%d,"charset":"UTF-8","content":"Hello there","whatsapp":{"profileName":"Thandi"}}]}}',
      id(i), i, ts(i))
  end,
  function(i) -- SmartHive, a single report or a batch of 2 or 3
    local count = math.random(3)
    if count == 1 then
      return "POST", "/client-callback/smarthive-status" .. token, json, smarthive(id(i))
    end
    local reports = {}
    for k = 1, count do reports[k] = smarthive(id(i, k)) end
    return "POST", "/client-callback/smarthive-status" .. token, json, "[" .. table.concat(reports, ",") .. "]"
  end,
  function(i) -- ClearLine
    return "POST", "/client-callback/clearline-status" .. token, json, string.format(
      '{"messageId":"%s","deliveryStatus":"Delivered","externalDeliveryStatus":"Delivered","reasonText":"ok","deliveredAt":"2023-11-14T22:13:20Z"}',
      id(i))
  end,
}

local KEEP = 1000

function request()
  if #sent > 0 and math.random() < 0.2 then
    repeats = repeats + 1
    return sent[math.random(#sent)]
  end
  n = n + 1
  local method, path, headers, body = makers[math.random(#makers)](n)
  local req = wrk.format(method, path, headers, body)
  if #sent < KEEP then sent[#sent + 1] = req else sent[math.random(KEEP)] = req end
  return req
end

function response(status, headers, body)
  if status == 200 then acknowledged = acknowledged + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, o, r = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("acknowledged")
    o = o + t:get("other")
    r = r + t:get("repeats")
  end
  io.write(string.format("bench-acknowledged %d\nbench-other %d\nbench-repeats %d\n", a, o, r))
end
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let text = "Running 1s test @ http://127.0.0.1:1\n  Latency Distribution\n     50%  812.00us\n     \
                    75%    1.00ms\n     99%    2.50ms\n  Socket errors: connect 0, read 1, write 0, timeout 0\n\
                    Requests/sec:  12345.67\nbench-acknowledged 1000\nbench-other 2\nbench-repeats 200\n";
        let run = parse_wrk(text).unwrap();
        assert!((run.p50_ms - 0.812).abs() < 1e-9);
        assert!((run.p99_ms - 2.5).abs() < 1e-9);
        assert!((run.requests_per_second - 12345.67).abs() < 1e-9);
        assert_eq!((run.acknowledged, run.other, run.repeats), (1000, 2, 200));
        assert_eq!(run.socket_errors, "connect 0, read 1, write 0, timeout 0");
        assert_eq!(millis("1.5s"), Some(1500.0));
    }

    #[test]
    fn finds_bench_ids() {
        let mut ids = BTreeSet::new();
        bench_ids(br#"[{"msg_id":"bm1x2-3"},{"msg_id":"bm1x2-4"}] bm bmx bm2x9"#, &mut ids);
        let ids: Vec<_> = ids.into_iter().collect();
        assert_eq!(ids, ["bm1x2-3", "bm1x2-4", "bm2x9"]);
    }
}
