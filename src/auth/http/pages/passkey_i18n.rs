//! Strings of the passkey parts of the login, second-step and `/account/two-step` pages,
//! English and Korean, looked up through `i18n::text` and `i18n::table` like the rest.

pub(super) const STRINGS: &[(&str, &str, &str)] = &[
    (
        "passkey_sign_in",
        "Sign in with a passkey",
        "패스키로 로그인",
    ),
    (
        "passkey_or",
        "Or, without a password:",
        "또는 비밀번호 없이:",
    ),
    ("passkey_use", "Use a passkey", "패스키 사용"),
    (
        "passkey_second_step",
        "Or confirm with one of your passkeys.",
        "또는 등록한 패스키로 확인하세요.",
    ),
    (
        "passkey_browser_failed",
        "The passkey was not used (cancelled, or not available on this device).",
        "패스키를 사용하지 못했습니다 (취소했거나 이 기기에서 쓸 수 없습니다).",
    ),
    (
        "passkey_refused",
        "That passkey could not be verified. Try again, or use another way.",
        "패스키를 확인하지 못했습니다. 다시 시도하거나 다른 방법을 쓰세요.",
    ),
    (
        "passkey_expired",
        "This passkey request has expired or was already used. Try again.",
        "이 패스키 요청은 만료되었거나 이미 사용되었습니다. 다시 시도하세요.",
    ),
    ("passkey_add", "Add a passkey", "패스키 추가"),
    (
        "passkey_add_intro",
        "Name this passkey, then create it with your device (fingerprint, face, PIN or security key).",
        "패스키 이름을 정한 뒤 기기(지문, 얼굴, PIN 또는 보안 키)로 만드세요.",
    ),
    ("passkey_create", "Create the passkey", "패스키 만들기"),
    ("passkey_default_name", "Passkey", "패스키"),
    ("passkey_added", "Passkey added.", "패스키를 추가했습니다."),
    (
        "passkey_not_added",
        "The passkey could not be added: the answer from your device did not check out.",
        "패스키를 추가하지 못했습니다. 기기의 응답을 확인할 수 없습니다.",
    ),
    (
        "passkey_duplicate",
        "That passkey is registered already.",
        "이미 등록된 패스키입니다.",
    ),
    ("passkey_kind", "Passkey", "패스키"),
    (
        "passkey_discoverable",
        "also signs in without a password",
        "비밀번호 없이 로그인에도 사용",
    ),
    (
        "passkey_needs_script",
        "Passkeys need JavaScript in your browser.",
        "패스키를 쓰려면 브라우저에서 JavaScript가 필요합니다.",
    ),
];
