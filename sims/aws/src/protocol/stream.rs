//! Streaming payloads: request bodies of operations whose payload member the model marks
//! `streaming` (S3's PutObject and UploadPart) are spooled to a file while they arrive, never
//! held in memory, and a handler may answer with a file to stream (GetObject).
//!
//! The spooler decodes S3's `aws-chunked` content encoding (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`,
//! `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`), computes the body's MD5 and the checksum the
//! client asked for, and keeps the checksum the client claimed (header or trailer) for the
//! handler to compare. Handlers reach the spooled body and set a file answer through a
//! task-local slot ([`take_input`], [`respond_with_file`]) the dispatcher scopes around the
//! call, so the generated `Api` signatures stay the same for every service.
//!
//! Must not: hold a body in memory, or name a spool file after anything the client sent.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use futures_util::StreamExt;
use md5::Digest;
use tokio::io::AsyncWriteExt;

/// The largest body S3 accepts in one PUT.
pub const STREAMING_LIMIT: u64 = 5 * 1024 * 1024 * 1024;

/// A checksum algorithm of S3's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "CRC32" => Some(Self::Crc32),
            "CRC32C" => Some(Self::Crc32c),
            "CRC64NVME" => Some(Self::Crc64Nvme),
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            _ => None,
        }
    }

    /// The name in S3's messages and `ChecksumAlgorithm` members.
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// The header (and trailer) that carries it: `x-amz-checksum-crc32`.
    pub fn header(self) -> String {
        format!("x-amz-checksum-{}", self.name().to_ascii_lowercase())
    }

    const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];
}

const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
const CRC64NVME: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_NVME);

/// A running checksum.
pub enum Hasher {
    Crc32(crc32fast::Hasher),
    Crc32c(crc::Digest<'static, u32>),
    Crc64Nvme(crc::Digest<'static, u64>),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Hasher {
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        match algorithm {
            ChecksumAlgorithm::Crc32 => Self::Crc32(crc32fast::Hasher::new()),
            ChecksumAlgorithm::Crc32c => Self::Crc32c(CRC32C.digest()),
            ChecksumAlgorithm::Crc64Nvme => Self::Crc64Nvme(CRC64NVME.digest()),
            ChecksumAlgorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Crc32(hasher) => hasher.update(bytes),
            Self::Crc32c(digest) => digest.update(bytes),
            Self::Crc64Nvme(digest) => digest.update(bytes),
            Self::Sha1(hasher) => sha1::Digest::update(hasher, bytes),
            Self::Sha256(hasher) => sha2::Digest::update(hasher, bytes),
        }
    }

    /// The checksum as S3 writes it: base64 of the big-endian bytes.
    pub fn finish(self) -> String {
        let bytes = match self {
            Self::Crc32(hasher) => hasher.finalize().to_be_bytes().to_vec(),
            Self::Crc32c(digest) => digest.finalize().to_be_bytes().to_vec(),
            Self::Crc64Nvme(digest) => digest.finalize().to_be_bytes().to_vec(),
            Self::Sha1(hasher) => sha1::Digest::finalize(hasher).to_vec(),
            Self::Sha256(hasher) => sha2::Digest::finalize(hasher).to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// The checksum of a spooled body, and what the client claimed it to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub algorithm: ChecksumAlgorithm,
    pub computed: String,
    /// From the `x-amz-checksum-*` header or the aws-chunked trailer.
    pub claimed: Option<String>,
}

/// A request body written to a file.
#[derive(Debug)]
pub struct Spooled {
    pub path: PathBuf,
    pub len: u64,
    pub md5: [u8; 16],
    pub checksum: Option<Checksum>,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        // A handler that keeps the file renames it away first; anything left is garbage.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why a body could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("Your proposed upload exceeds the maximum allowed size")]
    TooLarge,
    #[error("{0}")]
    Chunked(String),
    #[error("reading the request body failed: {0}")]
    Read(String),
    #[error("writing the spool file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes `body` to a new file named `file_name` in `dir`, decoding aws-chunked when the headers
/// say so.
pub async fn spool(
    body: axum::body::Body,
    headers: &http::HeaderMap,
    dir: &Path,
    file_name: &str,
) -> Result<Spooled, SpoolError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let chunked = header("content-encoding").is_some_and(|v| v.contains("aws-chunked"))
        || header("x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"));
    let trailer = header("x-amz-trailer").and_then(|name| {
        name.trim()
            .strip_prefix("x-amz-checksum-")
            .and_then(ChecksumAlgorithm::parse)
    });
    let claimed_header = ChecksumAlgorithm::ALL.into_iter().find_map(|algorithm| {
        header(&algorithm.header()).map(|value| (algorithm, value.trim().to_string()))
    });
    let algorithm = trailer
        .or(claimed_header.as_ref().map(|(a, _)| *a))
        .or_else(|| header("x-amz-sdk-checksum-algorithm").and_then(ChecksumAlgorithm::parse));

    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(file_name);
    let mut spooled = Spooled {
        path: path.clone(),
        len: 0,
        md5: [0; 16],
        checksum: None,
    };
    let file = tokio::fs::File::create(&path).await?;
    let mut writer = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut md5 = md5::Md5::new();
    let mut hasher = algorithm.map(Hasher::new);
    let mut decoder = chunked.then(ChunkedDecoder::default);
    let mut decoded = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let bytes = frame.map_err(|error| SpoolError::Read(error.to_string()))?;
        let data: &[u8] = match &mut decoder {
            Some(decoder) => {
                decoded.clear();
                decoder.feed(&bytes, &mut decoded)?;
                &decoded
            }
            None => &bytes,
        };
        spooled.len += data.len() as u64;
        if spooled.len > STREAMING_LIMIT {
            return Err(SpoolError::TooLarge);
        }
        md5.update(data);
        if let Some(hasher) = &mut hasher {
            hasher.update(data);
        }
        writer.write_all(data).await?;
    }
    writer.flush().await?;
    let trailers = match decoder {
        Some(decoder) => decoder.finish()?,
        None => Vec::new(),
    };
    spooled.md5 = md5.finalize().into();
    if let (Some(algorithm), Some(hasher)) = (algorithm, hasher) {
        let from_trailer = trailers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&algorithm.header()))
            .map(|(_, value)| value.clone());
        let from_header = claimed_header
            .filter(|(claimed, _)| *claimed == algorithm)
            .map(|(_, value)| value);
        spooled.checksum = Some(Checksum {
            algorithm,
            computed: hasher.finish(),
            claimed: from_trailer.or(from_header),
        });
    }
    Ok(spooled)
}

