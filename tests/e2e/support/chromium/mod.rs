//! Headless Chromium for the browser suites (the web app's and the identity server's):
//! one process per test (a fresh profile in a temporary directory), one browser context
//! per person, so two people in one test share no cookies, exactly as two phones would
//! not. [`tab`] is what a test does in one person's tab.
//!
//! Chromium is Debian's `chromium` package (`.ci/run` installs it when missing). Where it
//! cannot be found the suites fail under CI (`CI` set: a browser suite that silently skips
//! there proves nothing) and are skipped with a printed notice elsewhere.

pub mod tab;

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::{Browser, BrowserConfig};
use futures::StreamExt;

pub use tab::{Tab, Viewport};

/// Flags for a quiet, reproducible headless run: no sandbox (CI runs as root in a
/// container), no GPU, and nothing that phones home or updates itself mid-test.
const FLAGS: &[&str] = &[
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

pub struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    /// Where the tabs' screenshots go.
    screenshots: PathBuf,
    _profile: tempfile::TempDir,
}

/// Where the browser is: `BELF_CHROMIUM` if set, else `chromium` / `chromium-browser` on
/// the `PATH`.
fn executable() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BELF_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

impl Chromium {
    /// A fresh headless Chromium, or `None` (after a printed notice) where there is none
    /// and this is not CI.
    pub async fn launch() -> Option<Chromium> {
        let Some(exe) = executable() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "the browser suite needs Chromium: install Debian's `chromium` package \
                 (`.ci/run` does when it is missing) or point BELF_CHROMIUM at a binary"
            );
            eprintln!(
                "NOTICE: browser suite skipped: no Chromium (neither BELF_CHROMIUM nor \
                 `chromium` on the PATH; apt-get install chromium)"
            );
            return None;
        };
        let profile = tempfile::tempdir().expect("profile dir");
        let config = BrowserConfig::builder()
            .chrome_executable(&exe)
            .user_data_dir(profile.path())
            .no_sandbox()
            // Each tab sets its own viewport (desktop or phone): none from the launcher.
            .viewport(None)
            .launch_timeout(Duration::from_secs(30))
            .request_timeout(Duration::from_secs(20))
            .args(FLAGS.iter().copied())
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config)
            .await
            .unwrap_or_else(|e| panic!("launching {} failed: {e}", exe.display()));
        // The handler drives the CDP connection; a message it cannot parse (a newer
        // Chromium than the crate's protocol) is not fatal, so it keeps going.
        let handler = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Some(Chromium {
            browser,
            handler,
            screenshots: tab::screenshot_dir(),
            _profile: profile,
        })
    }

    /// Screenshots of this browser's tabs go to `target/screenshots/<folder>/`.
    pub fn screenshots_in(mut self, folder: &str) -> Chromium {
        self.screenshots = tab::screenshot_dir().join(folder);
        self
    }

    /// A tab in a browser context of its own (its own cookies: another person), sized to
    /// `viewport`, asking for pages in `lang`.
    pub async fn person(&self, viewport: Viewport, lang: &str) -> Tab {
        let context = self
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .expect("browser context");
        let params = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context)
            .build()
            .expect("target params");
        let page = self.browser.new_page(params).await.expect("new tab");
        Tab::start(page, viewport, lang, self.screenshots.clone()).await
    }

    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}
