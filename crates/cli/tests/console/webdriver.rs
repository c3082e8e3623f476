//! A real browser for the console tests: Debian's `chromium`, headless,
//! driven through `chromedriver` (started here on a port of its own) with
//! the fantoccini WebDriver client over plain HTTP on localhost. Without
//! either program the browser tests print why and skip; CI installs both.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Where Debian puts them.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// A desktop window; [`Browser::phone`] narrows it.
const WINDOW: (u32, u32) = (1280, 1000);

/// A headless chromium session; chromedriver is killed when this is dropped.
pub struct Browser {
    _driver: Child,
    pub client: Client,
    screenshots: PathBuf,
}

impl Browser {
    /// A session, or `None` (with a printed note) when chromium or
    /// chromedriver is not installed.
    pub async fn start() -> Option<Browser> {
        for program in [CHROMIUM, CHROMEDRIVER] {
            if !std::path::Path::new(program).exists() {
                println!(
                    "skipped: the console's browser test needs {program} (apt-get install chromium chromium-driver)"
                );
                return None;
            }
        }
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let mut lines = BufReader::new(driver.stdout.take().expect("piped stdout")).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("chromedriver's stdout reads") {
                if let Some(port) = line.split("started successfully on port ").nth(1) {
                    return port.trim_end_matches('.').parse::<u16>().expect("a port");
                }
            }
            panic!("chromedriver stopped before it said its port");
        })
        .await
        .expect("chromedriver says its port within 30 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--lang=en-US", format!("--window-size={},{}", WINDOW.0, WINDOW.1)],
            },
        });
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a chromium session");
        let screenshots = screenshot_dir();
        std::fs::create_dir_all(&screenshots).unwrap();
        Some(Browser {
            _driver: driver,
            client,
            screenshots,
        })
    }

    /// Saves the page as `NAME.png` under `target/console-screenshots/`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(self.screenshots.join(format!("{name}.png")), png).unwrap();
    }

    /// The first element `css` finds, once there is one (30 s at most).
    pub async fn wait_for(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(error) => panic!("no {css} on {}: {error}", self.path_now().await),
        }
    }

    /// Clicks the first element `css` finds, once there is one.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    /// A phone's width from now on.
    pub async fn phone(&self) {
        self.client.set_window_size(390, 844).await.expect("the window resizes");
    }

    /// The `attribute` of every element `css` finds, in page order.
    pub async fn attributes(&self, css: &str, attribute: &str) -> Vec<String> {
        let mut values = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await.unwrap() {
            values.push(element.attr(attribute).await.unwrap().unwrap_or_default());
        }
        values
    }

    async fn path_now(&self) -> String {
        self.client
            .current_url()
            .await
            .map_or_else(|e| e.to_string(), |u| u.to_string())
    }

    /// The path (and query) the browser is at.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    pub async fn close(self) {
        self.client.close().await.expect("the session closes");
    }
}

/// `target/console-screenshots` of this build (`CARGO_TARGET_DIR` when set).
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("console-screenshots")
}
