//! A coarse description of the device behind a `User-Agent` ("Firefox on Windows"), for
//! the sessions page. Coarse on purpose: enough for a person to recognise their own
//! devices, no version numbers to fingerprint them by. Order matters: most browsers name
//! the ones they are built on (Edge says "Chrome" and "Safari", Chrome says "Safari").

/// Browsers, most specific first: the token to look for and the name to show.
const BROWSERS: &[(&str, &str)] = &[
    ("KAKAOTALK", "KakaoTalk"),
    ("NAVER(inapp", "NAVER app"),
    ("Whale/", "Whale"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
];

/// Operating systems, most specific first.
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// The longest `User-Agent` looked at; anything longer is cut (headers can be large).
const MAX_USER_AGENT: usize = 512;

/// What a device is, as `(browser, system)`; either may be unknown.
pub fn describe(user_agent: Option<&str>) -> (Option<&'static str>, Option<&'static str>) {
    let ua = user_agent.unwrap_or("");
    let cut = (0..=MAX_USER_AGENT.min(ua.len()))
        .rev()
        .find(|&i| ua.is_char_boundary(i))
        .unwrap_or(0);
    let ua = &ua[..cut];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(token, _)| ua.contains(token))
            .map(|(_, name)| *name)
    };
    (find(BROWSERS), find(SYSTEMS))
}

/// The stored form: "Firefox on Windows", "Chrome", "on Android", or "" when unknown
/// (the page then says so in the reader's language).
pub fn label(user_agent: Option<&str>) -> String {
    match describe(user_agent) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_and_systems_are_recognised() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox · Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari · macOS",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge · Windows",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet · Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                "Chrome · iOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.8.5",
                "KakaoTalk · iOS",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Whale/4.29 Safari/537.36",
                "Whale · Linux",
            ),
            ("curl/8.5.0", "curl"),
            ("", ""),
            ("\u{0}garbage\u{7f}", ""),
        ];
        for (ua, want) in cases {
            assert_eq!(label(Some(ua)), want, "{ua}");
        }
        assert_eq!(label(None), "");
    }

    #[test]
    fn a_huge_or_odd_user_agent_is_cut_not_trusted() {
        let huge = format!("{}Firefox/1", "x".repeat(10_000));
        assert_eq!(label(Some(&huge)), "");
        // Cutting never splits a character.
        let korean = "가".repeat(300);
        assert_eq!(label(Some(&korean)), "");
    }
}
