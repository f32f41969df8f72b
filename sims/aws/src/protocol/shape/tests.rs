//! Shape walking tests.
