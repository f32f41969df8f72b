//! The wasm runner (being built): see ARCHITECTURE.md.
