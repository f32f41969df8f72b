//! Streams on Docker's wire: the 8-byte multiplexed framing (`[stream, 0, 0, 0, size BE32]`
//! then the payload) used when a container has no TTY, raw bytes when it has one, hijacked
//! connections (`Upgrade: tcp` → 101) for attach and exec, and bodies that stream.

use axum::body::Body;
use axum::response::Response;
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api::{OutputChunk, OutputStream};
use crate::backend::OutputStreamBox;

/// The content types Docker gives each kind of stream.
pub const MULTIPLEXED: &str = "application/vnd.docker.multiplexed-stream";
pub const RAW: &str = "application/vnd.docker.raw-stream";

/// One frame of the multiplexed stream.
pub fn frame(chunk: &OutputChunk) -> Bytes {
    let mut out = BytesMut::with_capacity(8 + chunk.bytes.len());
    out.put_u8(chunk.stream as u8);
    out.put_bytes(0, 3);
    out.put_u32(chunk.bytes.len() as u32);
    out.extend_from_slice(&chunk.bytes);
    out.freeze()
}

/// The bytes a chunk is sent as: framed, or raw under a TTY.
pub fn encode(chunk: &OutputChunk, tty: bool) -> Bytes {
    if tty {
        chunk.bytes.clone()
    } else {
        frame(chunk)
    }
}

/// A response whose body is `output`, framed unless `tty`.
pub fn output_response(output: OutputStreamBox, tty: bool) -> Response {
    let body = output.map(move |chunk| Ok::<_, std::io::Error>(encode(&chunk, tty)));
    Response::builder()
        .status(http::StatusCode::OK)
        .header(
            http::header::CONTENT_TYPE,
            if tty { RAW } else { MULTIPLEXED },
        )
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Whether the client asked to take over the connection (`Connection: Upgrade`,
/// `Upgrade: tcp`), as the docker CLI and docker-py do for attach and exec.
pub fn wants_upgrade(parts: &http::request::Parts) -> bool {
    parts
        .headers
        .get(http::header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("tcp"))
}

/// Answers 101 and, once the connection is ours, writes `output` to it (framed unless `tty`)
/// and forwards what the client sends to `stdin`. The connection is closed for writing when the
/// output ends, which is how the client learns the stream is over.
pub fn hijack(
    parts: &mut http::request::Parts,
    output: OutputStreamBox,
    stdin: Option<tokio::sync::mpsc::Sender<Bytes>>,
    tty: bool,
) -> Response {
    let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
        // No upgrade possible on this connection (HTTP/2): stream the body instead.
        return output_response(output, tty);
    };
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(error) => {
                tracing::debug!(%error, "hijack failed");
                return;
            }
        };
        let io = hyper_util::rt::TokioIo::new(upgraded);
        let (mut reader, mut writer) = tokio::io::split(io);
        let forward_stdin = async move {
            let Some(stdin) = stdin else {
                // Keep reading so a closed client is noticed; discard what it sends.
                let mut sink = [0u8; 4096];
                while let Ok(read) = reader.read(&mut sink).await {
                    if read == 0 {
                        break;
                    }
                }
                return;
            };
            let mut buffer = vec![0u8; 32 * 1024];
            loop {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => {
                        if stdin
                            .send(Bytes::copy_from_slice(&buffer[..read]))
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                }
            }
            // Dropping the sender closes the container's stdin.
        };
        let write_output = async move {
            let mut output = output;
            while let Some(chunk) = output.next().await {
                if writer.write_all(&encode(&chunk, tty)).await.is_err() {
                    return;
                }
                let _ = writer.flush().await;
            }
            let _ = writer.shutdown().await;
        };
        // Output ending ends the session; stdin forwarding stops with it.
        tokio::select! {
            _ = write_output => {}
            _ = async { forward_stdin.await; std::future::pending::<()>().await } => {}
        }
    });
    Response::builder()
        .status(http::StatusCode::SWITCHING_PROTOCOLS)
        .header(
            http::header::CONTENT_TYPE,
            if tty { RAW } else { MULTIPLEXED },
        )
        .header(http::header::CONNECTION, "Upgrade")
        .header(http::header::UPGRADE, "tcp")
        .body(Body::empty())
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// A stdout chunk, for tests and callers that make output.
pub fn stdout(bytes: impl Into<Bytes>) -> OutputChunk {
    OutputChunk {
        stream: OutputStream::Stdout,
        bytes: bytes.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_docker_header() {
        let framed = frame(&OutputChunk {
            stream: OutputStream::Stderr,
            bytes: Bytes::from_static(b"b\n"),
        });
        assert_eq!(&framed[..], &[2, 0, 0, 0, 0, 0, 0, 2, b'b', b'\n']);
        assert_eq!(&encode(&stdout("a\n"), true)[..], b"a\n");
    }
}
