//! Connection handling under hostile and heavy clients: a request head that never completes and
//! an idle keep-alive connection are both closed after the head timeout; a slow request or a
//! slow upload is not; past the connection limit new connections wait for a slot instead of
//! exhausting the process's file descriptors.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use simkit::server::{JsonErrors, Listen, RunningServer, serve};
use simkit::{Kit, KitConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(listen: Listen) -> RunningServer {
    let kit = Kit::new(KitConfig::new("connections")).unwrap();
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "done"
            }),
        )
        .route(
            "/upload",
            post(|body: axum::body::Bytes| async move { format!("{} bytes", body.len()) }),
        );
    serve(kit, listen, app, Arc::new(JsonErrors)).await.unwrap()
}

fn listen(head_timeout: Duration, max_connections: usize) -> Listen {
    Listen {
        request_head_timeout: head_timeout,
        max_connections,
        ..Listen::default()
    }
}

/// Reads until the server closes the connection; returns what it sent. Fails after ten
/// seconds, long past every timeout under test.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&received).into_owned(),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the server kept the connection open: {received:?}"),
        }
    }
}

/// Sends a request and reads one response (whose body is short and announced by length).
async fn request(stream: &mut TcpStream, head: &str) -> String {
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("no answer")
            .unwrap();
        assert!(n > 0, "closed before answering: {received:?}");
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some((headers, body)) = text.split_once("\r\n\r\n") {
            let length = headers
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(String::from)
                })
                .and_then(|l| l.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text.into_owned();
            }
        }
    }
}

const HEALTH: &str = "GET /_sockerless/health HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn half_sent_request_heads_are_dropped() {
    let server = start(listen(Duration::from_millis(300), 1000)).await;
    let mut streams = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream
            .write_all(b"GET /_sockerless/health HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        streams.push(stream);
    }
    for mut stream in streams {
        let answer = read_until_closed(&mut stream).await;
        assert!(!answer.contains("200 OK"), "{answer}");
    }
    // A client that connects and sends nothing at all is dropped too.
    let mut silent = TcpStream::connect(server.addr()).await.unwrap();
    read_until_closed(&mut silent).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = start(listen(Duration::from_millis(300), 1000)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    assert!(
        request(&mut stream, HEALTH)
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        request(&mut stream, HEALTH)
            .await
            .starts_with("HTTP/1.1 200")
    );
    assert_eq!(read_until_closed(&mut stream).await, "");
}

#[tokio::test]
async fn slow_answers_and_slow_uploads_outlive_the_head_timeout() {
    let server = start(listen(Duration::from_millis(300), 1000)).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let answer = request(&mut stream, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.ends_with("done"), "{answer}");

    let mut upload = TcpStream::connect(server.addr()).await.unwrap();
    upload
        .write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
        .await
        .unwrap();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        upload.write_all(b"x").await.unwrap();
    }
    let answer = request(&mut upload, "").await;
    assert!(answer.ends_with("10 bytes"), "{answer}");
}

#[tokio::test]
async fn past_the_limit_connections_wait_for_a_slot() {
    let server = start(listen(Duration::from_secs(30), 3)).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        assert!(
            request(&mut stream, HEALTH)
                .await
                .starts_with("HTTP/1.1 200")
        );
        held.push(stream);
    }
    // The fourth connects (the kernel queues it) but is not served while three are held.
    let mut waiting = TcpStream::connect(server.addr()).await.unwrap();
    waiting.write_all(HEALTH.as_bytes()).await.unwrap();
    let mut buffer = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut buffer)).await;
    assert!(early.is_err(), "served past the connection limit");
    drop(held.pop());
    let answer = request(&mut waiting, "").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
