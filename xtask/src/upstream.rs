//! Where new versions of upstream documents come from (`--upstream DIR|URL`).
//!
//! A document is matched by its file name: anywhere under a directory, or at
//! `URL/<file name>`. A document that is not there is taken as unchanged.

use std::path::{Path, PathBuf};

use crate::import::ImportError;

pub enum NewUpstream {
    Dir(PathBuf),
    Url(String),
}

impl NewUpstream {
    pub fn parse(arg: &str) -> NewUpstream {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            NewUpstream::Url(arg.trim_end_matches('/').to_string())
        } else {
            NewUpstream::Dir(PathBuf::from(arg))
        }
    }

    /// The new version of the document called `file_name`, if there is one.
    pub fn document(&self, file_name: &str) -> Result<Option<String>, ImportError> {
        match self {
            NewUpstream::Dir(dir) => find_in(dir, file_name),
            NewUpstream::Url(base) => fetch(&format!("{base}/{file_name}")),
        }
    }
}

fn find_in(dir: &Path, file_name: &str) -> Result<Option<String>, ImportError> {
    let unreadable = |path: &Path, e: std::io::Error| ImportError::new(path.display().to_string(), e.to_string());
    if !dir.is_dir() {
        return Err(ImportError::new(
            dir.display().to_string(),
            "--upstream is neither a directory nor an http(s) URL",
        ));
    }
    let mut found: Vec<PathBuf> = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).map_err(|e| unreadable(&current, e))? {
            let path = entry.map_err(|e| unreadable(&current, e))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == file_name) {
                found.push(path);
            }
        }
    }
    let texts: Vec<String> = found
        .iter()
        .map(|path| std::fs::read_to_string(path).map_err(|e| unreadable(path, e)))
        .collect::<Result<_, _>>()?;
    match texts.as_slice() {
        [] => Ok(None),
        [first, rest @ ..] if rest.iter().all(|t| t == first) => Ok(Some(first.clone())),
        _ => Err(ImportError::new(
            file_name,
            format!("found several different copies under {}: {found:?}", dir.display()),
        )),
    }
}

fn fetch(url: &str) -> Result<Option<String>, ImportError> {
    let failed = |problem: String| ImportError::new(url, problem);
    let response = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| failed(e.to_string()))?
        .get(url)
        .send()
        .map_err(|e| failed(format!("cannot fetch it: {e}")))?;
    match response.status() {
        reqwest::StatusCode::NOT_FOUND => Ok(None),
        status if status.is_success() => response.text().map(Some).map_err(|e| failed(e.to_string())),
        status => Err(failed(format!("the server answered {status}"))),
    }
}
