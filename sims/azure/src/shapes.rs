//! The wire types of the resource types sim-azure serves, generated at build time (`build.rs`)
//! from the vendored specifications in `specs/`: one module per specification file, one struct
//! per object definition, every member optional and named as on the wire. Handlers read and
//! return these; only `protocol` turns them into JSON.
//!
//! Nothing here is written by hand or committed; `scripts/refresh-azure-specs` refreshes the
//! specifications and the next build regenerates this.

include!(concat!(env!("OUT_DIR"), "/shapes.rs"));
