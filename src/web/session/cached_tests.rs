use std::sync::atomic::AtomicUsize;

use super::*;
use crate::web::session::{Secret, SignedIn};

/// A store in a map that counts reads.
#[derive(Default)]
struct Counting {
    rows: Mutex<HashMap<String, SessionData>>,
    reads: AtomicUsize,
}

#[async_trait]
impl SessionStore for Counting {
    async fn load(&self, id: &SessionId, now: i64) -> Result<Option<SessionData>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let rows = self.rows.lock().expect("lock");
        Ok(rows
            .get(&id.store_key())
            .filter(|d| d.expires_at > now)
            .cloned())
    }
    async fn save(&self, id: &SessionId, data: &SessionData, _: i64, expires: i64) -> Result<()> {
        let mut data = data.clone();
        data.expires_at = expires;
        self.rows.lock().expect("lock").insert(id.store_key(), data);
        Ok(())
    }
    async fn delete(&self, id: &SessionId) -> Result<()> {
        self.rows.lock().expect("lock").remove(&id.store_key());
        Ok(())
    }
    async fn end_for_subject(&self, sub: Option<&str>, _: Option<&str>) -> Result<u64> {
        let mut rows = self.rows.lock().expect("lock");
        let before = rows.len();
        rows.retain(|_, d| d.user.as_ref().map(|u| u.sub.as_str()) != sub);
        Ok((before - rows.len()) as u64)
    }
    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

fn signed_in(sub: &str) -> SessionData {
    let mut data = SessionData::new();
    data.user = Some(SignedIn {
        sub: sub.to_owned(),
        sid: Some(format!("sid-{sub}")),
        name: None,
        email: None,
        access_token: Secret::new("at"),
        access_expires_at: 10_000,
        refresh_token: None,
        id_token: Secret::new("idt"),
    });
    data
}

fn setup() -> (Arc<Counting>, CachedSessions) {
    let inner = Arc::new(Counting::default());
    (inner.clone(), CachedSessions::new(inner, 2))
}

fn reads(store: &Counting) -> usize {
    store.reads.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_session_is_read_once_per_ttl_and_never_past_its_end() {
    let (inner, cached) = setup();
    let id = SessionId::generate();
    inner
        .save(&id, &signed_in("a"), 0, 100)
        .await
        .expect("save");
    for now in [10, 10, 11] {
        assert!(cached.load(&id, now).await.expect("load").is_some());
    }
    assert_eq!(
        reads(&inner),
        1,
        "two more loads within 2 s came from the copy"
    );
    assert!(cached.load(&id, 12).await.expect("load").is_some());
    assert_eq!(reads(&inner), 2, "the copy serves 2 s");
    assert!(
        cached.load(&id, 100).await.expect("load").is_none(),
        "ended"
    );
    assert!(cached.load_uncached(&id, 12).await.expect("load").is_some());
    assert_eq!(reads(&inner), 4, "a refresh reads the store");
}

#[tokio::test]
async fn what_this_process_writes_is_seen_at_once() {
    let (inner, cached) = setup();
    let id = SessionId::generate();
    cached
        .save(&id, &signed_in("a"), 0, 100)
        .await
        .expect("save");
    let got = cached.load(&id, 0).await.expect("load").expect("session");
    assert_eq!(got.expires_at, 100);
    assert_eq!(reads(&inner), 0, "a saved session is served from the copy");
    let mut changed = got.clone();
    changed.utc_offset = Some("+01:00".into());
    cached.save(&id, &changed, 1, 200).await.expect("save");
    let got = cached.load(&id, 1).await.expect("load").expect("session");
    assert_eq!(got.utc_offset.as_deref(), Some("+01:00"));
    cached.delete(&id).await.expect("delete");
    assert!(cached.load(&id, 1).await.expect("load").is_none());
}

#[tokio::test]
async fn a_back_channel_logout_ends_the_copies_of_that_person_only() {
    let (inner, cached) = setup();
    let (a, b) = (SessionId::generate(), SessionId::generate());
    cached
        .save(&a, &signed_in("alice"), 0, 100)
        .await
        .expect("save");
    cached
        .save(&b, &signed_in("bob"), 0, 100)
        .await
        .expect("save");
    assert_eq!(
        cached
            .end_for_subject(Some("alice"), None)
            .await
            .expect("end"),
        1
    );
    assert!(cached.load(&a, 0).await.expect("load").is_none());
    assert!(cached.load(&b, 0).await.expect("load").is_some());
    assert_eq!(reads(&inner), 1, "only alice's session was read again");
    assert_eq!(cached.end_for_subject(None, None).await.expect("end"), 0);
    assert!(
        cached.load(&b, 0).await.expect("load").is_some(),
        "nobody named"
    );
}
