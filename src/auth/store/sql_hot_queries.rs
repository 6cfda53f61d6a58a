//! The identity server's hot statements (see [`crate::db::HotQuery`]): what a token
//! request, a login, an authorization, a refresh, userinfo and a logout send to SQL.
//! Authorization codes, browser sessions and deny-lists live in Redis (or process memory),
//! not in SQL; audit events are inserts, not reads.

use super::sql::{
    CONSENT_SCOPES, REFRESH_BY_HASH, REFRESH_SPEND, REVOKE_FAMILY, USER_BY_ID, USER_BY_LOGIN,
};
use super::sql_account::{SESSION_LAST_SEEN, SESSION_TOUCH};
use super::sql_clients::CLIENT_BY_ID;
use super::sql_session_clients::TAKE_SESSION_CLIENTS;
use super::sql_two_step::{TWO_STEP_METHODS, TWO_STEP_REQUIRED};
use crate::db::HotParam::{Int, Text};
use crate::db::{HotParam, HotQuery};

fn hot(name: &'static str, sql: &str, params: &[HotParam]) -> HotQuery {
    HotQuery {
        name,
        sql: sql.to_owned(),
        params: params.to_vec(),
    }
}

/// Every statement of the identity server's hot paths, in both dialects' shared text.
pub fn hot_queries() -> Vec<HotQuery> {
    let now = 1_800_000_000;
    vec![
        hot("user_by_id", USER_BY_ID, &[Text("user_id")]),
        hot("user_by_login", USER_BY_LOGIN, &[Text("username")]),
        hot("client_by_id", CLIENT_BY_ID, &[Text("client_id")]),
        hot(
            "consent_scopes",
            CONSENT_SCOPES,
            &[Text("user_id"), Text("client_id")],
        ),
        hot("refresh_by_hash", REFRESH_BY_HASH, &[Text("token_hash")]),
        hot(
            "refresh_spend",
            REFRESH_SPEND,
            &[Int(now), Text("token_hash")],
        ),
        hot(
            "revoke_family",
            REVOKE_FAMILY,
            &[Int(now), Text("family_id")],
        ),
        hot(
            "session_last_seen",
            SESSION_LAST_SEEN,
            &[Text("session_key")],
        ),
        hot(
            "session_touch",
            SESSION_TOUCH,
            &[Int(now), Text("ip"), Text("session_key"), Int(now)],
        ),
        hot("two_step_methods", TWO_STEP_METHODS, &[Text("user_id")]),
        hot("two_step_required", TWO_STEP_REQUIRED, &[Text("user_id")]),
        hot("take_session_clients", TAKE_SESSION_CLIENTS, &[Text("sid")]),
    ]
}
