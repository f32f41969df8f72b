//! Standard streams between the shell, the utilities' instances and the log sink:
//! [`OutputTarget`] (lines to the sink with the clock's timestamps, a bounded buffer for a pipe
//! or a substitution, a file in the root, or closed) and [`InputSource`] (bytes, the
//! workload's stdin feed, or nothing). Both plug into wasmtime-wasi as an instance's stdio.
//!
//! What it must not do: block the executor on a full buffer (a full pipe buffer answers a
//! broken pipe instead), or lose the last partial line (it is flushed when the run ends).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use simkit::clock::Clock;
use simkit::logs::{LogLine, LogSink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};

/// Splits a stream into lines for a [`LogSink`].
pub struct LineWriter {
    stream: Stream,
    sink: Arc<dyn LogSink>,
    clock: Arc<dyn Clock>,
    partial: Mutex<Vec<u8>>,
}

impl LineWriter {
    pub fn new(stream: Stream, sink: Arc<dyn LogSink>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            stream,
            sink,
            clock,
            partial: Mutex::new(Vec::new()),
        })
    }

    pub fn write(&self, bytes: &[u8]) {
        let mut partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        partial.extend_from_slice(bytes);
        while let Some(end) = partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = partial.drain(..=end).collect();
            self.emit(&line[..line.len() - 1]);
        }
    }

    /// Sends what is left of an unfinished line.
    pub fn flush(&self) {
        let mut partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        if !partial.is_empty() {
            let line = std::mem::take(&mut *partial);
            self.emit(&line);
        }
    }

    fn emit(&self, line: &[u8]) {
        self.sink.line(LogLine {
            stream: self.stream,
            time: self.clock.now(),
            text: String::from_utf8_lossy(line).into_owned(),
        });
    }
}

/// A buffer that refuses writes past its limit.
#[derive(Debug, Default)]
pub struct Capped {
    pub data: Vec<u8>,
    pub limit: usize,
    /// A write was refused: the reader is gone, as far as the writer can tell.
    pub overflowed: bool,
}

/// Where output goes.
#[derive(Clone)]
pub enum OutputTarget {
    Lines(Arc<LineWriter>),
    Buffer(Arc<Mutex<Capped>>),
    File(Arc<std::fs::File>),
    Closed,
    /// Another target, silenced once `pipe` has overflowed: a writer to a closed pipe is killed
    /// by SIGPIPE on Linux before it can complain, so its complaint is dropped here.
    UnlessBroken(Box<OutputTarget>, Arc<Mutex<Capped>>),
}

impl OutputTarget {
    pub fn buffer(limit: usize) -> Self {
        Self::Buffer(Arc::new(Mutex::new(Capped {
            data: Vec::new(),
            limit,
            overflowed: false,
        })))
    }

    /// Writes all of `bytes`, or fails as a closed pipe or descriptor would.
    pub fn write_all(&self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Lines(lines) => {
                lines.write(bytes);
                Ok(())
            }
            Self::Buffer(buffer) => {
                let mut buffer = buffer.lock().unwrap_or_else(|p| p.into_inner());
                if buffer.data.len() + bytes.len() > buffer.limit {
                    buffer.overflowed = true;
                    return Err(io::Error::from(io::ErrorKind::BrokenPipe));
                }
                buffer.data.extend_from_slice(bytes);
                Ok(())
            }
            Self::File(file) => {
                use std::io::Write;
                (&**file).write_all(bytes)
            }
            Self::Closed => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
            Self::UnlessBroken(inner, pipe) => {
                if pipe.lock().unwrap_or_else(|p| p.into_inner()).overflowed {
                    return Ok(());
                }
                inner.write_all(bytes)
            }
        }
    }

    /// A buffer's content, taken.
    pub fn take_buffer(&self) -> Vec<u8> {
        match self {
            Self::Buffer(buffer) => {
                std::mem::take(&mut buffer.lock().unwrap_or_else(|p| p.into_inner()).data)
            }
            _ => Vec::new(),
        }
    }

    pub fn overflowed(&self) -> bool {
        match self {
            Self::Buffer(buffer) => buffer.lock().unwrap_or_else(|p| p.into_inner()).overflowed,
            _ => false,
        }
    }
}

impl IsTerminal for OutputTarget {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for OutputTarget {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(TargetWriter(self.clone()))
    }
}

struct TargetWriter(OutputTarget);

impl AsyncWrite for TargetWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(self.0.write_all(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The workload's standard input, shared by every reader in the container.
pub struct Feed {
    receiver: Option<mpsc::Receiver<Bytes>>,
    pending: Bytes,
}

/// Where input comes from.
#[derive(Clone)]
pub enum InputSource {
    Bytes(Arc<Mutex<(Vec<u8>, usize)>>),
    Feed(Arc<Mutex<Feed>>),
}

impl InputSource {
    pub fn empty() -> Self {
        Self::bytes(Vec::new())
    }

    pub fn bytes(data: Vec<u8>) -> Self {
        Self::Bytes(Arc::new(Mutex::new((data, 0))))
    }

    pub fn feed(receiver: mpsc::Receiver<Bytes>) -> Self {
        Self::Feed(Arc::new(Mutex::new(Feed {
            receiver: Some(receiver),
            pending: Bytes::new(),
        })))
    }

    fn poll_read_into(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self {
            Self::Bytes(bytes) => {
                let mut guard = bytes.lock().unwrap_or_else(|p| p.into_inner());
                let (data, pos) = &mut *guard;
                let n = (data.len() - *pos).min(buf.remaining());
                buf.put_slice(&data[*pos..*pos + n]);
                *pos += n;
                Poll::Ready(Ok(()))
            }
            Self::Feed(feed) => {
                let mut feed = feed.lock().unwrap_or_else(|p| p.into_inner());
                loop {
                    if !feed.pending.is_empty() {
                        let n = feed.pending.len().min(buf.remaining());
                        let chunk = feed.pending.split_to(n);
                        buf.put_slice(&chunk);
                        return Poll::Ready(Ok(()));
                    }
                    let Some(receiver) = feed.receiver.as_mut() else {
                        return Poll::Ready(Ok(()));
                    };
                    match receiver.poll_recv(cx) {
                        Poll::Ready(Some(bytes)) => feed.pending = bytes,
                        Poll::Ready(None) => {
                            feed.receiver = None;
                            return Poll::Ready(Ok(()));
                        }
                        Poll::Pending => return Poll::Pending,
                    }
                }
            }
        }
    }

    /// Reads some bytes (0 at end of input).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut read_buf = ReadBuf::new(buf);
        std::future::poll_fn(|cx| self.poll_read_into(cx, &mut read_buf)).await?;
        Ok(read_buf.filled().len())
    }

    /// Everything left (for a command whose stdin the shell must hand over as bytes).
    pub fn is_feed(&self) -> bool {
        matches!(self, Self::Feed(_))
    }
}

impl IsTerminal for InputSource {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for InputSource {
    fn async_stream(&self) -> Box<dyn AsyncRead + Send + Sync> {
        Box::new(SourceReader(self.clone()))
    }
}

struct SourceReader(InputSource);

impl AsyncRead for SourceReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.poll_read_into(cx, buf)
    }
}
