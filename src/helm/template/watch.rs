//! Which watched value maps a render read, per thread: a chart rendered again with more stand-in
//! values (`helm::render`) executes again only the templates that read a map those values change.
//!
//! A map is read when one key of it is looked up (`get`, `entry`: a field, `index`), when all of
//! its entries are reachable (`kind`, `as_map`, `truthy`, copying it to change it), or when its
//! nesting depth is (building a list or map that holds it). Holding or passing a map along reads
//! nothing: what it holds cannot change a render that never looks.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::Value;

/// Maps to watch, by address, each under the ids the caller chose: one map can be reached by
/// several paths (values may share it), and a read of it is a read under each.
#[derive(Debug, Default)]
pub struct Watched {
    /// Each watched map's slot (its index in `ids`), by address.
    slots: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
    ids: Vec<Vec<u32>>,
}

/// How a render read a watched map.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Read {
    /// All of its entries (or whether it has any).
    Entries,
    /// The entry of one key (or that there is none).
    Key(Arc<str>),
    /// How deeply it nests.
    Depth,
}

impl Watched {
    /// Watch `map` (a map value; anything else is ignored) under `id`.
    pub fn insert(&mut self, map: &Value, id: u32) {
        if let Some(entries) = map.map_arc() {
            let next = self.ids.len();
            let slot = *self.slots.entry(address(entries)).or_insert(next);
            if slot == next {
                self.ids.push(Vec::new());
            }
            if !self.ids[slot].contains(&id) {
                self.ids[slot].push(id);
            }
        }
    }

    /// True when nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Hashes a map's address (one `usize`): a multiply and a fold spread it, where SipHash would
/// cost more than the lookup it serves (maps are read constantly while a render is observed).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, address: usize) {
        // Addresses are aligned, so their low bits are zero: fold the high bits of the product
        // down, since the table picks buckets by the low bits.
        let spread = (address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = spread ^ (spread >> 32);
    }
}

thread_local! {
    /// Whether this thread is observing a render: checked first, since maps are read constantly.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// The maps watched and the reads seen so far.
    static CURRENT: RefCell<Option<Observing>> = const { RefCell::new(None) };
}

struct Observing {
    watched: Arc<Watched>,
    /// What was read of each watched map, by slot.
    seen: Vec<Seen>,
}

/// What a render read of one watched map.
#[derive(Default, Clone)]
struct Seen {
    entries: bool,
    depth: bool,
    /// The keys looked up, each once (a render looks up few keys of a map, many times).
    keys: Vec<Arc<str>>,
}

/// Run `render` (on this thread, without handing work to other threads) and return what it
/// gave with the watched maps it read, in id order.
pub fn observe<R>(watched: &Arc<Watched>, render: impl FnOnce() -> R) -> (R, Vec<(u32, Read)>) {
    /// Restores the thread's previous state, also when `render` panics.
    struct Restore(Option<Option<Observing>>, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take().flatten();
            CURRENT.with(|c| *c.borrow_mut() = previous);
            ACTIVE.with(|a| a.set(self.1));
        }
    }
    let previous = CURRENT.with(|c| {
        c.borrow_mut().replace(Observing {
            watched: Arc::clone(watched),
            seen: vec![Seen::default(); watched.ids.len()],
        })
    });
    let restore = Restore(Some(previous), ACTIVE.with(|a| a.replace(true)));
    let result = render();
    let seen = CURRENT.with(|c| c.borrow_mut().take().map(|o| o.seen));
    drop(restore);
    let mut reads = Vec::new();
    for (slot, seen) in seen.unwrap_or_default().into_iter().enumerate() {
        for &id in &watched.ids[slot] {
            if seen.entries {
                reads.push((id, Read::Entries));
            }
            if seen.depth {
                reads.push((id, Read::Depth));
            }
            reads.extend(seen.keys.iter().map(|key| (id, Read::Key(Arc::clone(key)))));
        }
    }
    reads.sort_unstable();
    reads.dedup();
    (result, reads)
}

