//! A bounded, per-process cache of bearer-token lookups (token hash → principal), so a burst
//! of requests with one token costs one store read, not one each.
//!
//! It is safe because an issued token never changes: its organization, client and scopes are
//! fixed, and only the console's sign-out revokes one before it expires (expired rows are
//! purged). Every hit still honours the token's expiry, and an entry is used for at most
//! [`MAX_AGE_MS`] before the store is asked again, so a revocation takes effect at once on
//! the replica that made it ([`TokenCache::remove`]) and within that time on every other
//! replica, without any invalidation protocol. Only token
//! *hashes* are kept, like in the store.

use std::collections::HashMap;
use std::sync::Mutex;

use super::principal::Principal;

/// Longest time an entry answers without asking the store again.
pub const MAX_AGE_MS: i64 = 60_000;

/// Entries kept at most; when full, expired ones go first, then everything (the next requests
/// simply read the store again).
pub const CAPACITY: usize = 10_000;

struct Entry {
    principal: Principal,
    /// The token's own expiry.
    expires_ms: i64,
    /// When this entry stops answering (`min(expiry, cached + MAX_AGE_MS)`).
    fresh_until_ms: i64,
}

/// See the module docs.
#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

/// What the cache knows about a token.
#[derive(Debug, Clone)]
pub enum Cached {
    /// A valid token's principal.
    Valid(Principal),
    /// The token is known and has expired.
    Expired,
    /// Not cached (or no longer fresh): ask the store.
    Unknown,
}

impl TokenCache {
    /// Looks `hash` up at time `now_ms`.
    pub fn get(&self, hash: &[u8; 32], now_ms: i64) -> Cached {
        let Ok(mut entries) = self.entries.lock() else {
            return Cached::Unknown;
        };
        match entries.get(hash) {
            Some(e) if e.expires_ms <= now_ms => {
                entries.remove(hash);
                Cached::Expired
            }
            Some(e) if e.fresh_until_ms > now_ms => Cached::Valid(e.principal.clone()),
            Some(_) => {
                entries.remove(hash);
                Cached::Unknown
            }
            None => Cached::Unknown,
        }
    }

    /// Remembers a valid token read from the store at `now_ms`.
    pub fn insert(&self, hash: [u8; 32], principal: Principal, expires_ms: i64, now_ms: i64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| e.fresh_until_ms > now_ms);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            hash,
            Entry {
                principal,
                expires_ms,
                fresh_until_ms: expires_ms.min(now_ms.saturating_add(MAX_AGE_MS)),
            },
        );
    }

    /// Forgets `hash` (a revoked token: this replica stops honouring it at once; others
    /// within [`MAX_AGE_MS`]).
    pub fn remove(&self, hash: &[u8; 32]) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(hash);
        }
    }

    /// Entries held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::scopes::ScopeSet;
    use uuid::Uuid;

    fn principal() -> Principal {
        Principal {
            org_id: Uuid::new_v4(),
            client_id: Uuid::new_v4(),
            scopes: ScopeSet::from_granted(&["architect".to_string()]),
        }
    }

    fn key(n: u32) -> [u8; 32] {
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(&n.to_be_bytes());
        k
    }

    #[test]
    fn hits_until_expiry_then_reports_expired() {
        let c = TokenCache::default();
        let p = principal();
        assert!(matches!(c.get(&key(1), 0), Cached::Unknown));
        c.insert(key(1), p.clone(), 5_000, 0);
        match c.get(&key(1), 4_999) {
            Cached::Valid(got) => assert_eq!(got.client_id, p.client_id),
            other => panic!("expected a hit, got {other:?}"),
        }
        assert!(matches!(c.get(&key(1), 5_000), Cached::Expired));
        assert!(matches!(c.get(&key(1), 5_001), Cached::Unknown), "dropped");
    }

    #[test]
    fn entries_are_reread_after_max_age() {
        let c = TokenCache::default();
        c.insert(key(1), principal(), i64::MAX, 1_000);
        assert!(matches!(
            c.get(&key(1), 1_000 + MAX_AGE_MS - 1),
            Cached::Valid(_)
        ));
        assert!(matches!(
            c.get(&key(1), 1_000 + MAX_AGE_MS),
            Cached::Unknown
        ));
    }

    #[test]
    fn stays_bounded() {
        let c = TokenCache::default();
        for n in 0..(CAPACITY as u32 + 10) {
            c.insert(key(n), principal(), i64::MAX, 0);
            assert!(c.len() <= CAPACITY);
        }
        assert!(matches!(
            c.get(&key(CAPACITY as u32 + 9), 1),
            Cached::Valid(_)
        ));
    }
}
