//! One person's tab in headless Chromium, with what the tests do to it: go to a page,
//! click (and wait for the page that follows), type as a keyboard does, read the DOM,
//! take a screenshot — and everything the console reports as an error, collected from
//! the moment the tab opens (console API errors, failed loads, CSP violations, uncaught
//! exceptions), so a test can insist there were none.
//!
//! The pages run no script (`script-src 'none'`): everything read here goes through the
//! DevTools protocol, which the page's policy does not govern.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetTouchEmulationEnabledParams,
};
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, InsertTextParams,
};
use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel};
use chromiumoxide::cdp::browser_protocol::network::{Headers, SetExtraHttpHeadersParams};
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, EventLoadEventFired, Viewport as Clip,
};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use futures::StreamExt;
use serde::de::DeserializeOwned;

/// How long a page may take to arrive after a click before the test gives up on it.
const PAGE_LOAD: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewport {
    /// A laptop: 1280×800.
    Desktop,
    /// A phone: 390×844 CSS pixels at 2× density, touch, mobile layout rules.
    Phone,
}

impl Viewport {
    pub fn name(self) -> &'static str {
        match self {
            Viewport::Desktop => "desktop",
            Viewport::Phone => "phone",
        }
    }

    fn metrics(self) -> SetDeviceMetricsOverrideParams {
        match self {
            Viewport::Desktop => SetDeviceMetricsOverrideParams::new(1280, 800, 1.0, false),
            Viewport::Phone => SetDeviceMetricsOverrideParams::new(390, 844, 2.0, true),
        }
    }
}

pub struct Tab {
    pub page: Page,
    viewport: Viewport,
    lang: String,
    screenshots: PathBuf,
    errors: Arc<Mutex<Vec<String>>>,
    listeners: Vec<tokio::task::JoinHandle<()>>,
}

impl Tab {
    pub(super) async fn start(
        page: Page,
        viewport: Viewport,
        lang: &str,
        screenshots: PathBuf,
    ) -> Tab {
        page.enable_log().await.expect("Log.enable");
        page.enable_runtime().await.expect("Runtime.enable");
        let errors = Arc::new(Mutex::new(Vec::new()));
        let mut listeners = Vec::new();
        let mut console = page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .expect("console listener");
        let sink = errors.clone();
        listeners.push(tokio::spawn(async move {
            while let Some(e) = console.next().await {
                if matches!(
                    e.r#type,
                    ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert
                ) {
                    let words: Vec<String> = e
                        .args
                        .iter()
                        .map(|a| {
                            a.value
                                .as_ref()
                                .map(|v| v.to_string())
                                .or_else(|| a.description.clone())
                                .unwrap_or_default()
                        })
                        .collect();
                    push(&sink, format!("console.error: {}", words.join(" ")));
                }
            }
        }));
        // Failed loads, CSP violations and other browser-side complaints arrive here.
        let mut log = page
            .event_listener::<EventEntryAdded>()
            .await
            .expect("log listener");
        let sink = errors.clone();
        listeners.push(tokio::spawn(async move {
            while let Some(e) = log.next().await {
                // Every complaint counts (a missing /favicon.ico, which the browser
                // asks every origin for on its own, too).
                if e.entry.level == LogEntryLevel::Error {
                    push(
                        &sink,
                        format!(
                            "{:?}: {} ({})",
                            e.entry.source,
                            e.entry.text,
                            e.entry.url.clone().unwrap_or_default()
                        ),
                    );
                }
            }
        }));
        let mut thrown = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("exception listener");
        let sink = errors.clone();
        listeners.push(tokio::spawn(async move {
            while let Some(e) = thrown.next().await {
                push(
                    &sink,
                    format!("uncaught exception: {}", e.exception_details.text),
                );
            }
        }));
        let mut tab = Tab {
            page,
            viewport,
            lang: String::new(),
            screenshots,
            errors,
            listeners,
        };
        tab.set_viewport(viewport).await;
        tab.set_lang(lang).await;
        tab
    }

    pub async fn set_viewport(&mut self, viewport: Viewport) {
        self.page
            .execute(viewport.metrics())
            .await
            .expect("Emulation.setDeviceMetricsOverride");
        self.page
            .execute(SetTouchEmulationEnabledParams::new(
                viewport == Viewport::Phone,
            ))
            .await
            .expect("Emulation.setTouchEmulationEnabled");
        self.viewport = viewport;
    }

    /// Pages (the web app's and the identity server's) are asked for in `lang`.
    pub async fn set_lang(&mut self, lang: &str) {
        self.page
            .execute(SetExtraHttpHeadersParams::new(Headers::new(
                serde_json::json!({ "Accept-Language": lang }),
            )))
            .await
            .expect("Network.setExtraHTTPHeaders");
        self.lang = lang.to_owned();
    }

