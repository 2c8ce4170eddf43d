//! Key-value storage for the session and the pending browser login, with the fallback to memory
//! that sandboxed iframes (doc widgets) and blocked third-party storage need.

use crate::prelude::*;
use core::cell::{Cell, RefCell};

/// The platform refused a storage operation (`SecurityError`, `QuotaExceededError`, a custom
/// store that threw). Carries no detail: the caller decides what to tell the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreRefused;

/// A string key-value store: `localStorage`, `sessionStorage`, memory or the app's own object.
pub trait KeyValueStore {
    /// The value under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, StoreRefused>;
    /// Stores `value` under `key`.
    fn set(&self, key: &str, value: &str) -> Result<(), StoreRefused>;
    /// Removes `key`.
    fn remove(&self, key: &str) -> Result<(), StoreRefused>;
}

/// The storage key for `name` of app `app_id`: `feishu-login/v1/<appId>/<name>`. Namespacing by
/// app keeps two apps on one origin from reading each other's sessions.
pub fn storage_key(app_id: &str, name: &str) -> String {
    String::from("feishu-login/v1/") + app_id + "/" + name
}

/// A store in memory, gone with the page. It holds two keys per app at most, so a list beats a
/// map (a `BTreeMap` cost 6 KB of wasm).
#[derive(Default)]
pub struct MemoryStore(RefCell<Vec<(String, String)>>);

impl KeyValueStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreRefused> {
        Ok(self.0.borrow().iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreRefused> {
        self.remove(key)?;
        self.0.borrow_mut().push((key.to_owned(), value.to_owned()));
        Ok(())
    }
    fn remove(&self, key: &str) -> Result<(), StoreRefused> {
        self.0.borrow_mut().retain(|(k, _)| k != key);
        Ok(())
    }
}

/// A store that moves to memory for good the first time its primary store refuses, so a login
/// still works (for this page) where storage is blocked.
pub struct FallbackStore {
    primary: Option<Box<dyn KeyValueStore>>,
    memory: MemoryStore,
    fell_back: Cell<bool>,
    label: &'static str,
}

impl FallbackStore {
    /// A store over `primary`; `None` (storage could not even be opened) means memory from the
    /// start. `label` names the store in the fallback warning (`"localStorage"`).
    pub fn new(primary: Option<Box<dyn KeyValueStore>>, label: &'static str) -> FallbackStore {
        let fell_back = Cell::new(primary.is_none());
        FallbackStore { primary, memory: MemoryStore::default(), fell_back, label }
    }

    /// Whether the store has moved to memory.
    pub fn is_memory(&self) -> bool {
        self.fell_back.get()
    }

    /// The message to show when the store moves to memory.
    pub fn fallback_warning(&self) -> String {
        String::from("feishu-login: ")
            + self.label
            + " is not available here (sandboxed iframe or blocked storage); the session is kept in memory for this page only"
    }

    fn run<T>(&self, warn: &dyn Fn(&str), op: impl Fn(&dyn KeyValueStore) -> Result<T, StoreRefused>) -> T
    where
        T: Default,
    {
        if !self.fell_back.get() {
            if let Some(primary) = &self.primary {
                match op(primary.as_ref()) {
                    Ok(value) => return value,
                    Err(StoreRefused) => {
                        self.fell_back.set(true);
                        warn(&self.fallback_warning());
                    }
                }
            }
        }
        // Memory never refuses.
        op(&self.memory).unwrap_or_default()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str, warn: &dyn Fn(&str)) -> Option<String> {
        self.run(warn, |s| s.get(key))
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &str, value: &str, warn: &dyn Fn(&str)) {
        self.run(warn, |s| s.set(key, value))
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str, warn: &dyn Fn(&str)) {
        self.run(warn, |s| s.remove(key))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::rc::Rc;

    /// A store that refuses everything after `fail_after` successful operations.
    pub(crate) struct FlakyStore {
        pub inner: Rc<MemoryStore>,
        pub fail_after: Cell<u32>,
    }

    impl FlakyStore {
        fn tick(&self) -> Result<(), StoreRefused> {
            match self.fail_after.get() {
                0 => Err(StoreRefused),
                n => {
                    self.fail_after.set(n - 1);
                    Ok(())
                }
            }
        }
    }

    impl KeyValueStore for FlakyStore {
        fn get(&self, key: &str) -> Result<Option<String>, StoreRefused> {
            self.tick()?;
            self.inner.get(key)
        }
        fn set(&self, key: &str, value: &str) -> Result<(), StoreRefused> {
            self.tick()?;
            self.inner.set(key, value)
        }
        fn remove(&self, key: &str) -> Result<(), StoreRefused> {
            self.tick()?;
            self.inner.remove(key)
        }
    }

    #[test]
    fn keys_are_namespaced_per_app() {
        assert_eq!(storage_key("cli_1", "session"), "feishu-login/v1/cli_1/session");
        assert_ne!(storage_key("cli_1", "session"), storage_key("cli_2", "session"));
    }

    #[test]
    fn falls_back_to_memory_once_and_warns_once() {
        let flaky = FlakyStore { inner: Rc::new(MemoryStore::default()), fail_after: Cell::new(1) };
        let store = FallbackStore::new(Some(Box::new(flaky)), "localStorage");
        let warnings = RefCell::new(Vec::<String>::new());
        let warn = |m: &str| warnings.borrow_mut().push(m.to_owned());
        store.set("k", "1", &warn);
        assert!(!store.is_memory());
        store.set("k", "2", &warn); // refused: moves to memory and still stores
        assert!(store.is_memory());
        assert_eq!(store.get("k", &warn).as_deref(), Some("2"));
        store.remove("k", &warn);
        assert_eq!(store.get("k", &warn), None);
        assert_eq!(warnings.borrow().len(), 1);
        assert!(warnings.borrow()[0].contains("localStorage"));
    }

    #[test]
    fn unopenable_storage_is_memory_from_the_start() {
        let store = FallbackStore::new(None, "sessionStorage");
        assert!(store.is_memory());
        store.set("k", "v", &|_| panic!("no warning for a known fallback"));
        assert_eq!(store.get("k", &|_| {}).as_deref(), Some("v"));
    }
}
