//! Reading the upstream's output streams back into [`OutputChunk`]s: the 8-byte multiplexed
//! framing (`[stream, 0, 0, 0, size BE32]` then the payload) when the container has no TTY, raw
//! bytes (all stdout) when it has one. The engine's HTTP layer frames them again for the client,
//! so stdout and stderr stay apart end to end.
//!
//! What this module must not do: trust a frame header's size to allocate ahead (a frame's
//! payload is taken as it arrives), or drop bytes at the end of a stream.

use bytes::{Buf, Bytes, BytesMut};
use engine_core::api::{OutputChunk, OutputStream};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::io::{AsyncRead, AsyncReadExt};

/// Splits a multiplexed byte stream into chunks, however its bytes are cut.
#[derive(Debug, Default)]
pub struct Demuxer {
    buffer: BytesMut,
}

/// What a frame's first byte names; anything else is taken as stdout, as the docker CLI's
/// `stdcopy` rejects it (we prefer to show the bytes than to lose them).
fn stream_of(byte: u8) -> OutputStream {
    match byte {
        0 => OutputStream::Stdin,
        2 => OutputStream::Stderr,
        _ => OutputStream::Stdout,
    }
}

impl Demuxer {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next whole frame, if one has arrived.
    pub fn next_chunk(&mut self) -> Option<OutputChunk> {
        if self.buffer.len() < 8 {
            return None;
        }
        let size = u32::from_be_bytes([
            self.buffer[4],
            self.buffer[5],
            self.buffer[6],
            self.buffer[7],
        ]) as usize;
        if self.buffer.len() < 8 + size {
            return None;
        }
        let stream = stream_of(self.buffer[0]);
        self.buffer.advance(8);
        let bytes = self.buffer.split_to(size).freeze();
        Some(OutputChunk { stream, bytes })
    }

    /// Bytes left that never made a whole frame.
    pub fn rest(&self) -> usize {
        self.buffer.len()
    }
}

/// Chunks read from `reader` until it ends: demultiplexed, or as stdout under a TTY.
pub fn from_reader<R>(reader: R, tty: bool) -> BoxStream<'static, OutputChunk>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    futures_util::stream::unfold(
        (reader, Demuxer::default(), vec![0u8; 32 * 1024]),
        move |(mut reader, mut demuxer, mut buffer)| async move {
            loop {
                if !tty && let Some(chunk) = demuxer.next_chunk() {
                    return Some((chunk, (reader, demuxer, buffer)));
                }
                let read = match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => {
                        if demuxer.rest() > 0 {
                            tracing::debug!(
                                left = demuxer.rest(),
                                "upstream stream ended mid-frame"
                            );
                        }
                        return None;
                    }
                    Ok(read) => read,
                };
                if tty {
                    let chunk = OutputChunk {
                        stream: OutputStream::Stdout,
                        bytes: Bytes::copy_from_slice(&buffer[..read]),
                    };
                    return Some((chunk, (reader, demuxer, buffer)));
                }
                demuxer.push(&buffer[..read]);
            }
        },
    )
    .boxed()
}

/// Chunks from a streamed response body (logs), as [`from_reader`].
pub fn from_body(body: hyper::body::Incoming, tty: bool) -> BoxStream<'static, OutputChunk> {
    use http_body_util::BodyExt;
    futures_util::stream::unfold(
        (body, Demuxer::default()),
        move |(mut body, mut demuxer)| async move {
            loop {
                if !tty && let Some(chunk) = demuxer.next_chunk() {
                    return Some((chunk, (body, demuxer)));
                }
                let data = loop {
                    match body.frame().await {
                        None | Some(Err(_)) => return None,
                        Some(Ok(frame)) => {
                            if let Ok(data) = frame.into_data() {
                                break data;
                            }
                        }
                    }
                };
                if tty {
                    let chunk = OutputChunk {
                        stream: OutputStream::Stdout,
                        bytes: data,
                    };
                    return Some((chunk, (body, demuxer)));
                }
                demuxer.push(&data);
            }
        },
    )
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(stream: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![stream, 0, 0, 0];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn frames_split_anywhere_come_back_whole() {
        let mut wire = frame(1, b"a\n");
        wire.extend(frame(2, b"b\n"));
        wire.extend(frame(1, b""));
        wire.extend(frame(1, &[b'x'; 70_000]));
        for cut in [1, 3, 8, 9, 13, 4096] {
            let mut demuxer = Demuxer::default();
            let mut chunks = Vec::new();
            for piece in wire.chunks(cut) {
                demuxer.push(piece);
                while let Some(chunk) = demuxer.next_chunk() {
                    chunks.push(chunk);
                }
            }
            assert_eq!(chunks.len(), 4, "cut {cut}");
            assert_eq!(chunks[0].stream, OutputStream::Stdout);
            assert_eq!(&chunks[0].bytes[..], b"a\n");
            assert_eq!(chunks[1].stream, OutputStream::Stderr);
            assert_eq!(&chunks[1].bytes[..], b"b\n");
            assert_eq!(chunks[3].bytes.len(), 70_000);
            assert_eq!(demuxer.rest(), 0);
        }
    }

    #[tokio::test]
    async fn reader_demuxes_and_tty_passes_raw() {
        let mut wire = frame(2, b"err");
        wire.extend(frame(1, b"out"));
        wire.extend([1, 0, 0]); // A truncated header at the end is dropped, not invented.
        let chunks: Vec<_> = from_reader(std::io::Cursor::new(wire.clone()), false)
            .collect()
            .await;
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].stream, OutputStream::Stderr);
        let raw: Vec<_> = from_reader(std::io::Cursor::new(b"plain".to_vec()), true)
            .collect()
            .await;
        assert_eq!(raw.len(), 1);
        assert_eq!(&raw[0].bytes[..], b"plain");
    }
}