    pub async fn goto(&self, url: &str) {
        self.page
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("navigating to {url}: {e}"));
    }

    /// Clicks the element (a real mouse click at its centre) and waits for the page the
    /// click leads to (a form submission or a link, redirects followed) to load.
    pub async fn click(&self, selector: &str) {
        let mut loads = self
            .page
            .event_listener::<EventLoadEventFired>()
            .await
            .expect("load listener");
        self.element(selector)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {selector}: {e}"));
        self.await_load(&mut loads, &format!("after clicking {selector}"))
            .await;
    }

    /// Clicks without expecting a new page (a checkbox, a radio button, a field).
    pub async fn tick(&self, selector: &str) {
        self.element(selector)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {selector}: {e}"));
    }

    /// Presses a key on the page (a key name such as `Tab` or `Enter`, or one character)
    /// wherever the focus is, as a keyboard does.
    pub async fn press(&self, key: &str) {
        let def = chromiumoxide::keys::get_key_definition(key)
            .unwrap_or_else(|| panic!("no key definition for {key:?}"));
        let text = def
            .text
            .or((def.key.chars().count() == 1).then_some(def.key));
        let mut down = DispatchKeyEventParams::builder()
            .r#type(if text.is_some() {
                DispatchKeyEventType::KeyDown
            } else {
                DispatchKeyEventType::RawKeyDown
            })
            .key(def.key)
            .code(def.code)
            .windows_virtual_key_code(def.key_code)
            .native_virtual_key_code(def.key_code);
        if let Some(text) = text {
            down = down.text(text);
        }
        let down = down.build().expect("key down");
        let mut up = down.clone();
        up.r#type = DispatchKeyEventType::KeyUp;
        up.text = None;
        self.page.execute(down).await.expect("key down");
        self.page.execute(up).await.expect("key up");
    }

    /// Types ASCII text key by key into whatever has the focus.
    pub async fn type_keys(&self, text: &str) {
        for c in text.chars() {
            self.press(&c.to_string()).await;
        }
    }

    /// Presses a key that submits a form or follows a link, and waits for the next page.
    pub async fn press_and_wait(&self, key: &str) {
        let mut loads = self
            .page
            .event_listener::<EventLoadEventFired>()
            .await
            .expect("load listener");
        self.press(key).await;
        self.await_load(&mut loads, &format!("after pressing {key}"))
            .await;
    }

    /// Puts `text` into a field (any script, Korean too) as an input method would,
    /// replacing what was there.
    pub async fn fill(&self, selector: &str, text: &str) {
        self.tick(selector).await;
        self.run(&format!(
            "document.querySelector({}).select()",
            js(selector)
        ))
        .await;
        self.page
            .execute(InsertTextParams::new(text))
            .await
            .expect("Input.insertText");
        let now: String = self
            .eval(&format!("document.querySelector({}).value", js(selector)))
            .await;
        assert_eq!(now, text, "{selector} did not take the text");
    }

    /// Chooses an option of a `<select>` by value.
    pub async fn choose(&self, selector: &str, value: &str) {
        let chosen: String = self
            .eval(&format!(
                "(() => {{ const s = document.querySelector({}); s.value = {}; \
                 s.dispatchEvent(new Event('change')); return s.value; }})()",
                js(selector),
                js(value)
            ))
            .await;
        assert_eq!(chosen, value, "{selector} has no option {value}");
    }

    /// Runs JavaScript for its effect (its value, if any, is dropped).
    pub async fn run(&self, statement: &str) {
        self.page
            .evaluate(statement)
            .await
            .unwrap_or_else(|e| panic!("evaluating {statement}: {e}"));
    }

    pub async fn eval<T: DeserializeOwned>(&self, expression: &str) -> T {
        self.page
            .evaluate(expression)
            .await
            .unwrap_or_else(|e| panic!("evaluating {expression}: {e}"))
            .into_value()
            .unwrap_or_else(|e| panic!("the value of {expression}: {e}"))
    }

    /// The address of the page on screen.
    pub async fn url(&self) -> String {
        self.eval("location.href").await
    }

    /// Path and query of the page on screen.
    pub async fn path(&self) -> String {
        self.eval("location.pathname + location.search").await
    }

    /// The visible text of the first element matching `selector`.
    pub async fn text(&self, selector: &str) -> String {
        self.eval::<Option<String>>(&format!(
            "document.querySelector({})?.innerText",
            js(selector)
        ))
        .await
        .unwrap_or_else(|| panic!("no {selector} on {}", self.page_description()))
        .trim()
        .to_owned()
    }

    /// What has the keyboard focus: its id, else a button's value or a field's name,
    /// else its tag.
    pub async fn focused(&self) -> String {
        self.eval(
            "(() => { const e = document.activeElement; \
             if (!e) return ''; \
             return e.id || (e.tagName === 'BUTTON' ? e.value : e.name) || e.tagName; })()",
        )
        .await
    }

    /// Waits until `expected` (as [`Tab::focused`] names it) has the focus: a page's
    /// `autofocus` is applied at the browser's next rendering step, which may come after
    /// the load event on a busy machine. Panics after 5 seconds, naming what has it.
    pub async fn await_focus(&self, expected: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let now = self.focused().await;
            if now == expected {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{expected} never got the focus ({now} has it) on {}",
                self.page_description()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The visible texts of every element matching `selector`, trimmed.
    pub async fn texts(&self, selector: &str) -> Vec<String> {
        self.eval(&format!(
            "[...document.querySelectorAll({})].map(e => e.innerText.trim())",
            js(selector)
        ))
        .await
    }

    /// Chooses `file` in a file input, as the file picker would.
    pub async fn choose_file(&self, selector: &str, file: &std::path::Path) {
        let input = self.element(selector).await;
        let params = SetFileInputFilesParams::builder()
            .file(file.display().to_string())
            .backend_node_id(input.backend_node_id)
            .build()
            .expect("DOM.setFileInputFiles params");
        self.page
            .execute(params)
            .await
            .unwrap_or_else(|e| panic!("choosing {} in {selector}: {e}", file.display()));
    }

    pub async fn exists(&self, selector: &str) -> bool {
        self.eval(&format!(
            "document.querySelector({}) !== null",
            js(selector)
        ))
        .await
    }

    async fn element(&self, selector: &str) -> chromiumoxide::Element {
        match self.page.find_element(selector).await {
            Ok(e) => e,
            Err(e) => {
                let url = self.url().await;
                let body: String = self.eval("document.body.innerText").await;
                panic!("no {selector} on {url} ({e}):\n{body}")
            }
        }
    }

    fn page_description(&self) -> String {
        format!(
            "the page ({} viewport, {})",
            self.viewport.name(),
            self.lang
        )
    }

    async fn await_load(
        &self,
        loads: &mut chromiumoxide::listeners::EventStream<EventLoadEventFired>,
        what: &str,
    ) {
        if tokio::time::timeout(PAGE_LOAD, loads.next()).await.is_err() {
            panic!("no page loaded {what} within {PAGE_LOAD:?}");
        }
    }

    /// Saves a screenshot as `target/screenshots/[<folder>/]<name>-<viewport>-<lang>.png`:
    /// the whole page width, as tall as the page (at most three screens).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let metrics = self.page.layout_metrics().await.expect("layout metrics");
        let width = metrics.css_layout_viewport.client_width as f64;
        let screen = metrics.css_layout_viewport.client_height as f64;
        let height = metrics
            .css_content_size
            .height
            .min(screen * 3.0)
            .max(screen);
        let shot = CaptureScreenshotParams {
            format: Some(CaptureScreenshotFormat::Png),
            clip: Some(Clip {
                x: 0.0,
                y: 0.0,
                width,
                height,
                scale: 1.0,
            }),
            capture_beyond_viewport: Some(true),
            ..Default::default()
        };
        let data = self
            .page
            .execute(shot)
            .await
            .expect("screenshot")
            .result
            .data;
        let png = base64_decode(data.as_ref());
        let dir = &self.screenshots;
        std::fs::create_dir_all(dir).expect("screenshot dir");
        let path = dir.join(format!("{name}-{}-{}.png", self.viewport.name(), self.lang));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// What the console reported as an error so far.
    pub fn console_errors(&self) -> Vec<String> {
        self.errors.lock().expect("errors").clone()
    }

    /// What the console reported as an error so far, forgetting it: for a test that
    /// expects an error (a refused form answers 4xx, which the console reports).
    pub fn take_console_errors(&self) -> Vec<String> {
        std::mem::take(&mut *self.errors.lock().expect("errors"))
    }

    pub fn assert_no_console_errors(&self, during: &str) {
        let errors = self.console_errors();
        assert!(
            errors.is_empty(),
            "the console reported errors during {during}:\n{}",
            errors.join("\n")
        );
    }

    pub async fn close(self) {
        for l in &self.listeners {
            l.abort();
        }
        let _ = self.page.close().await;
    }
}

fn push(sink: &Mutex<Vec<String>>, message: String) {
    if let Ok(mut errors) = sink.lock() {
        errors.push(message);
    }
}

/// A string as a JavaScript literal.
fn js(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `target/screenshots/` of the target directory this test binary was built in
/// (`target/debug/deps/e2e-…` → `target`).
pub fn screenshot_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("screenshots")
}

fn base64_decode(data: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("screenshot base64")
}
