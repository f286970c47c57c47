//! Rows already read (flows, OAuth clients), answered without a database round trip: each
//! sqlx-sqlite statement is a hand-off to the connection's worker thread and back, which costs
//! more than the read itself.
//!
//! Exact, not eventually consistent: the SQLite store is the only writer of its file (one
//! process, one writer connection), and every write that can change such a row ends in
//! [`super::SqliteStore::durable`], which calls [`RowCache::invalidate`] after its commit and
//! before the write is acknowledged. An entry is valid only while the cache's generation is the
//! one it was read under, so a read that raced with a write can never put the older row back.
//! Batched inserts of executions and tokens change neither and do not invalidate.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Rows by key (a flow by (organization, id), a client by id), each with the generation it
/// was read under.
#[derive(Debug)]
pub(super) struct RowCache<K, V> {
    generation: AtomicU64,
    entries: Mutex<HashMap<K, (u64, V)>>,
}

impl<K, V> Default for RowCache<K, V> {
    fn default() -> Self {
        RowCache {
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Clone> RowCache<K, V> {
    /// Entries kept at most; when full the cache is emptied (the next reads ask the database).
    pub const CAPACITY: usize = 65_536;

    /// The generation a read must capture *before* it asks the database (see [`Self::insert`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The row of `key`, if read since the last write.
    pub fn get(&self, key: &K) -> Option<V> {
        let generation = self.generation();
        let entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some((g, row)) if *g == generation => Some(row.clone()),
            _ => None,
        }
    }

    /// Remembers `row` as the row of `key`, read from the database after
    /// [`Self::generation`] answered `generation`: unless a write has invalidated the cache
    /// since, in which case `row` may predate that write and is dropped.
    pub fn insert(&self, generation: u64, key: K, row: &V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock; a write bumping the generation after this check leaves an
        // entry that `get` will not answer with.
        if self.generation() != generation {
            return;
        }
        if entries.len() >= Self::CAPACITY {
            entries.clear();
        }
        entries.insert(key, (generation, row.clone()));
    }

    /// Forgets every entry: a write has committed (called after the commit, before the write
    /// is acknowledged).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::FlowRecord;
    use flowlink_api::FlowType;
    use uuid::Uuid;

    type FlowCache = RowCache<(Uuid, Uuid), FlowRecord>;

    fn record(name: &str) -> FlowRecord {
        FlowRecord {
            id: Uuid::from_u128(7),
            org_id: Uuid::from_u128(1),
            flow_type: FlowType::InboundCall,
            name: name.into(),
            description: None,
            version: 1,
            dialect: None,
            active: false,
            deleted: false,
            locked_client_id: None,
            published_version: None,
            saved_version: None,
            checked_in_version: None,
            latest_version: 1,
            published_ms: None,
            error_handling: None,
            created_ms: 0,
            modified_ms: 0,
        }
    }

    #[test]
    fn a_read_row_is_answered_until_a_write() {
        let cache = FlowCache::default();
        let rec = record("Main");
        let key = (rec.org_id, rec.id);
        assert_eq!(cache.get(&key), None);
        cache.insert(cache.generation(), key, &rec);
        assert_eq!(cache.get(&key), Some(rec.clone()));
        assert_eq!(cache.get(&(Uuid::from_u128(2), rec.id)), None, "other org");
        cache.invalidate();
        assert_eq!(cache.get(&key), None);
    }

    #[test]
    fn a_read_that_raced_with_a_write_is_not_kept() {
        let cache = FlowCache::default();
        let before = cache.generation();
        // The read saw the old row; a write commits and invalidates before it is inserted.
        cache.invalidate();
        let key = (Uuid::from_u128(1), Uuid::from_u128(7));
        cache.insert(before, key, &record("Old"));
        assert_eq!(cache.get(&key), None);
        // A read started after the write is kept.
        cache.insert(cache.generation(), key, &record("New"));
        let got = cache.get(&key);
        assert_eq!(got.map(|r| r.name), Some("New".to_string()));
    }

    #[test]
    fn a_full_cache_is_emptied_not_grown() {
        let cache = FlowCache::default();
        let g = cache.generation();
        for i in 0..=FlowCache::CAPACITY as u128 {
            let mut rec = record("x");
            rec.id = Uuid::from_u128(i + 100);
            cache.insert(g, (rec.org_id, rec.id), &rec);
        }
        let len = cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX);
        assert!(len <= FlowCache::CAPACITY, "{len} entries");
    }
}
