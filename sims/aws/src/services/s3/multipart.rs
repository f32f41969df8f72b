//! Multipart uploads: CreateMultipartUpload, UploadPart (streamed), UploadPartCopy,
//! CompleteMultipartUpload (parts in order, ETags checked, 5 MiB minimum but for the last,
//! ETag `md5-of-md5s-N`), AbortMultipartUpload, ListParts, ListMultipartUploads.

use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::s3::{
    AbortMultipartUploadOutput, AbortMultipartUploadRequest, CommonPrefix,
    CompleteMultipartUploadOutput, CompleteMultipartUploadRequest, CopyPartResult,
    CreateMultipartUploadOutput, CreateMultipartUploadRequest, Initiator,
    ListMultipartUploadsOutput, ListMultipartUploadsRequest, ListPartsOutput, ListPartsRequest,
    MultipartUpload, Owner, Part, UploadPartCopyOutput, UploadPartCopyRequest, UploadPartOutput,
    UploadPartRequest,
};

use super::objects::{
    ChecksumMembers, check_copy_conditions, parse_range, tags_of_header, verify_body,
};
use super::{
    ObjectHeaders, ObjectRecord, PartRecord, S3, S3Error, UploadRecord, canonical_id,
    invalid_argument, part_key, upload_key,
};
use crate::protocol::stream;
use crate::services::Ctx;

/// The smallest part S3 accepts, but for the last.
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;

fn no_such_upload(upload_id: &str) -> S3Error {
    S3Error::new(
        "NoSuchUpload",
        404,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    )
    .with("UploadId", upload_id)
}

fn check_part_number(part_number: i32) -> Result<(), S3Error> {
    if !(1..=10000).contains(&part_number) {
        return Err(invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive",
        )
        .with("ArgumentName", "partNumber")
        .with("ArgumentValue", part_number.to_string()));
    }
    Ok(())
}

impl S3 {
    fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadRecord, S3Error> {
        self.uploads
            .get(&upload_key(bucket, key, upload_id))
            .ok_or_else(|| no_such_upload(upload_id))
    }

    /// Removes an upload and its parts' files.
    pub(super) fn discard_upload(&self, record_key: &str, upload_id: &str) -> Result<(), S3Error> {
        let parts = self.parts.scan_prefix(&format!("{upload_id}\0"));
        self.kit.store().transaction(|txn| {
            txn.remove(&self.uploads, record_key)?;
            for (key, _) in &parts {
                txn.remove(&self.parts, key)?;
            }
            Ok::<_, S3Error>(())
        })?;
        for (_, part) in parts {
            self.data.remove(&part.data_id);
        }
        Ok(())
    }

