//! Rotation that survives a lost answer: within the reuse interval after a renewal, the token it
//! retired renews again to a token of the current generation (the SDK's retry of a renewal
//! whose answer never arrived), and nothing else does: a generation two behind, or the previous
//! one after the interval, revokes the session as before. Across replicas, memory and Redis
//! stores (`redis.rs` runs the same functions).

use serde_json::Value;

use super::lifecycle::{claims, cluster, cluster_with_reuse_interval, INTO_RENEWAL};
use super::*;
use crate::backend::DEFAULT_REUSE_INTERVAL;
use crate::store::{MemoryStore, Store};

fn token(answer: &Value) -> String {
    answer["token"].as_str().unwrap_or_else(|| panic!("a session: {answer}")).to_owned()
}

/// A renewal is answered but the answer is lost (a timeout, a connection cut after the request
/// left): the SDK retries with the token it holds, which that renewal retired. Before, the retry
/// revoked the session and signed the user out.
pub(super) async fn a_renewal_retried_after_its_answer_was_lost_keeps_the_session(store: Arc<dyn Store>) {
    let c = cluster(store, 2).await;
    let (first, _) = c.login(0, 0, "offline_access").await;
    c.clock.advance(INTO_RENEWAL);
    let refresh_tokens = c.emulator.stored()[3];
    let (status, lost) = c.refresh(0, &first).await;
    assert_eq!(status, 200, "{lost}");
    assert_eq!(c.emulator.stored()[3], refresh_tokens + 1, "that renewal spent Feishu's refresh token");
    let lost = token(&lost);

    // The retry, on the other replica, with the retired token.
    let (status, retried) = c.refresh(1, &first).await;
    assert_eq!(status, 200, "the retry keeps the session: {retried}");
    assert_eq!(c.emulator.stored()[3], refresh_tokens + 1, "and spends nothing at Feishu");
    let keys: Vec<&String> = retried.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["expiresIn", "token", "user"], "the login's shape: {retried}");
    assert_eq!(retried["user"]["name"], "张三");
    let retried = token(&retried);
    assert_eq!(claims(&retried)["gen"], claims(&lost)["gen"], "a token of the current generation: no rotation");
    assert_eq!(claims(&retried)["sid"], claims(&first)["sid"]);
    for replica in 0..2 {
        assert_eq!(c.me(replica, &retried).await, 200, "replica {replica}: the retry's token");
        assert_eq!(c.me(replica, &lost).await, 200, "replica {replica}: the lost answer's token, the same generation");
        assert_eq!(c.me(replica, &first).await, 401, "replica {replica}: the retired token stays retired");
    }

    // The session goes on: the retry's token renews (rotates) as any current token does.
    let (status, next) = c.refresh(0, &retried).await;
    assert_eq!(status, 200, "{next}");
    assert_eq!(c.me(1, &token(&next)).await, 200);
    assert_eq!(c.me(1, &lost).await, 401, "the generation it replaced is retired");
}

/// The interval is short: the previous generation presented once it is over revokes the session,
/// every token of it, as any reuse does (RFC 9700 §4.14.2).
pub(super) async fn a_reuse_after_the_interval_still_revokes(store: Arc<dyn Store>) {
    let c = cluster(store, 2).await;
    // Feishu user tokens of 2 hours: nothing expires while the interval runs out.
    c.post(&c.feishu, "/emulator/settings", None, json!({ "userTokenTtlSecs": 7200 })).await;
    let (first, _) = c.login(0, 0, "offline_access").await;
    let (status, second) = c.refresh(0, &first).await;
    assert_eq!(status, 200, "{second}");
    let second = token(&second);
    c.clock.advance(DEFAULT_REUSE_INTERVAL - Duration::from_millis(1));
    let (status, within) = c.refresh(1, &first).await;
    assert_eq!(status, 200, "a millisecond before the interval ends: {within}");
    c.clock.advance(Duration::from_millis(1));
    let (status, error) = c.refresh(1, &first).await;
    assert_eq!(status, 401, "{error}");
    assert!(error["message"].as_str().unwrap().contains("already renewed"), "{error}");
    for replica in 0..2 {
        for (name, token) in [("first", &first), ("second", &second), ("within", &token(&within))] {
            assert_eq!(c.me(replica, token).await, 401, "replica {replica}: {name}: the session is revoked");
        }
        assert_eq!(c.refresh(replica, &second).await.0, 401, "replica {replica}: the current token cannot renew");
    }
}

