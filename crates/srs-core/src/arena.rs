//! A slab of values addressed by generational ids.
//!
//! Connections, sources and links refer to each other by [`Id`] instead of
//! pointers. An id carries the type of what it names (`Id<Conn>` is not an
//! `Id<Source>`), and a removed slot is reused with a bumped generation, so
//! an old id never matches the new occupant.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A small `Copy` handle to a `T` in an [`Arena<T>`].
pub struct Id<T> {
    index: u32,
    generation: u32,
    // `fn() -> T`: the id neither owns a T nor limits Send/Sync.
    kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    fn new(index: u32, generation: u32) -> Self {
        Id {
            index,
            generation,
            kind: PhantomData,
        }
    }

    /// The slot index (stable while the value lives; reused after removal).
    pub fn index(self) -> u32 {
        self.index
    }

    /// The generation of the slot when this id was issued.
    pub fn generation(self) -> u32 {
        self.generation
    }

    /// Packs the id into a `u64` (generation high, index low), e.g. to name
    /// its owner in a job handed to another thread.
    pub fn to_u64(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.index)
    }

    /// Unpacks an id made by [`Id::to_u64`].
    pub fn from_u64(v: u64) -> Self {
        Id::new((v & 0xffff_ffff) as u32, (v >> 32) as u32)
    }
}

// Manual impls: derives would demand the same traits of `T`.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Id<T> {}

impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.index, self.generation) == (other.index, other.generation)
    }
}

impl<T> Eq for Id<T> {}

impl<T> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.index, self.generation).hash(state);
    }
}

impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.index, self.generation).cmp(&(other.index, other.generation))
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}v{}", self.index, self.generation)
    }
}

enum Slot<T> {
    Occupied {
        generation: u32,
        value: T,
    },
    Free {
        generation: u32,
        next_free: Option<u32>,
    },
}

/// Storage of values addressed by [`Id`]s with O(1) insert, lookup and
/// removal. The ids are `Id<K>`: by default `Id<T>`; a marker type `K` lets
/// modules name ids without depending on the module that defines `T`.
pub struct Arena<T, K = T> {
    slots: Vec<Slot<T>>,
    free_head: Option<u32>,
    len: usize,
    kind: PhantomData<fn() -> K>,
}

impl<T, K> Default for Arena<T, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, K> Arena<T, K> {
    /// An empty arena.
    pub fn new() -> Self {
        Arena {
            slots: Vec::new(),
            free_head: None,
            len: 0,
            kind: PhantomData,
        }
    }

    /// Number of live values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no value lives in the arena.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores a value and returns its id.
    pub fn insert(&mut self, value: T) -> Id<K> {
        self.insert_with(|_| value)
    }

    /// Stores the value built by `make`, which is given the id it will have.
    pub fn insert_with(&mut self, make: impl FnOnce(Id<K>) -> T) -> Id<K> {
        self.len += 1;
        if let Some(index) = self.free_head {
            let slot = &mut self.slots[index as usize];
            let (generation, next_free) = match slot {
                Slot::Free {
                    generation,
                    next_free,
                } => (generation.wrapping_add(1), *next_free),
                Slot::Occupied { .. } => unreachable!("free list points at an occupied slot"),
            };
            let id = Id::new(index, generation);
            *slot = Slot::Occupied {
                generation,
                value: make(id),
            };
            self.free_head = next_free;
            id
        } else {
            let index = self.slots.len() as u32;
            let id = Id::new(index, 0);
            self.slots.push(Slot::Occupied {
                generation: 0,
                value: make(id),
            });
            id
        }
    }

    /// The value of `id`, if it still lives.
    pub fn get(&self, id: Id<K>) -> Option<&T> {
        match self.slots.get(id.index as usize) {
            Some(Slot::Occupied { generation, value }) if *generation == id.generation => {
                Some(value)
            }
            _ => None,
        }
    }

    /// The value of `id`, mutably, if it still lives.
    pub fn get_mut(&mut self, id: Id<K>) -> Option<&mut T> {
        match self.slots.get_mut(id.index as usize) {
            Some(Slot::Occupied { generation, value }) if *generation == id.generation => {
                Some(value)
            }
            _ => None,
        }
    }

    /// True when `id` names a live value.
    pub fn contains(&self, id: Id<K>) -> bool {
        self.get(id).is_some()
    }

    /// Removes and returns the value of `id`; `None` for a stale id.
    pub fn remove(&mut self, id: Id<K>) -> Option<T> {
        let slot = self.slots.get_mut(id.index as usize)?;
        match slot {
            Slot::Occupied { generation, .. } if *generation == id.generation => {
                let old = std::mem::replace(
                    slot,
                    Slot::Free {
                        generation: id.generation,
                        next_free: self.free_head,
                    },
                );
                self.free_head = Some(id.index);
                self.len -= 1;
                match old {
                    Slot::Occupied { value, .. } => Some(value),
                    Slot::Free { .. } => None,
                }
            }
            _ => None,
        }
    }

    /// Iterates over live values with their ids, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Id<K>, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Occupied { generation, value } => Some((Id::new(i as u32, *generation), value)),
            Slot::Free { .. } => None,
        })
    }

    /// Iterates mutably over live values with their ids.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Id<K>, &mut T)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Occupied { generation, value } => {
                    Some((Id::new(i as u32, *generation), value))
                }
                Slot::Free { .. } => None,
            })
    }

    /// The ids of all live values (a snapshot, so the arena may be changed while walking it).
    pub fn ids(&self) -> Vec<Id<K>> {
        self.iter().map(|(id, _)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_remove() {
        let mut a: Arena<&str> = Arena::new();
        let x = a.insert("x");
        let y = a.insert("y");
        assert_eq!(a.get(x), Some(&"x"));
        assert_eq!(a.get(y), Some(&"y"));
        assert_eq!(a.len(), 2);
        assert_eq!(a.remove(x), Some("x"));
        assert_eq!(a.get(x), None);
        assert_eq!(a.remove(x), None);
        assert_eq!(a.len(), 1);
    }

    #[test]
    fn reused_slot_does_not_match_old_id() {
        let mut a: Arena<i32> = Arena::new();
        let old = a.insert(1);
        a.remove(old);
        let new = a.insert(2);
        assert_eq!(new.index(), old.index());
        assert_ne!(new, old);
        assert_eq!(a.get(old), None);
        assert_eq!(a.get(new), Some(&2));
    }

    #[test]
    fn usize_round_trip_and_iteration() {
        let mut a: Arena<i32> = Arena::new();
        let ids: Vec<Id<i32>> = (0..5).map(|i| a.insert(i)).collect();
        a.remove(ids[2]);
        let again = a.insert(9);
        assert_eq!(Id::from_u64(again.to_u64()), again);
        let seen: Vec<i32> = a.iter().map(|(_, v)| *v).collect();
        assert_eq!(seen, vec![0, 1, 9, 3, 4]);
        for (_, v) in a.iter_mut() {
            *v += 1;
        }
        assert_eq!(a.get(ids[4]), Some(&5));
        let with_id = a.insert_with(|id| id.index() as i32);
        assert_eq!(a.get(with_id), Some(&(with_id.index() as i32)));
    }

    #[test]
    fn a_marker_type_names_the_ids() {
        enum Tag {}
        let mut a: Arena<String, Tag> = Arena::new();
        let id: Id<Tag> = a.insert("x".into());
        assert_eq!(a.get(id).map(String::as_str), Some("x"));
    }
}