    pub(super) async fn create_multipart_upload(
        &self,
        ctx: &Ctx,
        input: CreateMultipartUploadRequest,
    ) -> Result<CreateMultipartUploadOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let upload_id = self.kit.ids().hex(64);
        let record = UploadRecord {
            key: input.key.clone(),
            upload_id: upload_id.clone(),
            initiated_ms: self.now(),
            headers: ObjectHeaders {
                content_type: Some(
                    input
                        .content_type
                        .unwrap_or_else(|| "binary/octet-stream".to_string()),
                ),
                content_encoding: input.content_encoding,
                content_disposition: input.content_disposition,
                content_language: input.content_language,
                cache_control: input.cache_control,
                expires: input.expires,
                website_redirect_location: input.website_redirect_location,
                server_side_encryption: Some(
                    input
                        .server_side_encryption
                        .clone()
                        .unwrap_or_else(|| "AES256".to_string()),
                ),
                ssekms_key_id: input.ssekms_key_id,
            },
            metadata: input
                .metadata
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            tags: tags_of_header(input.tagging.as_deref())?,
            storage_class: input.storage_class.filter(|c| c != "STANDARD"),
            checksum_algorithm: input.checksum_algorithm.clone(),
            checksum_type: input.checksum_type.clone().or_else(|| {
                input
                    .checksum_algorithm
                    .as_ref()
                    .map(|_| "COMPOSITE".to_string())
            }),
            acl: None,
            owner_account: ctx.account_id.clone(),
        };
        self.uploads.insert(
            &upload_key(&bucket.name, &input.key, &upload_id),
            record.clone(),
        )?;
        Ok(CreateMultipartUploadOutput {
            bucket: Some(bucket.name),
            key: Some(input.key),
            upload_id: Some(upload_id),
            server_side_encryption: record.headers.server_side_encryption,
            checksum_algorithm: record.checksum_algorithm,
            checksum_type: record.checksum_type,
            ..Default::default()
        })
    }

    pub(super) async fn upload_part(
        &self,
        ctx: &Ctx,
        input: UploadPartRequest,
    ) -> Result<UploadPartOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_part_number(input.part_number)?;
        self.upload(&bucket.name, &input.key, &input.upload_id)?;
        let spooled = stream::take_input().ok_or_else(|| {
            S3Error::new("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")
        })?;
        let checksum = verify_body(&spooled, input.content_md5.as_deref())?;
        let data_id = self.kit.ids().hex(32);
        self.data.adopt(&spooled.path, &data_id)?;
        let md5_hex = hex::encode(spooled.md5);
        let record = PartRecord {
            part_number: input.part_number,
            data_id,
            size: spooled.len,
            md5_hex: md5_hex.clone(),
            last_modified_ms: self.now(),
            checksum: checksum.clone(),
        };
        let previous = self
            .parts
            .insert(&part_key(&input.upload_id, input.part_number), record)?;
        if let Some(previous) = previous {
            self.data.remove(&previous.data_id);
        }
        let members = ChecksumMembers::of(checksum.as_ref());
        Ok(UploadPartOutput {
            server_side_encryption: Some("AES256".to_string()),
            e_tag: Some(format!("\"{md5_hex}\"")),
            checksum_crc32: members.crc32,
            checksum_crc32_c: members.crc32c,
            checksum_crc64_nvme: members.crc64nvme,
            checksum_sha1: members.sha1,
            checksum_sha256: members.sha256,
            ..Default::default()
        })
    }

    pub(super) async fn upload_part_copy(
        &self,
        ctx: &Ctx,
        input: UploadPartCopyRequest,
    ) -> Result<UploadPartCopyOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        check_part_number(input.part_number)?;
        self.upload(&bucket.name, &input.key, &input.upload_id)?;
        let (_, source) = self.copy_source(ctx, &input.copy_source)?;
        check_copy_conditions(
            &source,
            input.copy_source_if_match.as_deref(),
            input.copy_source_if_none_match.as_deref(),
            input.copy_source_if_modified_since,
            input.copy_source_if_unmodified_since,
        )?;
        let (offset, len) = match &input.copy_source_range {
            Some(range) => match parse_range(range, source.size) {
                Ok(Some((first, last))) => (first, last - first + 1),
                _ => {
                    return Err(invalid_argument(format!(
                        "Range specified is not valid for source object of size: {}",
                        source.size
                    ))
                    .with("ArgumentName", "x-amz-copy-source-range")
                    .with("ArgumentValue", range.as_str()));
                }
            },
            None => (0, source.size),
        };
        let data_id = self.kit.ids().hex(32);
        let (size, md5) = self.data.concatenate(
            &[(source.data_id.clone().unwrap_or_default(), offset, len)],
            &data_id,
        )?;
        let md5_hex = hex::encode(md5);
        let now = self.now();
        let previous = self.parts.insert(
            &part_key(&input.upload_id, input.part_number),
            PartRecord {
                part_number: input.part_number,
                data_id,
                size,
                md5_hex: md5_hex.clone(),
                last_modified_ms: now,
                checksum: None,
            },
        )?;
        if let Some(previous) = previous {
            self.data.remove(&previous.data_id);
        }
        Ok(UploadPartCopyOutput {
            copy_source_version_id: (source.version_id != "null").then_some(source.version_id),
            copy_part_result: Some(CopyPartResult {
                e_tag: Some(format!("\"{md5_hex}\"")),
                last_modified: Some(Timestamp::from_millis(now)),
                ..Default::default()
            }),
            server_side_encryption: Some("AES256".to_string()),
            ..Default::default()
        })
    }

    pub(super) async fn complete_multipart_upload(
        &self,
        ctx: &Ctx,
        input: CompleteMultipartUploadRequest,
    ) -> Result<CompleteMultipartUploadOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let upload = self.upload(&bucket.name, &input.key, &input.upload_id)?;
        let requested = input
            .multipart_upload
            .and_then(|m| m.parts)
            .unwrap_or_default();
        if requested.is_empty() {
            return Err(S3Error::new(
                "MalformedXML",
                400,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        let invalid_part = || {
            S3Error::new(
                "InvalidPart",
                400,
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            )
        };
        let mut previous_number = 0;
        let mut chosen = Vec::new();
        for part in &requested {
            let number = part.part_number.unwrap_or(0);
            if number <= previous_number {
                return Err(S3Error::new(
                    "InvalidPartOrder",
                    400,
                    "The list of parts was not in ascending order. Parts must be ordered by part number.",
                ));
            }
            previous_number = number;
            let stored = self
                .parts
                .get(&part_key(&input.upload_id, number))
                .ok_or_else(|| invalid_part().with("PartNumber", number.to_string()))?;
            let etag = part.e_tag.as_deref().unwrap_or_default().trim_matches('"');
            if etag != stored.md5_hex {
                return Err(invalid_part()
                    .with("UploadId", &input.upload_id)
                    .with("PartNumber", number.to_string())
                    .with("ETag", etag));
            }
            chosen.push(stored);
        }
        for part in &chosen[..chosen.len() - 1] {
            if part.size < MIN_PART_SIZE {
                return Err(S3Error::new(
                    "EntityTooSmall",
                    400,
                    "Your proposed upload is smaller than the minimum allowed size",
                )
                .with("ProposedSize", part.size.to_string())
                .with("MinSizeAllowed", MIN_PART_SIZE.to_string())
                .with("PartNumber", part.part_number.to_string())
                .with("ETag", part.md5_hex.clone()));
            }
        }
        self.check_write_conditions(
            &bucket,
            &input.key,
            input.if_match.as_deref(),
            input.if_none_match.as_deref(),
        )?;
        if let Some(expected) = input.mpu_object_size {
            let total: u64 = chosen.iter().map(|p| p.size).sum();
            if expected < 0 || expected as u64 != total {
                return Err(invalid_request(format!(
                    "The provided 'x-amz-mp-object-size' header value {expected} does not match what was computed: {total}"
                )));
            }
        }
        let data_id = self.kit.ids().hex(32);
        let sources: Vec<(String, u64, u64)> = chosen
            .iter()
            .map(|p| (p.data_id.clone(), 0, p.size))
            .collect();
        let files = self.data.clone();
        let target = data_id.clone();
        let (size, _) = tokio::task::spawn_blocking(move || files.concatenate(&sources, &target))
            .await
            .map_err(|error| std::io::Error::other(error.to_string()))??;
        let mut digest_input = Vec::with_capacity(chosen.len() * 16);
        for part in &chosen {
            digest_input.extend(hex::decode(&part.md5_hex).unwrap_or_default());
        }
        let etag = format!(
            "\"{}-{}\"",
            hex::encode(<md5::Md5 as md5::Digest>::digest(&digest_input)),
            chosen.len()
        );
        let object = ObjectRecord {
            key: input.key.clone(),
            version_id: String::new(),
            delete_marker: false,
            data_id: Some(data_id),
            size,
            etag: etag.clone(),
            last_modified_ms: self.now(),
            headers: upload.headers.clone(),
            metadata: upload.metadata.clone(),
            tags: upload.tags.clone(),
            storage_class: upload.storage_class.clone(),
            checksum: None,
            checksum_type: None,
            parts_count: Some(chosen.len() as i32),
            acl: upload.acl.clone(),
            legal_hold: None,
            retention: None,
            owner_account: upload.owner_account.clone(),
        };
        let version_id = self.write_version(&bucket, object)?;
        self.discard_upload(
            &upload_key(&bucket.name, &input.key, &input.upload_id),
            &input.upload_id,
        )?;
        Ok(CompleteMultipartUploadOutput {
            location: Some(format!(
                "https://{}.s3.{}.amazonaws.com/{}",
                bucket.name,
                bucket.region,
                percent_encoding::utf8_percent_encode(
                    &input.key,
                    percent_encoding::NON_ALPHANUMERIC
                )
            )),
            bucket: Some(bucket.name),
            key: Some(input.key),
            e_tag: Some(etag),
            server_side_encryption: upload.headers.server_side_encryption,
            version_id: (version_id != "null").then_some(version_id),
            ..Default::default()
        })
    }

    pub(super) async fn abort_multipart_upload(
        &self,
        ctx: &Ctx,
        input: AbortMultipartUploadRequest,
    ) -> Result<AbortMultipartUploadOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        self.upload(&bucket.name, &input.key, &input.upload_id)?;
        self.discard_upload(
            &upload_key(&bucket.name, &input.key, &input.upload_id),
            &input.upload_id,
        )?;
        Ok(AbortMultipartUploadOutput::default())
    }

    pub(super) async fn list_parts(
        &self,
        ctx: &Ctx,
        input: ListPartsRequest,
    ) -> Result<ListPartsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let upload = self.upload(&bucket.name, &input.key, &input.upload_id)?;
        let max = input.max_parts.unwrap_or(1000).clamp(0, 1000) as usize;
        let after = input.part_number_marker.unwrap_or(0);
        let mut parts: Vec<PartRecord> = self
            .parts
            .scan_prefix(&format!("{}\0", input.upload_id))
            .into_iter()
            .map(|(_, p)| p)
            .filter(|p| p.part_number > after)
            .collect();
        let truncated = parts.len() > max;
        parts.truncate(max);
        let owner = Owner {
            id: Some(canonical_id(&upload.owner_account)),
            display_name: None,
        };
        Ok(ListPartsOutput {
            bucket: Some(bucket.name),
            key: Some(input.key),
            upload_id: Some(input.upload_id),
            part_number_marker: Some(after),
            next_part_number_marker: parts.last().map(|p| p.part_number),
            max_parts: Some(input.max_parts.unwrap_or(1000)),
            is_truncated: Some(truncated),
            parts: Some(
                parts
                    .iter()
                    .map(|p| {
                        let members = ChecksumMembers::of(p.checksum.as_ref());
                        Part {
                            part_number: Some(p.part_number),
                            last_modified: Some(Timestamp::from_millis(p.last_modified_ms)),
                            e_tag: Some(format!("\"{}\"", p.md5_hex)),
                            size: Some(p.size as i64),
                            checksum_crc32: members.crc32,
                            checksum_crc32_c: members.crc32c,
                            checksum_crc64_nvme: members.crc64nvme,
                            checksum_sha1: members.sha1,
                            checksum_sha256: members.sha256,
                            ..Default::default()
                        }
                    })
                    .collect(),
            )
            .filter(|p: &Vec<Part>| !p.is_empty()),
            initiator: Some(Initiator {
                id: owner.id.clone(),
                display_name: None,
            }),
            owner: Some(owner),
            storage_class: Some(
                upload
                    .storage_class
                    .unwrap_or_else(|| "STANDARD".to_string()),
            ),
            checksum_algorithm: upload.checksum_algorithm,
            checksum_type: upload.checksum_type,
            ..Default::default()
        })
    }

    pub(super) async fn list_multipart_uploads(
        &self,
        ctx: &Ctx,
        input: ListMultipartUploadsRequest,
    ) -> Result<ListMultipartUploadsOutput, S3Error> {
        let bucket =
            self.owned_bucket(ctx, &input.bucket, input.expected_bucket_owner.as_deref())?;
        let max = input.max_uploads.unwrap_or(1000).clamp(0, 1000) as usize;
        let prefix = input.prefix.clone().unwrap_or_default();
        let mut uploads: Vec<UploadRecord> = self
            .uploads
            .scan_prefix(&format!("{}\0{prefix}", bucket.name))
            .into_iter()
            .map(|(_, u)| u)
            .collect();
        // By key, then by initiation time, as S3 lists them.
        uploads.sort_by(|a, b| {
            (a.key.as_str(), a.initiated_ms).cmp(&(b.key.as_str(), b.initiated_ms))
        });
        let mut listed = Vec::new();
        let mut prefixes: Vec<String> = Vec::new();
        let mut truncated = false;
        let mut past_marker = input.upload_id_marker.is_none();
        for upload in uploads {
            if let Some(key_marker) = &input.key_marker {
                if upload.key.as_str() < key_marker.as_str() {
                    continue;
                }
                if &upload.key == key_marker {
                    if !past_marker {
                        if Some(&upload.upload_id) == input.upload_id_marker.as_ref() {
                            past_marker = true;
                        }
                        continue;
                    }
                    if input.upload_id_marker.is_none() {
                        continue;
                    }
                }
            }
            let common = input
                .delimiter
                .as_deref()
                .filter(|d| !d.is_empty())
                .and_then(|d| upload.key[prefix.len()..].find(d).map(|at| (at, d)))
                .map(|(at, d)| upload.key[..prefix.len() + at + d.len()].to_string());
            if let Some(common) = &common
                && prefixes.last() == Some(common)
            {
                continue;
            }
            if listed.len() + prefixes.len() == max {
                truncated = true;
                break;
            }
            match common {
                Some(common) => prefixes.push(common),
                None => listed.push(upload),
            }
        }
        let owner = |account: &str| Owner {
            id: Some(canonical_id(account)),
            display_name: None,
        };
        Ok(ListMultipartUploadsOutput {
            bucket: Some(bucket.name),
            key_marker: Some(input.key_marker.unwrap_or_default()),
            upload_id_marker: Some(input.upload_id_marker.unwrap_or_default()),
            next_key_marker: listed.last().map(|u| u.key.clone()),
            prefix: Some(prefix),
            delimiter: input.delimiter,
            next_upload_id_marker: listed.last().map(|u| u.upload_id.clone()),
            max_uploads: Some(input.max_uploads.unwrap_or(1000)),
            is_truncated: Some(truncated),
            uploads: Some(
                listed
                    .iter()
                    .map(|u| MultipartUpload {
                        upload_id: Some(u.upload_id.clone()),
                        key: Some(u.key.clone()),
                        initiated: Some(Timestamp::from_millis(u.initiated_ms)),
                        storage_class: Some(
                            u.storage_class
                                .clone()
                                .unwrap_or_else(|| "STANDARD".to_string()),
                        ),
                        owner: Some(owner(&u.owner_account)),
                        initiator: Some(Initiator {
                            id: Some(canonical_id(&u.owner_account)),
                            display_name: None,
                        }),
                        checksum_algorithm: u.checksum_algorithm.clone(),
                        checksum_type: u.checksum_type.clone(),
                    })
                    .collect(),
            )
            .filter(|u: &Vec<MultipartUpload>| !u.is_empty()),
            common_prefixes: Some(
                prefixes
                    .into_iter()
                    .map(|p| CommonPrefix { prefix: Some(p) })
                    .collect(),
            )
            .filter(|c: &Vec<CommonPrefix>| !c.is_empty()),
            encoding_type: input.encoding_type,
            request_charged: None,
        })
    }
}

use super::invalid_request;
