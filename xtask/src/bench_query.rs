//! `cargo xtask bench query`: the message search and the delivery
//! statistics timed on a store of a million messages. The benchmark itself
//! is an example of the store crate (`crates/store/examples/query_bench.rs`),
//! because it fills the store through the store's own write path, which
//! xtask does not link (xtask stays quick to build); this runs it in
//! release mode with the same flags.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// An empty store to fill: sqlite:PATH or postgres://USER@HOST/DB [default: a fresh SQLite file in a temporary directory]
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Messages to fill it with.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    messages: u64,
    /// Time the queries on a store an earlier run filled (given by --database, with the same --messages) instead of filling an empty one.
    #[arg(long, requires = "database")]
    reuse: bool,
}

pub fn query(root: &Path, args: &QueryArgs) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .args([
            "run",
            "--release",
            "-p",
            "smsgate-store",
            "--example",
            "query_bench",
            "--",
        ])
        .args(["--messages", &args.messages.to_string()])
        .current_dir(root);
    if let Some(database) = &args.database {
        command.args(["--database", database]);
    }
    if args.reuse {
        command.arg("--reuse");
    }
    let status = command.status().context("cannot run cargo")?;
    if !status.success() {
        bail!("the query benchmark failed");
    }
    Ok(())
}
