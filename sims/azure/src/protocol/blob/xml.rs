//! The blob service's XML bodies: listings (`EnumerationResults`), block lists, stored access
//! policies and errors written as Azure writes them, and the block lists and access policies
//! clients send, parsed with quick-xml (`InvalidXmlDocument` for anything else).

use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::services::blob::{
    BlobError, BlobRecord, BlockEntry, BlockSource, ContainerRecord, Listed, Page, SignedIdentifier,
};

const DECLARATION: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// `Mon, 07 Dec 2026 06:31:16 GMT`.
pub fn http_date(millis: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_default()
}

/// An HTTP date in seconds since the epoch.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), &format)
        .ok()
        .map(|at| at.assume_utc().unix_timestamp())
}

fn element(out: &mut String, name: &str, value: &str) {
    if value.is_empty() {
        out.push_str(&format!("<{name} />"));
    } else {
        out.push_str(&format!("<{name}>{}</{name}>", escape(value)));
    }
}

fn metadata(out: &mut String, metadata: &[(String, String)]) {
    out.push_str("<Metadata>");
    for (name, value) in metadata {
        element(out, name, value);
    }
    out.push_str("</Metadata>");
}

/// Azure's error body; the message ends with the request ID and time, as the service's does.
pub fn error_body(error: &BlobError, request_id: &str, now_ms: i64) -> String {
    let (_, code, message) = error.parts();
    let time = crate::time::arm_timestamp(now_ms);
    let mut out = String::from(DECLARATION);
    out.push_str("<Error>");
    element(&mut out, "Code", code);
    element(
        &mut out,
        "Message",
        &format!("{message}\nRequestId:{request_id}\nTime:{time}"),
    );
    for (name, value) in error.details() {
        element(&mut out, name, &value);
    }
    out.push_str("</Error>");
    out
}

pub struct ListingQuery<'a> {
    pub service_endpoint: &'a str,
    pub prefix: &'a str,
    pub marker: Option<&'a str>,
    pub max_results: Option<usize>,
    pub delimiter: Option<&'a str>,
    pub include_metadata: bool,
}

fn listing_head(out: &mut String, query: &ListingQuery<'_>) {
    if !query.prefix.is_empty() {
        element(out, "Prefix", query.prefix);
    }
    if let Some(marker) = query.marker {
        element(out, "Marker", marker);
    }
    if let Some(max) = query.max_results {
        element(out, "MaxResults", &max.to_string());
    }
}

fn next_marker(out: &mut String, next: &Option<String>) {
    element(out, "NextMarker", next.as_deref().unwrap_or(""));
}

pub fn container_list(page: &Page<ContainerRecord>, query: &ListingQuery<'_>) -> String {
    let mut out = String::from(DECLARATION);
    out.push_str(&format!(
        "<EnumerationResults ServiceEndpoint=\"{}\">",
        escape(query.service_endpoint)
    ));
    listing_head(&mut out, query);
    out.push_str("<Containers>");
    for container in &page.items {
        out.push_str("<Container>");
        element(&mut out, "Name", &container.name);
        out.push_str("<Properties>");
        element(
            &mut out,
            "Last-Modified",
            &http_date(container.last_modified_ms),
        );
        element(&mut out, "Etag", &container.etag);
        element(&mut out, "LeaseStatus", "unlocked");
        element(&mut out, "LeaseState", "available");
        element(
            &mut out,
            "DefaultEncryptionScope",
            "$account-encryption-key",
        );
        element(&mut out, "DenyEncryptionScopeOverride", "false");
        if let Some(access) = &container.public_access {
            element(&mut out, "PublicAccess", access);
        }
        element(&mut out, "HasImmutabilityPolicy", "false");
        element(&mut out, "HasLegalHold", "false");
        out.push_str("</Properties>");
        if query.include_metadata {
            metadata(&mut out, &container.metadata);
        }
        out.push_str("</Container>");
    }
    out.push_str("</Containers>");
    next_marker(&mut out, &page.next_marker);
    out.push_str("</EnumerationResults>");
    out
}

