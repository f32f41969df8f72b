//! The listen and state settings every server's builder shares.
//!
//! Each simulator and hub has a builder of its own (its provider settings differ), but every
//! one of them holds a [`KitConfig`] and a [`Listen`]. Implementing [`ServerBuilder`]'s two
//! accessors gives a builder the common setters, so they are written once.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::KitConfig;
use crate::server::Listen;

/// A server builder: the kit settings and listen address it will start with.
pub trait ServerBuilder: Sized {
    fn kit_config_mut(&mut self) -> &mut KitConfig;

    fn listen_mut(&mut self) -> &mut Listen;

    /// The port to listen on; 0 picks a free one.
    fn port(mut self, port: u16) -> Self {
        self.listen_mut().port = port;
        self
    }

    fn bind(mut self, address: IpAddr) -> Self {
        self.listen_mut().bind = address;
        self
    }

    /// Print `READY <name> <url>` on stdout once listening.
    fn announce(mut self, announce: bool) -> Self {
        self.listen_mut().announce = announce;
        self
    }

    /// Keep state in this directory (durable), rather than in memory.
    fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.kit_config_mut().state_dir = Some(dir.into());
        self
    }
}
