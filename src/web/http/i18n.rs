//! Page words in English and Korean, and choosing between them (`Accept-Language` by
//! q-value, then `[web] default_locale`).

use std::sync::OnceLock;

pub use crate::locale::Lang;
use crate::locale::{Catalog, Table};

/// (key, English, Korean)
const STRINGS: &[(&str, &str, &str)] = &[
    ("app_name", "Belf", "Belf"),
    (
        "tagline",
        "Courses of little habits, checked off day by day, shared with others.",
        "작은 습관을 코스로 만들고, 하루하루 체크하고, 다른 사람과 나눠요.",
    ),
    ("sign_in", "Sign in", "로그인"),
    ("sign_out", "Sign out", "로그아웃"),
    (
        "sign_in_hint",
        "You sign in with your Belf account (you can create one there).",
        "Belf 계정으로 로그인합니다 (계정이 없으면 거기서 만들 수 있어요).",
    ),
    ("nav_today", "Today", "오늘"),
    ("nav_courses", "My courses", "내 코스"),
    ("nav_explore", "Explore", "둘러보기"),
    ("nav_profile", "Profile", "프로필"),
    ("today_title", "Today", "오늘 할 일"),
    ("day", "Day", "날짜"),
    ("show", "Show", "보기"),
    ("utc_offset", "Time zone (UTC offset)", "시간대 (UTC 기준)"),
    ("save", "Save", "저장"),
    (
        "nothing_due",
        "Nothing is due on this day.",
        "이 날 할 일이 없어요.",
    ),
    ("done", "Done", "완료"),
    ("mark_done", "Check off", "완료하기"),
    ("undo", "Undo", "되돌리기"),
    ("note", "Note (optional)", "메모 (선택)"),
    ("photo", "Photo (optional)", "사진 (선택)"),
    ("courses_title", "My courses", "내 코스"),
    ("new_course", "New course", "새 코스"),
    (
        "no_courses",
        "You have no courses yet.",
        "아직 코스가 없어요.",
    ),
    ("edit_course", "Edit course", "코스 수정"),
    ("title", "Title", "제목"),
    ("explanation", "Explanation", "설명"),
    ("colour", "Colour", "색"),
    ("tags", "Tags (separated by spaces)", "태그 (공백으로 구분)"),
    ("start_date", "Start date", "시작일"),
    ("end_date", "End date (optional)", "종료일 (선택)"),
    (
        "public",
        "Public: others can find, like and fork it",
        "공개: 다른 사람이 찾고, 좋아요하고, 가져올 수 있어요",
    ),
    ("create", "Create", "만들기"),
    ("delete", "Delete", "삭제"),
    (
        "delete_course_confirm",
        "Delete this course with all its todos and history",
        "이 코스와 모든 할 일, 기록 삭제",
    ),
    ("edit", "Edit", "수정"),
    ("todos", "Todos", "할 일"),
    ("no_todos", "No todos yet.", "아직 할 일이 없어요."),
    ("add_todo", "Add a todo", "할 일 추가"),
    ("edit_todo", "Edit todo", "할 일 수정"),
    ("active_date", "From", "시작"),
    ("repeat", "Repeat", "반복"),
    ("once", "Once", "한 번"),
    ("weekly", "Weekly on", "매주"),
    ("every", "Every N days", "N일마다"),
    ("every_days", "Days between", "간격 (일)"),
    ("mon", "Mon", "월"),
    ("tue", "Tue", "화"),
    ("wed", "Wed", "수"),
    ("thu", "Thu", "목"),
    ("fri", "Fri", "금"),
    ("sat", "Sat", "토"),
    ("sun", "Sun", "일"),
    ("owner", "By", "만든 사람"),
    ("forked_from", "Forked from", "가져온 코스"),
    ("forks", "Forks", "가져감"),
    ("likes", "Likes", "좋아요"),
    ("like", "Like", "좋아요"),
    ("unlike", "Unlike", "좋아요 취소"),
    ("fork", "Fork into my courses", "내 코스로 가져오기"),
    ("history", "Done history", "완료 기록"),
    (
        "history_hidden",
        "The history of this course is not shown to you.",
        "이 코스의 기록은 볼 수 없어요.",
    ),
    ("private", "Private", "비공개"),
    ("public_badge", "Public", "공개"),
    ("explore_title", "Explore courses", "코스 둘러보기"),
    ("keyword", "Keyword", "검색어"),
    ("tag", "Tag", "태그"),
    ("sort", "Sort by", "정렬"),
    ("sort_recent", "Recent", "최신순"),
    ("sort_likes", "Likes", "좋아요순"),
    ("sort_forks", "Forks", "가져감순"),
    ("search", "Search", "검색"),
    (
        "no_results",
        "No public course matches.",
        "찾는 공개 코스가 없어요.",
    ),
    ("next_page", "Next page", "다음 페이지"),
    ("previous_page", "Previous page", "이전 페이지"),
    ("results", "results", "개"),
    ("profile_title", "Profile", "프로필"),
    ("todos_done", "Todos done", "완료한 할 일"),
    ("likes_received", "Likes received", "받은 좋아요"),
    ("forks_received", "Forks received", "가져간 횟수"),
    (
        "my_history",
        "My history, all courses",
        "전체 코스 완료 기록",
    ),
    (
        "account_pages",
        "Account at the identity server",
        "계정 관리 (ID 서버)",
    ),
    ("error_title", "Something went wrong", "문제가 생겼어요"),
    (
        "not_found",
        "This page does not exist, or is not yours to see.",
        "없는 페이지이거나 볼 수 없는 페이지예요.",
    ),
    ("go_home", "Go to the start page.", "처음 화면으로 가세요."),
    (
        "bad_request",
        "The request could not be understood.",
        "요청을 이해하지 못했어요.",
    ),
    (
        "csrf_failed",
        "This form has expired or did not come from this site. Nothing was changed.",
        "양식이 만료되었거나 이 사이트에서 보낸 것이 아니에요. 아무것도 바뀌지 않았어요.",
    ),
    (
        "csrf_hint",
        "Go back, reload the page and try again.",
        "뒤로 가서 페이지를 새로 고친 뒤 다시 해 보세요.",
    ),
    (
        "outage_title",
        "Belf is taking a break",
        "Belf가 잠시 쉬고 있어요",
    ),
    (
        "outage_identity",
        "The sign-in service is not answering right now.",
        "로그인 서비스가 지금 응답하지 않아요.",
    ),
    (
        "outage_todo",
        "The course service is not answering right now.",
        "코스 서비스가 지금 응답하지 않아요.",
    ),
    (
        "outage_sessions",
        "Sessions cannot be read right now.",
        "지금은 세션을 읽을 수 없어요.",
    ),
    (
        "outage_hint",
        "Nothing you did was lost. Try again in a moment.",
        "입력한 내용은 사라지지 않았어요. 잠시 후 다시 해 보세요.",
    ),
    ("retry", "Try again", "다시 시도"),
    (
        "login_failed",
        "Signing in did not complete. Please try again.",
        "로그인이 끝나지 않았어요. 다시 해 주세요.",
    ),
    (
        "login_denied",
        "Signing in was cancelled.",
        "로그인이 취소되었어요.",
    ),
    (
        "heatmap_label",
        "Todos done per day over the last year",
        "지난 1년 동안 하루에 완료한 할 일 수",
    ),
    (
        "months",
        "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "1월 2월 3월 4월 5월 6월 7월 8월 9월 10월 11월 12월",
    ),
    ("signed_in_as", "Signed in as", "로그인:"),
    (
        "photo_too_large",
        "The photo is too large.",
        "사진이 너무 커요.",
    ),
    (
        "course_deleted",
        "The course was deleted.",
        "코스를 삭제했어요.",
    ),
];

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::new(STRINGS))
}

pub fn table(lang: Lang) -> &'static Table {
    catalog().table(lang)
}

pub fn text(lang: Lang, key: &str) -> &'static str {
    catalog().text(lang, key)
}

/// The twelve month names for the heatmap's column headers.
pub fn months(lang: Lang) -> [&'static str; 12] {
    let mut out = [""; 12];
    for (slot, name) in out.iter_mut().zip(text(lang, "months").split(' ')) {
        *slot = name;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_has_both_languages_and_keys_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (k, en, ko) in STRINGS {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!en.is_empty() && !ko.is_empty(), "{k}");
        }
        assert_eq!(months(Lang::Ko)[11], "12월");
    }
}
