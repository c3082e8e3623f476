//! Checks a Rust API prediction by compiling: a consumer's source against
//! a generated client module, as a crate of its own, type-checked by
//! `rustc --emit=metadata` (no code generation, so it takes seconds).
//!
//! The module is compiled for real against the libraries `build.rs`'s
//! modules use (progenitor-client, reqwest, serde, serde_json, schemars):
//! their exact builds are asked of cargo (`cargo build -p smsgate --lib
//! --message-format=json`, fresh after any workspace build), since a shared
//! target directory may hold several builds of each. Only the root crate's
//! glue the generated code calls (`crate::auth`, `crate::path`) is replaced
//! by the small stand-in below: it is not generated, so no spec change can
//! change it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The libraries a generated module refers to, by crate name.
const LIBRARIES: &[&str] = &["progenitor_client", "reqwest", "serde", "serde_json", "schemars"];

/// What the generated code calls in the root crate's `auth` and `path`.
const GLUE: &str = r#"
pub mod auth {
    #[derive(Debug)]
    pub struct ApiKey;
    #[derive(Debug, Clone, Copy)]
    pub enum KeyPlacement { Header(&'static str), Query(&'static str), Bearer }
    #[derive(Debug, Clone, Default)]
    pub struct Credentials;
    impl Credentials {
        pub fn api_key(_key: ApiKey) -> Credentials { Credentials }
        pub fn prepare(&self, _request: &mut reqwest::Request, _placement: Option<KeyPlacement>) {}
    }
    pub fn client_builder() -> reqwest::ClientBuilder { reqwest::ClientBuilder::new() }
    pub fn http_client() -> reqwest::Client { reqwest::Client::new() }
    pub async fn execute_redacted(
        client: &reqwest::Client,
        request: reqwest::Request,
        _placement: Option<KeyPlacement>,
    ) -> reqwest::Result<reqwest::Response> {
        client.execute(request).await
    }
}
pub mod path {
    pub fn encode_path(segment: &str) -> String { segment.to_owned() }
}
pub mod generated;
mod consumer;
"#;

/// The `--extern` paths of [`LIBRARIES`], from one cargo build.
fn libraries() -> &'static Result<BTreeMap<String, PathBuf>, String> {
    static FOUND: OnceLock<Result<BTreeMap<String, PathBuf>, String>> = OnceLock::new();
    FOUND.get_or_init(|| {
        let output = Command::new(env!("CARGO"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .args([
                "build",
                "--offline",
                "--quiet",
                "-p",
                "smsgate",
                "--lib",
                "--message-format=json",
            ])
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let mut found = BTreeMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let name = message["target"]["name"].as_str().unwrap_or_default().replace('-', "_");
            if !LIBRARIES.contains(&name.as_str()) {
                continue;
            }
            let rlib = message["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".rlib"));
            if let Some(rlib) = rlib {
                found.insert(name, PathBuf::from(rlib));
            }
        }
        match LIBRARIES.iter().find(|l| !found.contains_key(**l)) {
            Some(missing) => Err(format!("cargo built no {missing}")),
            None => Ok(found),
        }
    })
}

/// Type-checks `consumer` (a module that uses `crate::generated`) against
/// the generated module `generated`: `Ok` when it compiles, else the
/// compiler's errors.
pub fn compiles(dir: &Path, generated: &str, consumer: &str) -> Result<(), String> {
    let libraries = libraries().as_ref().map_err(Clone::clone)?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for (file, text) in [("lib.rs", GLUE), ("generated.rs", generated), ("consumer.rs", consumer)] {
        std::fs::write(dir.join(file), text).map_err(|e| e.to_string())?;
    }
    let deps = libraries
        .values()
        .next()
        .and_then(|rlib| rlib.parent())
        .expect("libraries sit in a folder");
    let mut rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    rustc
        .current_dir(dir)
        .args(["--edition", "2024", "--crate-type", "lib", "--crate-name", "consumer"])
        .args(["--emit=metadata", "--cap-lints", "allow", "-o"])
        .arg(dir.join("libconsumer.rmeta"))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()));
    for (name, rlib) in libraries {
        rustc.arg("--extern").arg(format!("{name}={}", rlib.display()));
    }
    let output = rustc
        .arg("lib.rs")
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
