//! engine-core: the Docker Engine API daemon's backend-agnostic half. It will hold the API types
//! (1.44 to 1.51), the thin HTTP layer with hijacked streams for attach and exec, the typed
//! `Backend` trait every backend crate implements (memory, docker, ecs, lambda, cloudrun, gcf,
//! aca, azf), and the events, names, networks and state the backends share.
//!
//! Nothing is served yet.
