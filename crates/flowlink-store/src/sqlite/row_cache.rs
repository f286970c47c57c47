//! Rows already read (flows, OAuth clients), answered without a database round trip: each
//! sqlx-sqlite statement is a hand-off to the connection's worker thread and back, which costs
//! more than the read itself.
//!
//! Exact, not eventually consistent: the SQLite store is the only writer of its file (one
//! process, one writer connection), and every write that can change such a row ends in
//! [`super::SqliteStore::durable`] (everything) or [`super::SqliteStore::durable_flow`] (the one
//! flow it wrote), which drop the entries after the commit and before the write is
//! acknowledged. Every drop also counts as a write seen; a read inserts its row only if no write
//! was seen since it asked the database, so a read that raced with a write can never put the
//! older row back. Batched inserts of executions and tokens change neither and drop nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Rows by key (a flow by (organization, id), a client by id) and the number of writes seen.
#[derive(Debug)]
pub(super) struct RowCache<K, V> {
    inner: Mutex<Inner<K, V>>,
}

#[derive(Debug)]
struct Inner<K, V> {
    writes: u64,
    entries: HashMap<K, V>,
}

impl<K, V> Default for RowCache<K, V> {
    fn default() -> Self {
        RowCache {
            inner: Mutex::new(Inner {
                writes: 0,
                entries: HashMap::new(),
            }),
        }
    }
}

impl<K: Hash + Eq, V: Clone> RowCache<K, V> {
    /// Entries kept at most; when full the cache is emptied (the next reads ask the database).
    pub const CAPACITY: usize = 65_536;

    /// The writes seen so far: a read captures it *before* it asks the database and hands it
    /// to [`Self::insert`].
    pub fn generation(&self) -> u64 {
        self.inner.lock().map_or(u64::MAX, |i| i.writes)
    }

    /// The row of `key`, if read since the last write that could change it.
    pub fn get(&self, key: &K) -> Option<V> {
        self.inner.lock().ok()?.entries.get(key).cloned()
    }

    /// Remembers `row` as the row of `key`, read from the database after [`Self::generation`]
    /// answered `generation`: unless a write has been seen since, in which case `row` may
    /// predate it and is dropped.
    pub fn insert(&self, generation: u64, key: K, row: &V) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.writes != generation {
            return;
        }
        if inner.entries.len() >= Self::CAPACITY {
            inner.entries.clear();
        }
        inner.entries.insert(key, row.clone());
    }

    /// Drops the entry of `key`: a write of that row alone has committed (called after the
    /// commit, before the write is acknowledged).
    pub fn invalidate(&self, key: &K) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.remove(key);
            inner.writes += 1;
        }
    }

    /// Sets the entry of `key` to `row`, which a write of that row alone has just committed
    /// (called by the writer after its commit, while it still holds the writer, so writes of
    /// one row set it in commit order). Counts as a write seen: a read that started before
    /// cannot put the older row back.
    pub fn replace(&self, key: K, row: &V) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.writes += 1;
            if inner.entries.len() >= Self::CAPACITY {
                inner.entries.clear();
            }
            inner.entries.insert(key, row.clone());
        }
    }

    /// Drops every entry: a write that may have changed any row has committed.
    pub fn invalidate_all(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.clear();
            inner.writes += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::FlowRecord;
    use uuid::Uuid;

    type FlowCache = RowCache<(Uuid, Uuid), FlowRecord>;

    fn record(name: &str) -> FlowRecord {
        crate::testing::flow_record(Uuid::from_u128(1), Uuid::from_u128(7), name)
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
        cache.invalidate_all();
        assert_eq!(cache.get(&key), None);
    }

    #[test]
    fn a_write_of_one_row_drops_that_row_only() {
        let cache = FlowCache::default();
        let a = record("A");
        let mut b = record("B");
        b.id = Uuid::from_u128(8);
        let g = cache.generation();
        cache.insert(g, (a.org_id, a.id), &a);
        cache.insert(g, (b.org_id, b.id), &b);
        cache.invalidate(&(a.org_id, a.id));
        assert_eq!(cache.get(&(a.org_id, a.id)), None);
        assert_eq!(cache.get(&(b.org_id, b.id)), Some(b));
    }

    #[test]
    fn a_read_that_raced_with_a_write_is_not_kept() {
        let cache = FlowCache::default();
        let before = cache.generation();
        // The read saw the old row; a write commits and invalidates before it is inserted.
        cache.invalidate(&(Uuid::from_u128(1), Uuid::from_u128(7)));
        let key = (Uuid::from_u128(1), Uuid::from_u128(7));
        cache.insert(before, key, &record("Old"));
        assert_eq!(cache.get(&key), None);
        // A read started after the write is kept.
        cache.insert(cache.generation(), key, &record("New"));
        let got = cache.get(&key);
        assert_eq!(got.map(|r| r.name), Some("New".to_string()));
    }

    #[test]
    fn a_committed_row_replaces_the_cached_one_and_outranks_older_reads() {
        let cache = FlowCache::default();
        let key = (Uuid::from_u128(1), Uuid::from_u128(7));
        let read_started = cache.generation();
        cache.insert(read_started, key, &record("Old"));
        cache.replace(key, &record("Written"));
        assert_eq!(cache.get(&key).map(|r| r.name), Some("Written".into()));
        // A read that asked the database before the write cannot put its row back.
        cache.insert(read_started, key, &record("Old"));
        assert_eq!(cache.get(&key).map(|r| r.name), Some("Written".into()));
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
        let len = cache
            .inner
            .lock()
            .map(|i| i.entries.len())
            .unwrap_or(usize::MAX);
        assert!(len <= FlowCache::CAPACITY, "{len} entries");
    }
}
