//! A bounded in-memory map for the server's caches, kept in two generations: new entries go to
//! the young one; when it is full the old one is dropped and the young one becomes old; a hit
//! in the old one moves the entry back to the young one. So what is in use stays, what is not
//! leaves after at most two turns, the size never exceeds the capacity, and there is never the
//! cliff of emptying the whole cache at once (under a load that touches more entries than fit,
//! that turned every read into a miss). The dropped generation is freed after the lock is let
//! go, so no request waits on it.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A map of at most `capacity` entries (see the module docs).
pub struct TwoGenerations<K, V> {
    generations: Mutex<Generations<K, V>>,
    /// Entries per generation.
    half: usize,
}

struct Generations<K, V> {
    young: HashMap<K, V>,
    old: HashMap<K, V>,
}

impl<K: Hash + Eq, V: Clone> TwoGenerations<K, V> {
    /// A map holding at most `capacity` entries (at least 2).
    pub fn new(capacity: usize) -> Self {
        TwoGenerations {
            generations: Mutex::new(Generations {
                young: HashMap::new(),
                old: HashMap::new(),
            }),
            half: (capacity / 2).max(1),
        }
    }

    /// The value at `key` if `wanted` accepts it (a hit keeps the entry young).
    pub fn get_if(&self, key: &K, wanted: impl FnOnce(&V) -> bool) -> Option<V> {
        let (found, retired) = {
            let mut g = self.generations.lock().ok()?;
            if let Some(v) = g.young.get(key) {
                return wanted(v).then(|| v.clone());
            }
            let (key, v) = g.old.remove_entry(key)?;
            let found = wanted(&v).then(|| v.clone());
            (found, self.put(&mut g, key, v))
        };
        drop(retired);
        found
    }

    /// Stores `value` at `key`.
    pub fn insert(&self, key: K, value: V) {
        let retired = match self.generations.lock() {
            Ok(mut g) => self.put(&mut g, key, value),
            Err(_) => None,
        };
        drop(retired);
    }

    /// Entries held now (both generations).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.generations
            .lock()
            .map_or(0, |g| g.young.len() + g.old.len())
    }

    /// Puts an entry in the young generation, turning the generations first when it is full;
    /// answers the retired generation for the caller to drop outside the lock.
    fn put(&self, g: &mut Generations<K, V>, key: K, value: V) -> Option<HashMap<K, V>> {
        g.old.remove(&key);
        let mut retired = None;
        if g.young.len() >= self.half && !g.young.contains_key(&key) {
            let young = std::mem::take(&mut g.young);
            retired = Some(std::mem::replace(&mut g.old, young));
        }
        g.young.insert(key, value);
        retired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_holds_more_than_its_capacity() {
        let m = TwoGenerations::new(10);
        for i in 0..1000 {
            m.insert(i, i);
            assert!(m.len() <= 10, "{} entries after {i}", m.len());
        }
        assert_eq!(m.get_if(&999, |_| true), Some(999));
        assert_eq!(m.get_if(&0, |_| true), None);
    }

    #[test]
    fn an_entry_in_use_survives_turns_that_retire_the_others() {
        let m = TwoGenerations::new(4);
        m.insert("hot", 0);
        for i in 0..100 {
            m.insert(if i % 2 == 0 { "a" } else { "b" }, i);
            m.insert("c", i);
            assert_eq!(m.get_if(&"hot", |_| true), Some(0), "after {i}");
        }
    }

    #[test]
    fn a_value_the_caller_refuses_is_a_miss_and_stays() {
        let m = TwoGenerations::new(4);
        m.insert(1, "v1");
        assert_eq!(m.get_if(&1, |v| *v == "v2"), None);
        assert_eq!(m.get_if(&1, |v| *v == "v1"), Some("v1"));
    }

    #[test]
    fn overwriting_a_key_keeps_one_entry() {
        let m = TwoGenerations::new(4);
        for i in 0..10 {
            m.insert(7, i);
        }
        assert_eq!(m.len(), 1);
        assert_eq!(m.get_if(&7, |_| true), Some(9));
    }
}