fn blob_properties(out: &mut String, blob: &BlobRecord) {
    let headers = &blob.headers;
    out.push_str("<Properties>");
    element(out, "Creation-Time", &http_date(blob.created_ms));
    element(out, "Last-Modified", &http_date(blob.last_modified_ms));
    element(out, "Etag", &blob.etag);
    element(out, "Content-Length", &blob.size.to_string());
    element(
        out,
        "Content-Type",
        headers
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    element(
        out,
        "Content-Encoding",
        headers.content_encoding.as_deref().unwrap_or(""),
    );
    element(
        out,
        "Content-Language",
        headers.content_language.as_deref().unwrap_or(""),
    );
    element(out, "Content-CRC64", "");
    element(
        out,
        "Content-MD5",
        headers.content_md5.as_deref().unwrap_or(""),
    );
    element(
        out,
        "Cache-Control",
        headers.cache_control.as_deref().unwrap_or(""),
    );
    element(
        out,
        "Content-Disposition",
        headers.content_disposition.as_deref().unwrap_or(""),
    );
    element(out, "BlobType", "BlockBlob");
    element(out, "AccessTier", "Hot");
    element(out, "AccessTierInferred", "true");
    element(out, "LeaseStatus", "unlocked");
    element(out, "LeaseState", "available");
    element(out, "ServerEncrypted", "true");
    if let Some(copy) = &blob.copy {
        element(out, "CopyId", &copy.id);
        element(out, "CopySource", &copy.source);
        element(out, "CopyStatus", "success");
        element(out, "CopyProgress", &format!("{}/{}", copy.size, copy.size));
        element(out, "CopyCompletionTime", &http_date(copy.completed_ms));
    }
    out.push_str("</Properties>");
}

pub fn blob_list(container: &str, page: &Page<Listed>, query: &ListingQuery<'_>) -> String {
    let mut out = String::from(DECLARATION);
    out.push_str(&format!(
        "<EnumerationResults ServiceEndpoint=\"{}\" ContainerName=\"{}\">",
        escape(query.service_endpoint),
        escape(container)
    ));
    listing_head(&mut out, query);
    if let Some(delimiter) = query.delimiter {
        element(&mut out, "Delimiter", delimiter);
    }
    out.push_str("<Blobs>");
    for item in &page.items {
        match item {
            Listed::Blob(blob) => {
                out.push_str("<Blob>");
                element(&mut out, "Name", &blob.name);
                blob_properties(&mut out, blob);
                if query.include_metadata {
                    metadata(&mut out, &blob.metadata);
                }
                out.push_str("</Blob>");
            }
            Listed::Prefix(prefix) => {
                out.push_str("<BlobPrefix>");
                element(&mut out, "Name", prefix);
                out.push_str("</BlobPrefix>");
            }
        }
    }
    out.push_str("</Blobs>");
    next_marker(&mut out, &page.next_marker);
    out.push_str("</EnumerationResults>");
    out
}

pub fn block_list(committed: Option<&[BlockEntry]>, uncommitted: Option<&[BlockEntry]>) -> String {
    let mut out = String::from(DECLARATION);
    out.push_str("<BlockList>");
    for (name, blocks) in [
        ("CommittedBlocks", committed),
        ("UncommittedBlocks", uncommitted),
    ] {
        let Some(blocks) = blocks else { continue };
        out.push_str(&format!("<{name}>"));
        for block in blocks {
            out.push_str("<Block>");
            element(&mut out, "Name", &block.id);
            element(&mut out, "Size", &block.size.to_string());
            out.push_str("</Block>");
        }
        out.push_str(&format!("</{name}>"));
    }
    out.push_str("</BlockList>");
    out
}

pub fn signed_identifiers(identifiers: &[SignedIdentifier]) -> String {
    let mut out = String::from(DECLARATION);
    out.push_str("<SignedIdentifiers>");
    for identifier in identifiers {
        out.push_str("<SignedIdentifier>");
        element(&mut out, "Id", &identifier.id);
        out.push_str("<AccessPolicy>");
        if let Some(start) = &identifier.start {
            element(&mut out, "Start", start);
        }
        if let Some(expiry) = &identifier.expiry {
            element(&mut out, "Expiry", expiry);
        }
        if let Some(permission) = &identifier.permission {
            element(&mut out, "Permission", permission);
        }
        out.push_str("</AccessPolicy></SignedIdentifier>");
    }
    out.push_str("</SignedIdentifiers>");
    out
}

/// Walks an XML document, calling `on_element(path, text)` as each element closes, where
/// `path` is the names of the open elements (the closing one last) and `text` its own text.
fn walk(body: &[u8], mut on_element: impl FnMut(&[String], String)) -> Result<(), BlobError> {
    let text = std::str::from_utf8(body).map_err(|_| BlobError::InvalidXmlDocument)?;
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut root_seen = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                if path.is_empty() && root_seen {
                    return Err(BlobError::InvalidXmlDocument);
                }
                root_seen = true;
                path.push(start.name().into_inner().to_string());
                texts.push(String::new());
            }
            Ok(Event::Empty(empty)) => {
                if path.is_empty() && root_seen {
                    return Err(BlobError::InvalidXmlDocument);
                }
                root_seen = true;
                path.push(empty.name().into_inner().to_string());
                on_element(&path, String::new());
                path.pop();
            }
            Ok(Event::End(_)) => {
                on_element(&path, texts.pop().unwrap_or_default());
                path.pop();
            }
            Ok(Event::Text(text)) => {
                let value = text.xml10_content();
                match texts.last_mut() {
                    Some(current) => current.push_str(&value),
                    None if value.trim().is_empty() => {}
                    None => return Err(BlobError::InvalidXmlDocument),
                }
            }
            Ok(Event::GeneralRef(reference)) => {
                let name = reference.xml10_content().into_owned();
                let value = match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(value) => value.to_string(),
                    None => reference
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or(BlobError::InvalidXmlDocument)?
                        .to_string(),
                };
                if let Some(current) = texts.last_mut() {
                    current.push_str(&value);
                }
            }
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => return Err(BlobError::InvalidXmlDocument),
            Ok(_) => {}
            Err(_) => return Err(BlobError::InvalidXmlDocument),
        }
    }
    if !root_seen || !path.is_empty() {
        return Err(BlobError::InvalidXmlDocument);
    }
    Ok(())
}

