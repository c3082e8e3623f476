//! The no-op server as a process, for `cargo xtask bench ingest`:
//! `noop [ADDR]` (default 127.0.0.1:8081) serves the receiver's routes,
//! answers every callback 200 without storing it, and prints
//! `listening on ADDR` once it accepts connections; Ctrl-C (SIGINT) stops
//! it, even where SIGINT was ignored when it started (a background job of
//! a script), so that a profiler around it can write its profile. It allocates with
//! mimalloc, as `smsgate` does, so that the comparison is of the work done.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), String> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8081".into())
        .parse()
        .map_err(|e| format!("invalid address: {e}"))?;
    let server = smsgate_receiver::start_noop(addr).await.map_err(|e| e.to_string())?;
    println!("listening on {}", server.local_addr());
    tokio::select! {
        stopped = server.wait_for_shutdown() => stopped,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