/// Within the interval too, only the generation just retired is spared: one two generations
/// behind is a copy, and revokes the session.
pub(super) async fn a_generation_two_behind_still_revokes(store: Arc<dyn Store>) {
    let c = cluster(store, 2).await;
    let (first, _) = c.login(0, 1, "offline_access").await;
    let (_, second) = c.refresh(0, &first).await;
    let (status, third) = c.refresh(1, &token(&second)).await;
    assert_eq!(status, 200, "{third}");
    let third = token(&third);
    let (status, error) = c.refresh(0, &first).await;
    assert_eq!(status, 401, "{error}");
    for replica in 0..2 {
        assert_eq!(c.me(replica, &third).await, 401, "replica {replica}: the newest token is revoked with the rest");
        assert_eq!(c.me(replica, &token(&second)).await, 401, "replica {replica}");
    }
}

/// Two renewals of one token at once: within the interval the loser is answered like a retry
/// (both hold the current generation); with the interval off, the loser's reuse revokes the
/// session, the winner's token included.
pub(super) async fn two_renewals_at_once(store: Arc<dyn Store>) {
    let c = cluster(store.clone(), 2).await;
    let (first, _) = c.login(0, 0, "offline_access").await;
    let (a, b) = tokio::join!(c.refresh(0, &first), c.refresh(1, &first));
    assert_eq!((a.0, b.0), (200, 200), "{} / {}", a.1, b.1);
    assert_eq!(claims(&token(&a.1))["gen"], claims(&token(&b.1))["gen"], "one generation");
    for answer in [&a.1, &b.1] {
        assert_eq!(c.me(0, &token(answer)).await, 200);
    }

    let strict = cluster_with_reuse_interval(store, 2, Duration::ZERO).await;
    let (other, _) = strict.login(1, 1, "offline_access").await;
    let (a, b) = tokio::join!(strict.refresh(0, &other), strict.refresh(1, &other));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 401], "{} / {}", a.1, b.1);
    let winner = if a.0 == 200 { &a.1 } else { &b.1 };
    assert_eq!(strict.me(0, &token(winner)).await, 401, "the chain is revoked");
}

#[tokio::test]
async fn a_renewal_retried_after_its_answer_was_lost_keeps_the_session_with_the_memory_store() {
    a_renewal_retried_after_its_answer_was_lost_keeps_the_session(Arc::new(MemoryStore::default())).await;
}

#[tokio::test]
async fn a_reuse_after_the_interval_still_revokes_with_the_memory_store() {
    a_reuse_after_the_interval_still_revokes(Arc::new(MemoryStore::default())).await;
}

#[tokio::test]
async fn a_generation_two_behind_still_revokes_with_the_memory_store() {
    a_generation_two_behind_still_revokes(Arc::new(MemoryStore::default())).await;
}

#[tokio::test]
async fn two_renewals_at_once_with_the_memory_store() {
    two_renewals_at_once(Arc::new(MemoryStore::default())).await;
}

/// With the interval off (`SESSION_REUSE_INTERVAL_SECS=0`), the retired token's renewal revokes
/// at once, as before the interval existed.
#[tokio::test]
async fn with_the_interval_off_a_retried_renewal_revokes() {
    let c = cluster_with_reuse_interval(Arc::new(MemoryStore::default()), 1, Duration::ZERO).await;
    let (first, _) = c.login(0, 2, "offline_access").await;
    let (_, second) = c.refresh(0, &first).await;
    assert_eq!(c.refresh(0, &first).await.0, 401);
    assert_eq!(c.me(0, &token(&second)).await, 401, "revoked");
}
