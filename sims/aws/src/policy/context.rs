//! The request context: the condition keys a request carries (`aws:username`,
//! `aws:SourceIp`, `sts:ExternalId`, `aws:RequestTag/team`, ...) and their values, as policies
//! see them.
//!
//! Keys are matched without regard to case, as IAM matches condition keys. A context holds a
//! dozen or two keys, so a list scanned in order beats hashing here (and never allocates on
//! lookup).

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<(String, Vec<String>)>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key, replacing any earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.set_all(key, vec![value.into()]);
    }

    /// Sets a multivalued key (`aws:TagKeys`), replacing any earlier values.
    pub fn set_all(&mut self, key: impl Into<String>, values: Vec<String>) {
        let key = key.into();
        match self
            .entries
            .iter_mut()
            .find(|(known, _)| known.eq_ignore_ascii_case(&key))
        {
            Some(entry) => entry.1 = values,
            None => self.entries.push((key, values)),
        }
    }

    /// Builder form of [`Context::set`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(key))
            .map(|(_, values)| values.as_slice())
    }

    /// The first value of a key, for policy variables.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|values| values.first())
            .map(String::as_str)
    }

    pub fn remove(&mut self, key: &str) {
        self.entries
            .retain(|(known, _)| !known.eq_ignore_ascii_case(key));
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.as_str())
    }
}
