//! The AWS SDK for Rust's S3 client against the `sockerless` binary: buckets, objects read back
//! byte for byte (the SDK's default CRC32 checksums and aws-chunked bodies decoded and
//! verified), ranged GETs, a listing paged one key at a time with the SDK's paginator, a
//! multipart upload whose ETag is checked against a locally computed md5-of-md5s, and typed
//! errors. One matrix cell.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use conformance::{Cell, Sockerless};

async fn client(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "conformance",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_through_the_rust_sdk() {
    let _cell = Cell::new("cloud-sdk", "aws", "s3-sdk-rust", "aws-sdk-rust");
    let server = Sockerless::start(&["sim", "aws", "--port", "0"], &["aws"]);
    let s3 = client(server.url("aws")).await;
    let bucket = "sdk-rust-bucket";
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    let again = s3.create_bucket().bucket(bucket).send().await.unwrap_err();
    assert!(again.into_service_error().is_bucket_already_owned_by_you());

    // A body the SDK sends aws-chunked with a trailing CRC32, read back byte for byte.
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let put = s3
        .put_object()
        .bucket(bucket)
        .key("data/blob")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .unwrap();
    assert!(put.checksum_crc32().is_some());
    let got = s3
        .get_object()
        .bucket(bucket)
        .key("data/blob")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        &body[..]
    );
    let ranged = s3
        .get_object()
        .bucket(bucket)
        .key("data/blob")
        .range("bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.content_range(), Some("bytes 100-199/300000"));
    assert_eq!(
        ranged.body.collect().await.unwrap().into_bytes().as_ref(),
        &body[100..200]
    );
    let missing = s3
        .get_object()
        .bucket(bucket)
        .key("absent")
        .send()
        .await
        .unwrap_err();
    assert!(missing.into_service_error().is_no_such_key());

    // Listing paged one key at a time: each key once, in order.
    for key in ["k/a", "k/b", "k/c", "k/d"] {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix("k/")
        .max_keys(1)
        .into_paginator()
        .send();
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        assert!(page.contents().len() <= 1);
        seen.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    assert_eq!(seen, ["k/a", "k/b", "k/c", "k/d"]);

    // Multipart: the ETag is the MD5 of the parts' MD5s, with the count.
    let upload = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key("multi")
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap().to_string();
    let parts = [vec![1u8; 5 * 1024 * 1024], vec![2u8; 1000]];
    let mut completed = Vec::new();
    let mut digests = Vec::new();
    for (index, data) in parts.iter().enumerate() {
        let number = index as i32 + 1;
        let answer = s3
            .upload_part()
            .bucket(bucket)
            .key("multi")
            .upload_id(&upload_id)
            .part_number(number)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        digests.extend(md5_of(data));
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(answer.e_tag().unwrap())
                .build(),
        );
    }
    let done = s3
        .complete_multipart_upload()
        .bucket(bucket)
        .key("multi")
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let expected = format!("\"{}-2\"", hex(&md5_of(&digests)));
    assert_eq!(done.e_tag(), Some(expected.as_str()));
}

fn md5_of(data: &[u8]) -> Vec<u8> {
    // The digest comes from the system's md5sum: a client computation independent of the
    // simulator's own MD5 code.
    use std::io::Write;
    let mut child = std::process::Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("md5sum");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("write");
    let output = child.wait_with_output().expect("md5sum output");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let hex_digest = text.split_whitespace().next().expect("digest");
    (0..hex_digest.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex_digest[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
