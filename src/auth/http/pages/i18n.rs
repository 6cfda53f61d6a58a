//! Page strings in English and Korean, and choosing between them.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_', ';'])
            .next()?
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ko" => Some(Lang::Ko),
            _ => None,
        }
    }

    /// `ui_locales` (space-separated, in order of preference) wins; then `Accept-Language`
    /// (by q-value); then the configured default.
    pub fn choose(ui_locales: Option<&str>, accept_language: Option<&str>, default: &str) -> Lang {
        if let Some(l) = ui_locales.and_then(|u| u.split(' ').find_map(Lang::from_tag)) {
            return l;
        }
        if let Some(header) = accept_language {
            let mut best: Option<(f32, Lang)> = None;
            for part in header.split(',').take(20) {
                let mut pieces = part.split(';');
                let tag = pieces.next().unwrap_or("");
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                if let Some(l) = Lang::from_tag(tag)
                    && best.is_none_or(|(bq, _)| q > bq)
                {
                    best = Some((q, l));
                }
            }
            if let Some((_, l)) = best {
                return l;
            }
        }
        Lang::from_tag(default).unwrap_or(Lang::En)
    }
}

/// (key, English, Korean)
const STRINGS: &[(&str, &str, &str)] = &[
    ("sign_in", "Sign in", "로그인"),
    (
        "sign_in_to",
        "Sign in to continue to",
        "다음 서비스로 계속하려면 로그인하세요:",
    ),
    (
        "username_or_email",
        "Username or e-mail",
        "사용자 이름 또는 이메일",
    ),
    ("username", "Username", "사용자 이름"),
    ("email", "E-mail", "이메일"),
    ("name", "Name (optional)", "이름 (선택)"),
    ("password", "Password", "비밀번호"),
    (
        "login_failed",
        "Wrong username or password.",
        "사용자 이름 또는 비밀번호가 올바르지 않습니다.",
    ),
    ("no_account", "No account yet?", "계정이 없으신가요?"),
    ("register", "Create an account", "계정 만들기"),
    (
        "have_account",
        "Already have an account?",
        "이미 계정이 있으신가요?",
    ),
    ("consent_title", "Allow access?", "접근을 허용할까요?"),
    ("consent_wants", "wants to:", "에서 다음 권한을 요청합니다:"),
    ("allow", "Allow", "허용"),
    ("deny", "Deny", "거부"),
    ("signed_in_as", "Signed in as", "로그인한 사용자:"),
    ("not_you", "Not you? Sign out", "본인이 아닌가요? 로그아웃"),
    ("sign_out", "Sign out", "로그아웃"),
    (
        "sign_out_question",
        "Sign out of Belf?",
        "Belf에서 로그아웃할까요?",
    ),
    ("signed_out", "You are signed out.", "로그아웃되었습니다."),
    ("error_title", "Something went wrong", "문제가 발생했습니다"),
    (
        "error_request",
        "This sign-in request cannot be completed:",
        "이 로그인 요청을 완료할 수 없습니다:",
    ),
    (
        "error_back",
        "Go back to the application and try again.",
        "애플리케이션으로 돌아가 다시 시도하세요.",
    ),
    (
        "expired",
        "This sign-in page has expired or was opened in another browser.",
        "이 로그인 페이지가 만료되었거나 다른 브라우저에서 열렸습니다.",
    ),
    (
        "csrf",
        "The form was not sent from this site's page, or the page is too old. Reload it and try again.",
        "양식이 이 사이트의 페이지에서 전송되지 않았거나 페이지가 오래되었습니다. 새로 고친 후 다시 시도하세요.",
    ),
    (
        "unavailable",
        "The service is temporarily unavailable. Try again in a moment.",
        "서비스를 일시적으로 사용할 수 없습니다. 잠시 후 다시 시도하세요.",
    ),
    (
        "registration_closed",
        "Registration is closed.",
        "회원 가입이 닫혀 있습니다.",
    ),
    (
        "taken",
        "That username or e-mail address is already registered.",
        "이미 등록된 사용자 이름 또는 이메일입니다.",
    ),
    ("home_title", "Belf account", "Belf 계정"),
    ("scope_openid", "Know who you are", "회원님의 신원 확인"),
    (
        "scope_profile",
        "See your name and username",
        "이름과 사용자 이름 보기",
    ),
    ("scope_email", "See your e-mail address", "이메일 주소 보기"),
    ("scope_address", "See your postal address", "우편 주소 보기"),
    ("scope_phone", "See your phone number", "전화번호 보기"),
    (
        "scope_offline_access",
        "Stay connected when you are away",
        "로그아웃 후에도 연결 유지",
    ),
    ("scope_other", "Use", "다음 권한 사용:"),
    (
        "throttled",
        "Too many failed attempts. Wait {s} seconds and try again.",
        "실패한 시도가 너무 많습니다. {s}초 후에 다시 시도하세요.",
    ),
    (
        "registration_throttled",
        "Too many accounts were created from your network lately. Wait {s} seconds and try again.",
        "최근 회원님의 네트워크에서 너무 많은 계정이 만들어졌습니다. {s}초 후에 다시 시도하세요.",
    ),
    ("password_hint", "At least 8 characters.", "8자 이상."),
];

/// The string table of one language, for templates (`t.sign_in`).
pub fn table(lang: Lang) -> HashMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(k, en, ko)| (*k, if lang == Lang::Ko { *ko } else { *en }))
        .collect()
}

pub fn text(lang: Lang, key: &str) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, ko)| if lang == Lang::Ko { *ko } else { *en })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_language() {
        assert_eq!(Lang::choose(Some("fr ko-KR"), Some("en"), "en"), Lang::Ko);
        assert_eq!(
            Lang::choose(None, Some("fr, ko;q=0.8, en;q=0.5"), "en"),
            Lang::Ko
        );
        assert_eq!(Lang::choose(None, Some("de"), "ko"), Lang::Ko);
        assert_eq!(Lang::choose(None, None, "en"), Lang::En);
    }
}
