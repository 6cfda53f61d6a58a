//! The account pages as a person uses them: a browser with its own User-Agent and
//! language, signed in on the bare login page, posting the account forms with the CSRF
//! token the page carries.

use reqwest::header::{ACCEPT_LANGUAGE, USER_AGENT};

use belf::web::multipart::{FilePart, encode};

use super::browser::{Browser, Page};

pub const FIREFOX_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
pub const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// A browser sending `user_agent` and, if given, `Accept-Language: lang`.
pub fn browser_as(base: &str, user_agent: &str, lang: Option<&str>) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(USER_AGENT, user_agent.parse().expect("user agent"));
    if let Some(lang) = lang {
        headers.insert(ACCEPT_LANGUAGE, lang.parse().expect("language"));
    }
    Browser {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client"),
        base: base.to_owned(),
    }
}

/// Signs `username` in (password `password`) on the bare login page; panics otherwise.
pub async fn sign_in(browser: &Browser, username: &str, password: &str) {
    let done = browser.log_in(username, password).await;
    assert_eq!(done.status, 302, "login: {}", done.body);
}

/// Opens `page_path`, then posts `form` to `action` with that page's CSRF token.
pub async fn submit(
    browser: &Browser,
    page_path: &str,
    action: &str,
    form: &[(&str, &str)],
) -> Page {
    let page = browser.get(page_path).await;
    assert_eq!(page.status, 200, "{page_path}: {}", page.body);
    let csrf = page.input("csrf").expect("the page has a CSRF token");
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    browser.post(action, &fields).await
}

/// Uploads `bytes` as the profile picture. `csrf`: the token to send before the file
/// (`None`: none at all); `csrf_after_file` sends it after the file instead.
pub async fn upload_picture(
    browser: &Browser,
    csrf: Option<&str>,
    csrf_after_file: bool,
    bytes: Vec<u8>,
    declared_type: &str,
) -> Page {
    let file = FilePart {
        field: "picture".into(),
        file_name: "me.jpg".into(),
        content_type: declared_type.into(),
        bytes,
    };
    let before: Vec<(&str, &str)> = match (csrf, csrf_after_file) {
        (Some(token), false) => vec![("csrf", token)],
        _ => Vec::new(),
    };
    let (content_type, mut body) = encode(&before, Some(&file));
    if let (Some(token), true) = (csrf, csrf_after_file) {
        // The closing delimiter is the last line: put the token's part before it.
        let boundary = content_type
            .split("boundary=")
            .nth(1)
            .expect("boundary")
            .to_owned();
        body.truncate(body.len() - format!("--{boundary}--\r\n").len());
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{boundary}--\r\n"
            )
            .as_bytes(),
        );
    }
    let res = browser
        .http
        .post(format!("{}/account/profile/picture", browser.base))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Page {
        status,
        location,
        body: res.text().await.unwrap_or_default(),
    }
}

/// The `src` of the first profile picture on a page.
pub fn picture_src(page: &Page) -> Option<String> {
    let marker = "class=\"picture\" src=\"";
    let start = page.body.find(marker)? + marker.len();
    let end = page.body[start..].find('"')? + start;
    Some(
        page.body[start..end]
            .replace("&#x2f;", "/")
            .replace("&amp;", "&"),
    )
}