/// An incremental decoder of the aws-chunked encoding: `SIZE-HEX[;chunk-signature=…]\r\n`,
/// the chunk's bytes, `\r\n`, and so on to a zero-size chunk, then trailer lines
/// (`x-amz-checksum-crc32:…`) and an empty line.
#[derive(Debug, Default)]
pub struct ChunkedDecoder {
    state: ChunkState,
    line: Vec<u8>,
    trailers: Vec<(String, String)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

impl ChunkedDecoder {
    /// Decodes `input`, appending the payload to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), SpoolError> {
        while !input.is_empty() {
            match self.state {
                ChunkState::Size | ChunkState::DataEnd | ChunkState::Trailers => {
                    let Some(end) = input.iter().position(|&b| b == b'\n') else {
                        self.line.extend_from_slice(input);
                        if self.line.len() > 4096 {
                            return Err(malformed("chunk header too long"));
                        }
                        return Ok(());
                    };
                    self.line.extend_from_slice(&input[..end]);
                    input = &input[end + 1..];
                    let line = std::mem::take(&mut self.line);
                    let line = String::from_utf8_lossy(&line);
                    let line = line.trim_end_matches('\r');
                    self.line_done(line)?;
                }
                ChunkState::Data(remaining) => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    out.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left)
                    };
                }
                ChunkState::Done => {
                    if input.iter().all(u8::is_ascii_whitespace) {
                        return Ok(());
                    }
                    return Err(malformed("data after the final chunk"));
                }
            }
        }
        Ok(())
    }

    fn line_done(&mut self, line: &str) -> Result<(), SpoolError> {
        match self.state {
            ChunkState::Size => {
                let size_text = line.split(';').next().unwrap_or_default().trim();
                let size = u64::from_str_radix(size_text, 16)
                    .map_err(|_| malformed("a chunk size is not hexadecimal"))?;
                self.state = if size == 0 {
                    ChunkState::Trailers
                } else {
                    ChunkState::Data(size)
                };
            }
            ChunkState::DataEnd => {
                if !line.is_empty() {
                    return Err(malformed("a chunk is longer than its size"));
                }
                self.state = ChunkState::Size;
            }
            ChunkState::Trailers => {
                if line.is_empty() {
                    self.state = ChunkState::Done;
                } else if let Some((name, value)) = line.split_once(':') {
                    self.trailers
                        .push((name.trim().to_string(), value.trim().to_string()));
                }
            }
            ChunkState::Data(_) | ChunkState::Done => {}
        }
        Ok(())
    }

    /// The trailers, once the whole body has been fed.
    pub fn finish(self) -> Result<Vec<(String, String)>, SpoolError> {
        match self.state {
            // Some clients end right after the last trailer line, without the empty line.
            ChunkState::Done | ChunkState::Trailers => Ok(self.trailers),
            _ => Err(malformed("the body ended inside a chunk")),
        }
    }
}

