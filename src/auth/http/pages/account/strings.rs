//! The account pages' strings (issue 13, part `account`), English and Korean. Looked up
//! through `i18n::text` and `i18n::table` like every other page string.

pub const STRINGS: &[(&str, &str, &str)] = &[
    ("account_title", "Your account", "내 계정"),
    ("account_manage", "Manage your account", "계정 관리"),
    ("account_nav_overview", "Overview", "개요"),
    ("account_nav_profile", "Profile", "프로필"),
    ("account_nav_password", "Password", "비밀번호"),
    ("account_nav_email", "E-mail", "이메일"),
    ("account_nav_two_step", "Two-step sign-in", "2단계 로그인"),
    (
        "account_nav_providers",
        "Sign-in providers",
        "로그인 서비스 연결",
    ),
    ("account_nav_apps", "Connected apps", "연결된 앱"),
    ("account_nav_sessions", "Active sessions", "로그인된 기기"),
    ("account_nav_delete", "Delete account", "계정 삭제"),
    ("account_display_name", "Name", "이름"),
    ("account_username", "Username", "사용자 이름"),
    ("account_email", "E-mail address", "이메일 주소"),
    ("account_email_unverified", "not verified", "인증되지 않음"),
    ("account_member_since", "Member since", "가입일"),
    (
        "account_overview_hint",
        "Choose what to manage from the menu above.",
        "위 메뉴에서 관리할 항목을 고르세요.",
    ),
    ("account_save", "Save", "저장"),
    (
        "account_name_saved",
        "Your name was saved.",
        "이름을 저장했습니다.",
    ),
    (
        "account_name_too_long",
        "The name must be at most 100 characters.",
        "이름은 100자 이하여야 합니다.",
    ),
    (
        "account_name_invalid",
        "The name must not contain control characters.",
        "이름에 제어 문자를 넣을 수 없습니다.",
    ),
    ("account_picture", "Profile picture", "프로필 사진"),
    ("account_picture_choose", "Choose a picture", "사진 선택"),
    (
        "account_picture_hint",
        "JPEG, PNG or WebP. Location and camera details are removed.",
        "JPEG, PNG, WebP 형식. 위치와 카메라 정보는 지워집니다.",
    ),
    ("account_picture_upload", "Upload picture", "사진 올리기"),
    ("account_picture_remove", "Remove picture", "사진 지우기"),
    (
        "account_picture_saved",
        "Your picture was saved.",
        "사진을 저장했습니다.",
    ),
    (
        "account_picture_removed",
        "Your picture was removed.",
        "사진을 지웠습니다.",
    ),
    (
        "account_picture_too_large",
        "That picture is too large. Choose a smaller one.",
        "사진이 너무 큽니다. 더 작은 사진을 고르세요.",
    ),
    (
        "account_picture_empty",
        "Choose a picture to upload.",
        "올릴 사진을 고르세요.",
    ),
    (
        "account_picture_wrong_type",
        "Only JPEG, PNG or WebP pictures can be used.",
        "JPEG, PNG, WebP 사진만 쓸 수 있습니다.",
    ),
    (
        "account_picture_unreadable",
        "That file could not be read as a picture.",
        "이 파일은 사진으로 읽을 수 없습니다.",
    ),
    (
        "account_password_effect",
        "Changing your password signs you out everywhere else and disconnects apps that stay signed in for you.",
        "비밀번호를 바꾸면 다른 모든 기기에서 로그아웃되고, 로그인 상태를 유지하던 앱의 연결도 끊어집니다.",
    ),
    (
        "account_current_password",
        "Current password",
        "현재 비밀번호",
    ),
    ("account_new_password", "New password", "새 비밀번호"),
    (
        "account_confirm_password",
        "New password again",
        "새 비밀번호 확인",
    ),
    (
        "account_password_submit",
        "Change password",
        "비밀번호 바꾸기",
    ),
    (
        "account_password_changed",
        "Your password was changed. Your other sessions were signed out.",
        "비밀번호를 바꿨습니다. 다른 기기는 로그아웃되었습니다.",
    ),
    (
        "account_password_mismatch",
        "The two new passwords are not the same.",
        "새 비밀번호 두 개가 서로 다릅니다.",
    ),
    (
        "account_password_wrong",
        "The current password is not correct.",
        "현재 비밀번호가 맞지 않습니다.",
    ),
    (
        "account_password_rules",
        "The new password must be 8 to 1,024 characters long.",
        "새 비밀번호는 8자 이상 1,024자 이하여야 합니다.",
    ),
    (
        "account_throttled",
        "Too many wrong passwords. Wait a while and try again.",
        "잘못된 비밀번호를 너무 많이 입력했습니다. 잠시 후 다시 시도하세요.",
    ),
    ("account_app_since", "allowed", "허용한 날짜"),
    ("account_app_revoke", "Remove access", "접근 권한 없애기"),
    (
        "account_app_revoked",
        "The app's access was removed. It must ask you again.",
        "앱의 접근 권한을 없앴습니다. 앱은 다시 허락을 받아야 합니다.",
    ),
    (
        "account_app_gone",
        "That app had no access to remove.",
        "그 앱에는 없앨 접근 권한이 없습니다.",
    ),
    (
        "account_apps_none",
        "You have not let any app use your account.",
        "계정 사용을 허락한 앱이 없습니다.",
    ),
    (
        "account_device_unknown",
        "Unknown device",
        "알 수 없는 기기",
    ),
    (
        "account_session_current",
        "this browser",
        "지금 이 브라우저",
    ),
    ("account_session_ip", "IP", "IP"),
    ("account_session_signed_in", "signed in", "로그인"),
    ("account_session_last_seen", "last seen", "마지막 사용"),
    (
        "account_session_end",
        "Sign out there",
        "이 기기에서 로그아웃",
    ),
    (
        "account_sessions_end_others",
        "Sign out all other sessions",
        "다른 모든 기기에서 로그아웃",
    ),
    (
        "account_session_ended",
        "That session was signed out.",
        "그 기기를 로그아웃했습니다.",
    ),
    (
        "account_sessions_others_ended",
        "All your other sessions were signed out.",
        "다른 모든 기기를 로그아웃했습니다.",
    ),
    (
        "account_session_gone",
        "That session had already ended.",
        "그 기기는 이미 로그아웃되었습니다.",
    ),
    (
        "account_delete_warning",
        "Deleting your account signs you out everywhere, disconnects every app and removes your profile, picture and sign-in details from Belf. This cannot be undone.",
        "계정을 삭제하면 모든 기기에서 로그아웃되고, 모든 앱 연결이 끊어지며, 프로필과 사진과 로그인 정보가 Belf에서 지워집니다. 되돌릴 수 없습니다.",
    ),
    (
        "account_delete_recent",
        "You signed in a moment ago, so the password may be left empty.",
        "방금 로그인하셨으므로 비밀번호를 비워 두어도 됩니다.",
    ),
    (
        "account_delete_confirm",
        "I understand: delete my account for good.",
        "이해했습니다. 계정을 영구히 삭제합니다.",
    ),
    ("account_delete_submit", "Delete my account", "계정 삭제"),
    (
        "account_delete_unconfirmed",
        "Tick the box to confirm that the account should be deleted.",
        "계정 삭제를 확인하는 칸에 체크하세요.",
    ),
    (
        "account_delete_needs_password",
        "Enter your password to delete your account.",
        "계정을 삭제하려면 비밀번호를 입력하세요.",
    ),
    ("account_deleted_title", "Account deleted", "계정 삭제됨"),
    (
        "account_deleted_message",
        "Your account and its data were deleted. Thank you for using Belf.",
        "계정과 그 데이터를 삭제했습니다. Belf를 이용해 주셔서 감사합니다.",
    ),
];

#[cfg(test)]
mod tests {
    use super::STRINGS;
    use crate::auth::http::pages::i18n::{self, Lang};

    #[test]
    fn every_account_string_is_in_both_languages_once_and_reachable() {
        let hangul = |t: &str| t.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        for (i, (key, en, ko)) in STRINGS.iter().enumerate() {
            assert!(
                !en.is_empty() && (hangul(ko) || *key == "account_session_ip"),
                "{key}"
            );
            assert!(
                STRINGS[i + 1..].iter().all(|(k, _, _)| k != key),
                "{key} twice"
            );
            assert_eq!(
                i18n::text(Lang::Ko, key),
                *ko,
                "{key} reachable through i18n"
            );
            assert_eq!(
                i18n::text(Lang::En, key),
                *en,
                "{key} reachable through i18n"
            );
        }
    }
}
