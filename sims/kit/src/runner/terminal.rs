//! A workload's terminal (`docker run -t`, `docker exec -t`): a pseudo-terminal whose slave is
//! the launched command's standard input, output and error and its controlling terminal, and
//! whose master the runner reads (output, as the terminal printed it: `\r\n` line ends) and
//! writes (input, echoed by the terminal as a real one does).
//!
//! For the `oci` runner the command is `runc run` (or `runc exec --tty`) with `terminal: true`:
//! runc in the foreground makes the container's own console, receives its master over a socket
//! pair from the container's init (SCM_RIGHTS), sets ours raw and copies between the two. A
//! window size set on our master ([`Terminal::resize`]) sends SIGWINCH to runc, the foreground
//! process of our terminal's session, which sets the same size on the container's console, so
//! `stty size` inside shows it. The size asked for at creation is also written into the bundle
//! (`process.consoleSize`), so the first process sees it from its first instruction.
//!
//! What this module must not do: keep the slave open in the runner (the master reads end of
//! file, as EIO, only once every slave descriptor is closed), or block a runtime thread.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Mutex};

use rustix::pty::OpenptFlags;

/// Rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    pub rows: u16,
    pub columns: u16,
}

/// A handle on a workload's terminal, shared by the engine (which resizes it) and the runner
/// (which opens it when the workload starts). Cloning shares the one terminal.
#[derive(Clone, Default)]
pub struct Terminal(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    size: Option<WindowSize>,
    master: Option<OwnedFd>,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("size", &self.size())
            .finish()
    }
}

/// The pair [`Terminal::open`] made: the master for the runner, the slave for the command.
pub(crate) struct Opened {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

impl Terminal {
    /// A terminal of `size` (the kernel's 0×0 when absent, which `stty size` reports as such).
    pub fn new(size: Option<WindowSize>) -> Self {
        Self(Arc::new(Mutex::new(State { size, master: None })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The size last asked for.
    pub fn size(&self) -> Option<WindowSize> {
        self.state().size
    }

    /// Sets the window size: on the open terminal at once (its session gets SIGWINCH), and
    /// for a terminal not open yet, when it opens.
    pub fn resize(&self, size: WindowSize) -> std::io::Result<()> {
        let mut state = self.state();
        state.size = Some(size);
        match &state.master {
            Some(master) => set_size(master, size),
            None => Ok(()),
        }
    }

    /// Opens the pseudo-terminal, sized as asked; the handle keeps a copy of the master for
    /// later resizes.
    pub(crate) fn open(&self) -> std::io::Result<Opened> {
        let master =
            rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
        rustix::pty::grantpt(&master)?;
        rustix::pty::unlockpt(&master)?;
        let slave = rustix::pty::ioctl_tiocgptpeer(
            &master,
            OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC,
        )?;
        let mut state = self.state();
        if let Some(size) = state.size {
            set_size(&master, size)?;
        }
        state.master = Some(master.try_clone()?);
        Ok(Opened { master, slave })
    }

    /// Forgets the master once the workload has ended, so its descriptor closes.
    pub(crate) fn close(&self) {
        self.state().master = None;
    }
}

fn set_size(master: impl AsFd, size: WindowSize) -> std::io::Result<()> {
    rustix::termios::tcsetwinsize(
        master,
        rustix::termios::Winsize {
            ws_row: size.rows,
            ws_col: size.columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resize_reaches_the_open_terminal() {
        let terminal = Terminal::new(Some(WindowSize {
            rows: 24,
            columns: 80,
        }));
        let opened = terminal.open().expect("a pty");
        let seen = rustix::termios::tcgetwinsize(&opened.slave).expect("size");
        assert_eq!((seen.ws_row, seen.ws_col), (24, 80));
        terminal
            .resize(WindowSize {
                rows: 40,
                columns: 132,
            })
            .expect("resize");
        let seen = rustix::termios::tcgetwinsize(&opened.slave).expect("size");
        assert_eq!((seen.ws_row, seen.ws_col), (40, 132));
        terminal.close();
        assert!(terminal.state().master.is_none());
    }
}