/// A Put Block List body: `<BlockList><Latest>ID</Latest>…</BlockList>`.
pub fn parse_block_list(body: &[u8]) -> Result<Vec<(BlockSource, String)>, BlobError> {
    let mut list: Vec<(BlockSource, String)> = Vec::new();
    let mut bad = false;
    walk(body, |path, text| match path {
        [root] if root == "BlockList" => {}
        [root, kind] if root == "BlockList" => {
            let source = match kind.as_str() {
                "Latest" => BlockSource::Latest,
                "Committed" => BlockSource::Committed,
                "Uncommitted" => BlockSource::Uncommitted,
                _ => {
                    bad = true;
                    return;
                }
            };
            list.push((source, text.trim().to_string()));
        }
        _ => bad = true,
    })?;
    if bad {
        return Err(BlobError::InvalidXmlDocument);
    }
    Ok(list)
}

/// A Set Container ACL body: `<SignedIdentifiers><SignedIdentifier><Id>…`.
pub fn parse_signed_identifiers(body: &[u8]) -> Result<Vec<SignedIdentifier>, BlobError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let mut identifiers: Vec<SignedIdentifier> = Vec::new();
    let mut current = SignedIdentifier::default();
    let mut bad = false;
    walk(body, |path, text| {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = text.trim().to_string();
        match names.as_slice() {
            ["SignedIdentifiers", "SignedIdentifier", "Id"] => current.id = text,
            [
                "SignedIdentifiers",
                "SignedIdentifier",
                "AccessPolicy",
                "Start",
            ] => current.start = Some(text),
            [
                "SignedIdentifiers",
                "SignedIdentifier",
                "AccessPolicy",
                "Expiry",
            ] => current.expiry = Some(text),
            [
                "SignedIdentifiers",
                "SignedIdentifier",
                "AccessPolicy",
                "Permission",
            ] => current.permission = Some(text),
            ["SignedIdentifiers", "SignedIdentifier"] => {
                identifiers.push(std::mem::take(&mut current))
            }
            ["SignedIdentifiers"] | ["SignedIdentifiers", "SignedIdentifier", "AccessPolicy"] => {}
            _ => bad = true,
        }
    })?;
    if bad {
        return Err(BlobError::InvalidXmlDocument);
    }
    Ok(identifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_parse_with_their_sources() {
        let body = br#"<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>AAA=</Latest><Committed>QkI=</Committed><Uncommitted>Q0M=</Uncommitted></BlockList>"#;
        assert_eq!(
            parse_block_list(body).unwrap(),
            vec![
                (BlockSource::Latest, "AAA=".to_string()),
                (BlockSource::Committed, "QkI=".to_string()),
                (BlockSource::Uncommitted, "Q0M=".to_string()),
            ]
        );
        assert_eq!(
            parse_block_list(b"<BlockList><Other>x</Other></BlockList>"),
            Err(BlobError::InvalidXmlDocument)
        );
        assert_eq!(
            parse_block_list(b"<BlockList><Latest>x"),
            Err(BlobError::InvalidXmlDocument)
        );
        assert_eq!(
            parse_block_list(b"not xml"),
            Err(BlobError::InvalidXmlDocument)
        );
    }

    #[test]
    fn access_policies_parse() {
        let body = b"<SignedIdentifiers><SignedIdentifier><Id>p1</Id><AccessPolicy><Start>2026-01-01T00:00:00Z</Start><Expiry>2027-01-01T00:00:00Z</Expiry><Permission>rl</Permission></AccessPolicy></SignedIdentifier></SignedIdentifiers>";
        let parsed = parse_signed_identifiers(body).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].id, "p1");
        assert_eq!(parsed[0].permission.as_deref(), Some("rl"));
        assert!(parse_signed_identifiers(b"").unwrap().is_empty());
    }

    #[test]
    fn dates_round_trip() {
        let text = http_date(1_796_625_076_000);
        assert_eq!(text, "Mon, 07 Dec 2026 06:31:16 GMT");
        assert_eq!(parse_http_date(&text), Some(1_796_625_076));
    }

    #[test]
    fn errors_carry_code_message_request_and_time() {
        let body = error_body(&BlobError::BlobNotFound, "req-1", 0);
        assert!(body.contains("<Code>BlobNotFound</Code><Message>The specified blob does not exist.\nRequestId:req-1\nTime:1970-01-01T00:00:00.0000000Z</Message>"), "{body}");
    }
}
