//! Strings of the `upstream` part (sign-in with another provider, `/account/providers`),
//! English and Korean, looked up through `i18n::text` and `i18n::table` like the rest.

pub(super) const STRINGS: &[(&str, &str, &str)] = &[
    ("upstream_or", "Or sign in with", "다른 서비스로 로그인"),
    ("upstream_continue_with", "Continue with", "계속하기:"),
    (
        "upstream_failed_title",
        "Sign-in did not work",
        "로그인하지 못했습니다",
    ),
    (
        "upstream_unknown",
        "There is no such sign-in provider.",
        "그런 로그인 서비스가 없습니다.",
    ),
    (
        "upstream_denied",
        "You cancelled the sign-in at the provider.",
        "로그인 서비스에서 로그인을 취소했습니다.",
    ),
    (
        "upstream_provider_error",
        "The provider could not sign you in.",
        "로그인 서비스가 로그인을 처리하지 못했습니다.",
    ),
    (
        "upstream_state",
        "This sign-in is not valid here: it expired, was already used, or was started in another browser.",
        "이 로그인은 여기서 유효하지 않습니다. 만료되었거나 이미 사용되었거나 다른 브라우저에서 시작되었습니다.",
    ),
    (
        "upstream_invalid_token",
        "The provider's answer could not be verified, so you were not signed in.",
        "로그인 서비스의 응답을 확인할 수 없어 로그인하지 않았습니다.",
    ),
    (
        "upstream_unavailable",
        "The provider cannot be reached right now.",
        "지금은 로그인 서비스에 연결할 수 없습니다.",
    ),
    (
        "upstream_account_exists",
        "An account with this e-mail address already exists. Sign in with your password, then connect this provider on your account page.",
        "이 이메일 주소를 쓰는 계정이 이미 있습니다. 비밀번호로 로그인한 뒤 계정 페이지에서 이 서비스를 연결하세요.",
    ),
    (
        "upstream_no_account",
        "No account is connected to this provider account. Sign in another way, then connect it on your account page.",
        "이 서비스 계정에 연결된 계정이 없습니다. 다른 방법으로 로그인한 뒤 계정 페이지에서 연결하세요.",
    ),
    (
        "upstream_linked_elsewhere",
        "This provider account is already connected to another account.",
        "이 서비스 계정은 이미 다른 계정에 연결되어 있습니다.",
    ),
    (
        "upstream_already_linked",
        "You have already connected another account of this provider. Disconnect it first.",
        "이 서비스의 다른 계정이 이미 연결되어 있습니다. 먼저 연결을 해제하세요.",
    ),
    (
        "upstream_disabled",
        "This account is disabled.",
        "이 계정은 사용 중지되었습니다.",
    ),
    (
        "upstream_last_method",
        "This is your only way to sign in, so it cannot be disconnected.",
        "유일한 로그인 방법이라 연결을 해제할 수 없습니다.",
    ),
    (
        "upstream_try_again",
        "Try again, or sign in another way.",
        "다시 시도하거나 다른 방법으로 로그인하세요.",
    ),
    ("upstream_back", "Back", "돌아가기"),
    ("providers_title", "Sign-in providers", "로그인 서비스"),
    (
        "providers_intro",
        "Accounts at other services you can sign in with.",
        "로그인에 사용할 수 있는 다른 서비스의 계정입니다.",
    ),
    ("providers_connected", "Connected", "연결됨"),
    ("providers_not_connected", "Not connected", "연결 안 됨"),
    ("providers_connect", "Connect", "연결"),
    ("providers_disconnect", "Disconnect", "연결 해제"),
    (
        "providers_none",
        "No sign-in providers are configured.",
        "설정된 로그인 서비스가 없습니다.",
    ),
    ("providers_linked", "Connected.", "연결했습니다."),
    (
        "providers_unlinked",
        "Disconnected.",
        "연결을 해제했습니다.",
    ),
    (
        "providers_sign_in_first",
        "Sign in to manage your sign-in providers.",
        "로그인 서비스를 관리하려면 로그인하세요.",
    ),
];
