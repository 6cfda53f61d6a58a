//! Page strings in English and Korean, and choosing between them.

use std::sync::OnceLock;

pub use crate::locale::Lang;
use crate::locale::{Catalog, Table};

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
    // Error pages: what went wrong...
    (
        "error_request",
        "This sign-in request cannot be completed:",
        "이 로그인 요청을 완료할 수 없습니다:",
    ),
    (
        "error_logout",
        "This sign-out request cannot be completed:",
        "이 로그아웃 요청을 완료할 수 없습니다:",
    ),
    (
        "untrusted_client_id_repeated",
        "the application was named more than once.",
        "애플리케이션이 두 번 이상 지정되었습니다.",
    ),
    (
        "untrusted_client_id_missing",
        "it does not say which application it comes from.",
        "어느 애플리케이션에서 온 요청인지 알 수 없습니다.",
    ),
    (
        "untrusted_unknown_client",
        "the application is not registered here.",
        "이 애플리케이션은 여기에 등록되어 있지 않습니다.",
    ),
    (
        "untrusted_redirect_uri_repeated",
        "the return address was given more than once.",
        "돌아갈 주소가 두 번 이상 지정되었습니다.",
    ),
    (
        "untrusted_redirect_uri_missing",
        "it does not say where to return to.",
        "돌아갈 주소가 없습니다.",
    ),
    (
        "untrusted_redirect_uri_unregistered",
        "the return address is not registered for this application.",
        "돌아갈 주소가 이 애플리케이션에 등록되어 있지 않습니다.",
    ),
    (
        "untrusted_request_uri_invalid",
        "the pushed request it refers to is unknown, already used or expired. Start again from the application.",
        "요청이 가리키는 사전 등록 요청이 없거나, 이미 사용되었거나, 만료되었습니다. 애플리케이션에서 다시 시작하세요.",
    ),
    (
        "untrusted_request_uri_other_client",
        "the pushed request it refers to belongs to another application.",
        "요청이 가리키는 사전 등록 요청은 다른 애플리케이션의 것입니다.",
    ),
    // The device page (RFC 8628).
    ("device_title", "Connect a device", "기기 연결"),
    (
        "device_enter_code",
        "Enter the code shown on your device (TV, console, command line).",
        "기기(TV, 콘솔, 명령줄)에 표시된 코드를 입력하세요.",
    ),
    ("device_code_label", "Code", "코드"),
    ("device_continue", "Continue", "계속"),
    (
        "device_code_invalid",
        "That code is not valid, was already used or has expired. Check it and try again.",
        "코드가 올바르지 않거나, 이미 사용되었거나, 만료되었습니다. 확인 후 다시 입력하세요.",
    ),
    (
        "device_confirm_intro",
        "wants to connect to your account from the device showing this code:",
        "에서 이 코드를 표시한 기기로 계정에 연결하려고 합니다:",
    ),
    (
        "device_confirm_check",
        "Continue only if this code is on the device in front of you.",
        "이 코드가 지금 앞에 있는 기기에 표시된 경우에만 계속하세요.",
    ),
    (
        "device_approved_title",
        "Device connected",
        "기기가 연결되었습니다",
    ),
    (
        "device_approved",
        "You can return to your device now.",
        "이제 기기로 돌아가세요.",
    ),
    (
        "device_denied_title",
        "Request denied",
        "요청을 거부했습니다",
    ),
    (
        "device_denied",
        "The device was not connected to your account.",
        "기기가 계정에 연결되지 않았습니다.",
    ),
    (
        "device_gone",
        "This device request has expired or was already answered. Start again on your device.",
        "이 기기 요청은 만료되었거나 이미 처리되었습니다. 기기에서 다시 시작하세요.",
    ),
    (
        "logout_invalid_hint",
        "the sign-in it refers to was not issued by this server.",
        "요청이 가리키는 로그인 정보가 이 서버에서 발급된 것이 아닙니다.",
    ),
    (
        "logout_client_mismatch",
        "it names another application than the one you signed in to.",
        "로그인한 애플리케이션과 다른 애플리케이션을 지정했습니다.",
    ),
    (
        "logout_return_uri_unregistered",
        "the address to return to after signing out is not registered for this application.",
        "로그아웃 후 돌아갈 주소가 이 애플리케이션에 등록되어 있지 않습니다.",
    ),
    (
        "expired",
        "This sign-in page has expired or was opened in another browser.",
        "이 로그인 페이지가 만료되었거나 다른 브라우저에서 열렸습니다.",
    ),
    (
        "csrf",
        "The form was not sent from this site's page, or the page is too old.",
        "양식이 이 사이트의 페이지에서 전송되지 않았거나 페이지가 오래되었습니다.",
    ),
    (
        "unavailable",
        "The service is temporarily unavailable.",
        "서비스를 일시적으로 사용할 수 없습니다.",
    ),
    (
        "registration_closed",
        "Registration is closed.",
        "회원 가입이 닫혀 있습니다.",
    ),
    (
        "not_found",
        "There is no page at this address.",
        "이 주소에는 페이지가 없습니다.",
    ),
    // ...and what to do next.
    (
        "hint_back",
        "Go back to the application and try again.",
        "애플리케이션으로 돌아가 다시 시도하세요.",
    ),
    (
        "hint_restart",
        "Go back to the application and start signing in again.",
        "애플리케이션으로 돌아가 로그인을 다시 시작하세요.",
    ),
    (
        "hint_reload",
        "Reload the page and try again.",
        "페이지를 새로 고친 후 다시 시도하세요.",
    ),
    (
        "hint_wait",
        "Try again in a moment.",
        "잠시 후 다시 시도하세요.",
    ),
    (
        "hint_sign_in",
        "If you already have an account, sign in instead.",
        "이미 계정이 있다면 로그인하세요.",
    ),
    (
        "hint_home",
        "Check the address, or start from the home page.",
        "주소를 확인하거나 첫 페이지에서 다시 시작하세요.",
    ),
    // Registration form errors, one per field.
    (
        "invalid_username",
        "Choose a username of 3 to 32 letters, digits, '.', '_' or '-'.",
        "사용자 이름은 영문자, 숫자, '.', '_', '-'로 3~32자여야 합니다.",
    ),
    (
        "invalid_email",
        "Enter an e-mail address such as name@example.com.",
        "name@example.com 같은 이메일 주소를 입력하세요.",
    ),
    (
        "invalid_password",
        "Choose a password of at least 8 characters (and at most 1024 bytes).",
        "비밀번호는 8자 이상(최대 1024바이트)이어야 합니다.",
    ),
    (
        "invalid_name",
        "Your name can be at most 100 characters.",
        "이름은 최대 100자까지 입력할 수 있습니다.",
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

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    // This table, then the account pages' own (issue 13, part `account`).
    CATALOG.get_or_init(|| Catalog::new(&[STRINGS, super::account::strings::STRINGS].concat()))
}

/// The string table of one language, for templates (`t.sign_in`).
pub fn table(lang: Lang) -> &'static Table {
    catalog().table(lang)
}

pub fn text(lang: Lang, key: &str) -> &'static str {
    catalog().text(lang, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_is_in_both_languages_once() {
        let hangul = |t: &str| t.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        for (i, (key, en, ko)) in STRINGS.iter().enumerate() {
            assert!(!en.is_empty() && hangul(ko), "{key}");
            assert!(
                STRINGS[i + 1..].iter().all(|(k, _, _)| k != key),
                "{key} twice"
            );
        }
    }
}