fn malformed(what: &str) -> SpoolError {
    SpoolError::Chunked(format!("Invalid chunked upload: {what}"))
}

/// A file (or a range of one) a handler answers with.
#[derive(Debug)]
pub struct FileAnswer {
    pub file: std::fs::File,
    pub offset: u64,
    pub len: u64,
    /// The status when not the operation's usual one (206 for a range).
    pub status: Option<u16>,
}

/// The per-request slot between the dispatcher and a handler.
#[derive(Debug, Default)]
pub struct Slot {
    input: Mutex<Option<Spooled>>,
    output: Mutex<Option<FileAnswer>>,
}

tokio::task_local! {
    static SLOT: Slot;
}

/// Runs `call` with `input` available to [`take_input`]; returns its outcome and the file it
/// answered with, if any.
pub async fn scoped<F: std::future::Future>(
    input: Option<Spooled>,
    call: F,
) -> (F::Output, Option<FileAnswer>) {
    let slot = Slot {
        input: Mutex::new(input),
        output: Mutex::new(None),
    };
    SLOT.scope(slot, async {
        let outcome = call.await;
        let answer = SLOT.with(|slot| lock(&slot.output).take());
        (outcome, answer)
    })
    .await
}

/// The spooled body of the current request, once.
pub fn take_input() -> Option<Spooled> {
    SLOT.try_with(|slot| lock(&slot.input).take())
        .ok()
        .flatten()
}

/// Answers the current request with `answer`'s bytes as the payload.
pub fn respond_with_file(answer: FileAnswer) {
    let _ = SLOT.try_with(|slot| *lock(&slot.output) = Some(answer));
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler that panicked while holding the slot leaves plain data behind.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Decoded = (Vec<u8>, Vec<(String, String)>);

    fn decode(pieces: &[&[u8]]) -> Result<Decoded, SpoolError> {
        let mut decoder = ChunkedDecoder::default();
        let mut out = Vec::new();
        for piece in pieces {
            decoder.feed(piece, &mut out)?;
        }
        Ok((out, decoder.finish()?))
    }

    #[test]
    fn chunked_bodies_decode_whatever_the_split() {
        let body = b"5;chunk-signature=ab\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
        for split in 0..body.len() {
            let (out, trailers) = decode(&[&body[..split], &body[split..]]).unwrap();
            assert_eq!(out, b"hello world");
            assert_eq!(
                trailers,
                vec![("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string())]
            );
        }
        assert!(decode(&[b"zz\r\n"]).is_err());
        assert!(decode(&[b"5\r\nhel"]).is_err());
        assert!(decode(&[b"2\r\nhello\r\n0\r\n\r\n"]).is_err());
    }

    #[test]
    fn checksums_as_s3_writes_them() {
        let check = |algorithm, expected: &str| {
            let mut hasher = Hasher::new(algorithm);
            hasher.update(b"hello world");
            assert_eq!(hasher.finish(), expected, "{algorithm:?}");
        };
        check(ChecksumAlgorithm::Crc32, "DUoRhQ==");
        check(ChecksumAlgorithm::Crc32c, "yZRlqg==");
        // The catalogue's check values for "123456789".
        let check_value = |algorithm, expected: &[u8]| {
            let mut hasher = Hasher::new(algorithm);
            hasher.update(b"123456789");
            assert_eq!(
                hasher.finish(),
                base64::engine::general_purpose::STANDARD.encode(expected)
            );
        };
        check_value(ChecksumAlgorithm::Crc32c, &0xe306_9283u32.to_be_bytes());
        check_value(
            ChecksumAlgorithm::Crc64Nvme,
            &0xae8b_1486_0a79_9888u64.to_be_bytes(),
        );
        check(ChecksumAlgorithm::Sha1, "Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
        check(
            ChecksumAlgorithm::Sha256,
            "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
        );
    }
}