/// Note that all the entries of the map `entries` were reachable, when it is watched.
pub(super) fn saw_entries(entries: &Arc<BTreeMap<String, Value>>) {
    if ACTIVE.with(Cell::get) {
        record(entries, |seen| seen.entries = true);
    }
}

/// Note that the nesting depth of the map `entries` was read, when it is watched.
pub(super) fn saw_depth(entries: &Arc<BTreeMap<String, Value>>) {
    if ACTIVE.with(Cell::get) {
        record(entries, |seen| seen.depth = true);
    }
}

/// Note that the entry of `key` of the map `entries` was looked up, when it is watched.
pub(super) fn saw_key(entries: &Arc<BTreeMap<String, Value>>, key: &str) {
    if ACTIVE.with(Cell::get) {
        record(entries, |seen| {
            if !seen.keys.iter().any(|k| **k == *key) {
                seen.keys.push(key.into());
            }
        });
    }
}

fn record(entries: &Arc<BTreeMap<String, Value>>, note: impl FnOnce(&mut Seen)) {
    CURRENT.with(|c| {
        if let Some(observing) = c.borrow_mut().as_mut()
            && let Some(&slot) = observing.watched.slots.get(&address(entries))
            && let Some(seen) = observing.seen.get_mut(slot)
        {
            note(seen);
        }
    });
}

fn address(entries: &Arc<BTreeMap<String, Value>>) -> usize {
    Arc::as_ptr(entries) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::map_from(entries.iter().cloned())
    }

    #[test]
    fn entries_and_depth_reads_of_watched_maps_are_seen() {
        let inner = map(&[("port", Value::int(1))]);
        let outer = map(&[("kafka", inner.clone()), ("other", Value::int(2))]);
        let mut watched = Watched::default();
        watched.insert(&inner, 7);
        watched.insert(&outer, 3);
        watched.insert(&Value::int(1), 9);
        // The inner map reached by a second path too.
        watched.insert(&inner, 8);
        let watched = Arc::new(watched);

        // Holding and passing the maps along reads nothing.
        let ((), reads) = observe(&watched, || {
            let copy = outer.clone();
            drop(copy);
        });
        assert_eq!(reads, []);

        let (port, reads) = observe(&watched, || {
            outer.get("kafka").and_then(|k| k.get("port")).cloned()
        });
        assert!(port.is_some());
        assert_eq!(
            reads,
            [
                (3, Read::Key("kafka".into())),
                (7, Read::Key("port".into())),
                (8, Read::Key("port".into()))
            ]
        );

        // Reaching only the outer map's other entry does not read the inner one; a missing key
        // is a read of that key.
        let (_, reads) = observe(&watched, || {
            (outer.get("other").cloned(), outer.get("missing").cloned())
        });
        assert_eq!(
            reads,
            [
                (3, Read::Key("missing".into())),
                (3, Read::Key("other".into()))
            ]
        );

        // All entries: the kind, the map itself.
        let (_, reads) = observe(&watched, || outer.as_map().map(BTreeMap::len));
        assert_eq!(reads, [(3, Read::Entries)]);

        // A new list holding the inner map reads its depth; truthiness reads its entries.
        let (_, reads) = observe(&watched, || Value::list(vec![inner.clone()]));
        assert_eq!(reads, [(7, Read::Depth), (8, Read::Depth)]);
        let (truthy, reads) = observe(&watched, || inner.truthy());
        assert!(truthy);
        assert_eq!(reads, [(7, Read::Entries), (8, Read::Entries)]);

        // Outside `observe`, nothing is recorded and nothing is left active.
        assert!(!ACTIVE.with(Cell::get));
        let _ = outer.get("kafka");
        let (_, reads) = observe(&watched, || ());
        assert_eq!(reads, []);
    }
}
