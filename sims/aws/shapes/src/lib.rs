//! The AWS simulator's typed shapes, generated at build time (`build.rs`) from the vendored
//! botocore models in `sims/aws/models`: a module per service with a struct per structure shape
//! its operations reach, `trait Api` (one method per operation, `Unimplemented` until a service
//! implements it) and `dispatch`. Handlers in `sim-aws` are written against these types only;
//! adding an operation means writing its method.
//!
//! [`normal`] is the bridge to the protocol layer: every shape converts from and to the normal
//! form (JSON keyed by member names, timestamps as epoch seconds, blobs as base64), the form the
//! protocol decodes requests into and encodes responses from.
//!
//! This crate is separate from `sim-aws` so that editing a handler does not recompile a few
//! thousand generated types.

pub mod normal;

include!(concat!(env!("OUT_DIR"), "/services.rs"));
