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
    // --- Two-step login (issue 13, part `twostep`) ---
    ("two_step_title", "Two-step verification", "2단계 인증"),
    (
        "two_step_enter_code",
        "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
        "인증 앱에 표시된 6자리 코드나 복구 코드 중 하나를 입력하세요.",
    ),
    ("two_step_code_or_recovery", "Code", "코드"),
    ("two_step_verify", "Verify", "확인"),
    (
        "two_step_wrong_code",
        "That code is not right. Check it and try again.",
        "코드가 올바르지 않습니다. 확인한 뒤 다시 시도하세요.",
    ),
    (
        "two_step_reused_code",
        "That code was already used. Wait for the next code in your app.",
        "이미 사용한 코드입니다. 앱에 다음 코드가 나타날 때까지 기다리세요.",
    ),
    (
        "two_step_enrol_required",
        "Your account needs two-step verification. Set up an authenticator app to continue.",
        "이 계정은 2단계 인증이 필요합니다. 계속하려면 인증 앱을 설정하세요.",
    ),
    (
        "two_step_enrol_scan",
        "Scan this QR code with an authenticator app, then enter the code it shows.",
        "인증 앱으로 이 QR 코드를 스캔한 뒤 앱에 표시된 코드를 입력하세요.",
    ),
    (
        "two_step_enrol_key",
        "Cannot scan? Type this key into the app:",
        "스캔할 수 없나요? 이 키를 앱에 입력하세요:",
    ),
    ("two_step_method_name", "Name", "이름"),
    ("two_step_default_name", "Authenticator app", "인증 앱"),
    ("two_step_code", "Code from the app", "앱에 표시된 코드"),
    ("two_step_enrol_finish", "Turn on", "사용 시작"),
    ("two_step_continue", "Continue", "계속"),
    ("two_step_recovery_title", "Recovery codes", "복구 코드"),
    (
        "two_step_recovery_once",
        "Keep these codes somewhere safe. Each works once if you lose your app. They are shown only now.",
        "이 코드를 안전한 곳에 보관하세요. 앱을 잃어버렸을 때 각 코드를 한 번씩 쓸 수 있습니다. 지금만 표시됩니다.",
    ),
    (
        "two_step_account_title",
        "Two-step verification",
        "2단계 인증",
    ),
    (
        "two_step_required_note",
        "Two-step verification is required for your account: the last method cannot be removed.",
        "이 계정은 2단계 인증이 필수이므로 마지막 방법은 삭제할 수 없습니다.",
    ),
    (
        "two_step_add_app",
        "Add an authenticator app",
        "인증 앱 추가",
    ),
    ("two_step_methods", "Your methods", "등록된 방법"),
    ("two_step_kind_totp", "Authenticator app", "인증 앱"),
    ("two_step_added_on", "added", "추가일"),
    ("two_step_last_used", "last used", "최근 사용"),
    ("two_step_rename", "Rename", "이름 바꾸기"),
    ("two_step_remove", "Remove", "삭제"),
    (
        "two_step_recovery_left",
        "Recovery codes left:",
        "남은 복구 코드:",
    ),
    (
        "two_step_new_recovery",
        "Make new recovery codes",
        "새 복구 코드 만들기",
    ),
    (
        "two_step_none",
        "Two-step verification is off: only your password protects your account.",
        "2단계 인증이 꺼져 있습니다. 비밀번호만으로 계정을 보호하고 있습니다.",
    ),
    (
        "two_step_added",
        "Two-step verification is on.",
        "2단계 인증이 켜졌습니다.",
    ),
    (
        "two_step_enrol_expired",
        "That setup has expired. Start again.",
        "설정 시간이 지났습니다. 다시 시작하세요.",
    ),
    (
        "two_step_no_methods",
        "Add a method first: recovery codes only work with one.",
        "먼저 인증 방법을 추가하세요. 복구 코드는 인증 방법이 있어야 쓸 수 있습니다.",
    ),
    (
        "two_step_bad_name",
        "A name needs 1 to 64 characters.",
        "이름은 1자에서 64자 사이여야 합니다.",
    ),
    (
        "two_step_last_required",
        "This is your last method, and your account requires two-step verification: add another before removing it.",
        "마지막 인증 방법이며 이 계정은 2단계 인증이 필수입니다. 삭제하려면 먼저 다른 방법을 추가하세요.",
    ),
    // ---- issue 13, part mailaudit: password policy, e-mail links, registration modes ----
    (
        "password_too_short",
        "Choose a password of at least 8 characters.",
        "비밀번호는 8자 이상이어야 합니다.",
    ),
    (
        "password_too_long",
        "A password can be at most 1,024 characters.",
        "비밀번호는 최대 1,024자까지 쓸 수 있습니다.",
    ),
    (
        "password_like_account",
        "Your password must not be your username or e-mail address (or built on them).",
        "비밀번호에 사용자 이름이나 이메일 주소를 (그대로 또는 조금만 바꿔서) 쓸 수 없습니다.",
    ),
    (
        "password_common",
        "That password is one of the most common ones and easy to guess. Choose another.",
        "너무 흔해서 쉽게 추측되는 비밀번호입니다. 다른 비밀번호를 고르세요.",
    ),
    (
        "forgot_password",
        "Forgot password?",
        "비밀번호를 잊으셨나요?",
    ),
    ("forgot_title", "Reset your password", "비밀번호 재설정"),
    (
        "forgot_intro",
        "Enter the e-mail address of your account. We will send it a link to choose a new password.",
        "계정의 이메일 주소를 입력하세요. 새 비밀번호를 정할 수 있는 링크를 보내 드립니다.",
    ),
    ("forgot_send", "Send the link", "링크 보내기"),
    (
        "forgot_sent",
        "If an account uses this address, we have sent it a link to choose a new password. The link works once, for a short time.",
        "이 주소를 쓰는 계정이 있다면 새 비밀번호를 정할 수 있는 링크를 보냈습니다. 링크는 짧은 시간 동안 한 번만 쓸 수 있습니다.",
    ),
    (
        "email_required",
        "Enter your e-mail address.",
        "이메일 주소를 입력하세요.",
    ),
    (
        "links_throttled",
        "Too many links were asked for lately. Wait {s} seconds and try again.",
        "최근 링크 요청이 너무 많았습니다. {s}초 후에 다시 시도하세요.",
    ),
    ("reset_title", "Choose a new password", "새 비밀번호 정하기"),
    ("new_password", "New password", "새 비밀번호"),
    ("confirm_password", "New password again", "새 비밀번호 확인"),
    ("reset_submit", "Set the password", "비밀번호 설정"),
    (
        "passwords_differ",
        "The two passwords are not the same.",
        "두 비밀번호가 서로 다릅니다.",
    ),
    (
        "reset_done",
        "Your password has been changed, and every session of your account has been signed out. Sign in with the new password.",
        "비밀번호가 바뀌었고 계정의 모든 세션이 로그아웃되었습니다. 새 비밀번호로 로그인하세요.",
    ),
    (
        "link_invalid",
        "This link does not work: it was already used, it has expired, or it is incomplete.",
        "이 링크는 쓸 수 없습니다. 이미 사용했거나, 만료되었거나, 일부가 잘렸습니다.",
    ),
    (
        "hint_new_reset_link",
        "Ask for a new link on the \"Forgot password?\" page.",
        "\"비밀번호를 잊으셨나요?\" 페이지에서 새 링크를 요청하세요.",
    ),
    (
        "hint_new_verify_link",
        "Sign in to ask for a new link.",
        "로그인해서 새 링크를 요청하세요.",
    ),
    (
        "verify_title",
        "Confirm your e-mail address",
        "이메일 주소 확인",
    ),
    (
        "verify_intro",
        "Confirm that {email} is your address.",
        "{email} 주소가 회원님의 주소임을 확인하세요.",
    ),
    ("verify_submit", "Confirm", "확인"),
    (
        "verify_done",
        "Your e-mail address is confirmed.",
        "이메일 주소가 확인되었습니다.",
    ),
    (
        "email_changed_done",
        "Your account now uses {email}.",
        "이제 계정의 이메일 주소는 {email}입니다.",
    ),
    (
        "email_taken_since",
        "Another account uses that address now; your address is unchanged.",
        "그 주소는 이미 다른 계정이 쓰고 있습니다. 회원님의 주소는 바뀌지 않았습니다.",
    ),
    (
        "verify_needed",
        "Confirm your e-mail address before you sign in: follow the link we sent you.",
        "로그인하기 전에 보내 드린 링크를 열어 이메일 주소를 확인하세요.",
    ),
    ("resend_submit", "Send the link again", "링크 다시 보내기"),
    (
        "resend_sent",
        "If the account still needs it, we have sent a new link.",
        "계정에 아직 필요하다면 새 링크를 보냈습니다.",
    ),
    (
        "verify_sent",
        "We have sent a link to {email}. Follow it to confirm your address, then sign in.",
        "{email} 주소로 링크를 보냈습니다. 링크를 열어 주소를 확인한 뒤 로그인하세요.",
    ),
    (
        "registration_invite_only",
        "Registration is by invitation only. Ask an administrator for an invitation link.",
        "초대받은 사람만 가입할 수 있습니다. 관리자에게 초대 링크를 요청하세요.",
    ),
    ("account_email_title", "E-mail address", "이메일 주소"),
    ("current_email", "Current address", "현재 주소"),
    ("email_verified_yes", "confirmed", "확인됨"),
    ("email_verified_no", "not confirmed", "확인 안 됨"),
    ("new_email", "New address", "새 주소"),
    ("current_password", "Current password", "현재 비밀번호"),
    (
        "change_email_submit",
        "Send a confirmation link",
        "확인 링크 보내기",
    ),
    (
        "change_email_sent",
        "We have sent a confirmation link to the new address. Your address changes when you follow it.",
        "새 주소로 확인 링크를 보냈습니다. 링크를 열면 주소가 바뀝니다.",
    ),
    (
        "wrong_password",
        "That password is not right.",
        "비밀번호가 맞지 않습니다.",
    ),
    (
        "same_email",
        "That is already your address.",
        "이미 회원님의 주소입니다.",
    ),
    (
        "sign_in_first",
        "Sign in to manage your account.",
        "계정을 관리하려면 로그인하세요.",
    ),
];

/// Every string: the shared table, then each part's own (one file per part).
fn all_strings() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    STRINGS
        .iter()
        .chain(super::upstream_i18n::STRINGS)
        .chain(super::account::strings::STRINGS)
        .chain(super::passkey_i18n::STRINGS)
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::new(&all_strings().copied().collect::<Vec<_>>()))
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
        let all: Vec<_> = all_strings().collect();
        for (i, (key, en, ko)) in all.iter().enumerate() {
            assert!(!en.is_empty() && hangul(ko), "{key}");
            assert!(all[i + 1..].iter().all(|(k, _, _)| k != key), "{key} twice");
        }
    }
}
