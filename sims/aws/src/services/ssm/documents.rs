//! SSM documents: CreateDocument, GetDocument, DescribeDocument, UpdateDocument,
//! UpdateDocumentDefaultVersion, DeleteDocument, ListDocuments, ListDocumentVersions, and
//! sharing (DescribeDocumentPermission, ModifyDocumentPermission).
//!
//! A document keeps every version's content exactly as it was given (its `Hash` is the SHA-256
//! of those bytes) and in the format it was given; what DescribeDocument reports (description,
//! schema version, parameters, platforms) is read from the content by [`super::document_content`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    AccountSharingInfo, CreateDocumentRequest, CreateDocumentResult, DeleteDocumentRequest,
    DeleteDocumentResult, DescribeDocumentPermissionRequest, DescribeDocumentPermissionResponse,
    DescribeDocumentRequest, DescribeDocumentResult, DocumentDefaultVersionDescription,
    DocumentDescription, DocumentIdentifier, DocumentVersionInfo, GetDocumentRequest,
    GetDocumentResult, ListDocumentVersionsRequest, ListDocumentVersionsResult,
    ListDocumentsRequest, ListDocumentsResult, ModifyDocumentPermissionRequest,
    ModifyDocumentPermissionResponse, Tag, UpdateDocumentDefaultVersionRequest,
    UpdateDocumentDefaultVersionResult, UpdateDocumentRequest, UpdateDocumentResult,
};

use super::document_content::{self, Format};
use super::{Ssm, SsmError};
use crate::services::Ctx;

/// The most accounts a document may be shared with.
const MAX_SHARED_ACCOUNTS: usize = 20;

fn no_document() -> SsmError {
    SsmError::new("InvalidDocument", "The specified document does not exist.")
}

fn bad_version() -> SsmError {
    SsmError::new(
        "InvalidDocumentVersion",
        "The document version is not valid or does not exist.",
    )
}

/// One version of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub version: i64,
    pub version_name: Option<String>,
    pub display_name: Option<String>,
    /// The content exactly as given.
    pub content: String,
    pub format: Format,
    pub target_type: Option<String>,
    pub created: i64,
}

impl DocumentVersion {
    fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.content.as_bytes()))
    }
}

/// A stored document: its versions (oldest first), which one is the default, and who it is
/// shared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    pub name: String,
    pub document_type: String,
    pub owner: String,
    pub default_version: i64,
    pub versions: Vec<DocumentVersion>,
    pub tags: Vec<Tag>,
    /// Accounts (or `all`) and the version shared with them.
    pub shared_with: Vec<AccountSharingInfo>,
}

impl DocumentRecord {
    fn latest(&self) -> &DocumentVersion {
        self.versions
            .last()
            .expect("a stored document has at least one version")
    }

    fn version(&self, number: i64) -> Option<&DocumentVersion> {
        self.versions.iter().find(|v| v.version == number)
    }

    fn default(&self) -> &DocumentVersion {
        self.version(self.default_version)
            .unwrap_or_else(|| self.latest())
    }

    /// The version a request names by number (`$LATEST`, `$DEFAULT` or digits) and/or version
    /// name; the default when it names none.
    fn select(
        &self,
        number: Option<&str>,
        version_name: Option<&str>,
    ) -> Result<&DocumentVersion, SsmError> {
        let by_number = match number {
            None => None,
            Some("$LATEST") => Some(self.latest()),
            Some("$DEFAULT") => Some(self.default()),
            Some(digits) => Some(
                digits
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| self.version(n))
                    .ok_or_else(no_document)?,
            ),
        };
        let by_name = match version_name {
            None => None,
            Some(name) => Some(
                self.versions
                    .iter()
                    .find(|v| v.version_name.as_deref() == Some(name))
                    .ok_or_else(no_document)?,
            ),
        };
        match (by_number, by_name) {
            (Some(a), Some(b)) if a.version != b.version => Err(no_document()),
            (Some(a), _) | (None, Some(a)) => Ok(a),
            (None, None) => Ok(self.default()),
        }
    }
}

pub(super) fn document_key(ctx: &Ctx, name: &str) -> String {
    format!("{}{name}", ctx.scope())
}

impl Ssm {
    fn describe(&self, record: &DocumentRecord, version: &DocumentVersion) -> DocumentDescription {
        let facts = document_content::facts(&version.content, version.format);
        DocumentDescription {
            sha1: None,
            hash: Some(version.hash()),
            hash_type: Some("Sha256".to_owned()),
            name: Some(record.name.clone()),
            display_name: version.display_name.clone(),
            version_name: version.version_name.clone(),
            owner: Some(record.owner.clone()),
            created_date: Some(Timestamp(version.created)),
            status: Some("Active".to_owned()),
            document_version: Some(version.version.to_string()),
            description: facts.description,
            parameters: Some(facts.parameters),
            platform_types: Some(facts.platform_types),
            document_type: Some(record.document_type.clone()),
            schema_version: facts.schema_version,
            latest_version: Some(record.latest().version.to_string()),
            default_version: Some(record.default_version.to_string()),
            document_format: Some(version.format.name().to_owned()),
            target_type: version.target_type.clone(),
            tags: Some(record.tags.clone()),
            review_information: None,
            requires: None,
            ..Default::default()
        }
    }

    pub(super) fn document(&self, ctx: &Ctx, name: &str) -> Result<DocumentRecord, SsmError> {
        self.documents
            .get(&document_key(ctx, name))
            .ok_or_else(no_document)
    }

    pub(super) async fn create_document(
        &self,
        ctx: &Ctx,
        input: CreateDocumentRequest,
    ) -> Result<CreateDocumentResult, SsmError> {
        let format = Format::parse(input.document_format.as_deref())?;
        document_content::check(&input.content, format)?;
        let record = DocumentRecord {
            name: input.name.clone(),
            document_type: input.document_type.unwrap_or_else(|| "Command".to_owned()),
            owner: ctx.account_id.clone(),
            default_version: 1,
            versions: vec![DocumentVersion {
                version: 1,
                version_name: input.version_name,
                display_name: input.display_name,
                content: input.content,
                format,
                target_type: input.target_type,
                created: self.now(),
            }],
            tags: input.tags.unwrap_or_default(),
            shared_with: Vec::new(),
        };
        self.documents
            .modify(&document_key(ctx, &input.name), |slot| {
                if slot.is_some() {
                    return Err(SsmError::new(
                        "DocumentAlreadyExists",
                        "The specified document already exists.",
                    ));
                }
                *slot = Some(record.clone());
                Ok(())
            })?;
        Ok(CreateDocumentResult {
            document_description: Some(self.describe(&record, record.latest())),
        })
    }

    pub(super) async fn get_document(
        &self,
        ctx: &Ctx,
        input: GetDocumentRequest,
    ) -> Result<GetDocumentResult, SsmError> {
        let record = self.document(ctx, &input.name)?;
        let version = record.select(
            input.document_version.as_deref(),
            input.version_name.as_deref(),
        )?;
        // GetDocument answers JSON unless asked for another format.
        let format = Format::parse(input.document_format.as_deref())?;
        Ok(GetDocumentResult {
            name: Some(record.name.clone()),
            created_date: Some(Timestamp(version.created)),
            display_name: version.display_name.clone(),
            version_name: version.version_name.clone(),
            document_version: Some(version.version.to_string()),
            status: Some("Active".to_owned()),
            content: Some(document_content::convert(
                &version.content,
                version.format,
                format,
            )),
            document_type: Some(record.document_type.clone()),
            document_format: Some(format.name().to_owned()),
            ..Default::default()
        })
    }

    pub(super) async fn describe_document(
        &self,
        ctx: &Ctx,
        input: DescribeDocumentRequest,
    ) -> Result<DescribeDocumentResult, SsmError> {
        let record = self.document(ctx, &input.name)?;
        let version = record.select(
            input.document_version.as_deref(),
            input.version_name.as_deref(),
        )?;
        Ok(DescribeDocumentResult {
            document: Some(self.describe(&record, version)),
        })
    }

    pub(super) async fn update_document(
        &self,
        ctx: &Ctx,
        input: UpdateDocumentRequest,
    ) -> Result<UpdateDocumentResult, SsmError> {
        let format = Format::parse(input.document_format.as_deref())?;
        let now = self.now();
        let record = self
            .documents
            .modify(&document_key(ctx, &input.name), |slot| {
                let record = slot.as_mut().ok_or_else(no_document)?;
                let latest = record.latest().version;
                match input.document_version.as_deref() {
                    None | Some("$LATEST") => {}
                    Some(number) if number.parse::<i64>().ok() == Some(latest) => {}
                    Some(_) => return Err(bad_version()),
                }
                document_content::check(&input.content, format)?;
                let hash = hex::encode(Sha256::digest(input.content.as_bytes()));
                if record.versions.iter().any(|v| v.hash() == hash) {
                    return Err(SsmError::new(
                        "DuplicateDocumentContent",
                        "The content of the association document matches another document. \
                         Change the content of the document and try again.",
                    ));
                }
                if let Some(name) = &input.version_name
                    && record
                        .versions
                        .iter()
                        .any(|v| v.version_name.as_ref() == Some(name))
                {
                    return Err(SsmError::new(
                        "DuplicateDocumentVersionName",
                        "The specified version name is a duplicate.",
                    ));
                }
                let previous = record.latest().clone();
                record.versions.push(DocumentVersion {
                    version: latest + 1,
                    version_name: input.version_name.clone(),
                    display_name: input.display_name.clone().or(previous.display_name),
                    content: input.content.clone(),
                    format,
                    target_type: input.target_type.clone().or(previous.target_type),
                    created: now,
                });
                Ok(record.clone())
            })?;
        Ok(UpdateDocumentResult {
            document_description: Some(self.describe(&record, record.latest())),
        })
    }

    pub(super) async fn update_document_default_version(
        &self,
        ctx: &Ctx,
        input: UpdateDocumentDefaultVersionRequest,
    ) -> Result<UpdateDocumentDefaultVersionResult, SsmError> {
        let record = self
            .documents
            .modify(&document_key(ctx, &input.name), |slot| {
                let record = slot.as_mut().ok_or_else(no_document)?;
                let version = input
                    .document_version
                    .parse::<i64>()
                    .ok()
                    .filter(|n| record.version(*n).is_some())
                    .ok_or_else(bad_version)?;
                record.default_version = version;
                Ok::<_, SsmError>(record.clone())
            })?;
        Ok(UpdateDocumentDefaultVersionResult {
            description: Some(DocumentDefaultVersionDescription {
                name: Some(record.name.clone()),
                default_version: Some(record.default_version.to_string()),
                default_version_name: record.default().version_name.clone(),
            }),
        })
    }

    pub(super) async fn delete_document(
        &self,
        ctx: &Ctx,
        input: DeleteDocumentRequest,
    ) -> Result<DeleteDocumentResult, SsmError> {
        let whole = input.document_version.is_none() && input.version_name.is_none();
        self.documents
            .modify(&document_key(ctx, &input.name), |slot| {
                let record = slot.as_mut().ok_or_else(no_document)?;
                if !record.shared_with.is_empty() {
                    return Err(SsmError::new(
                        "InvalidDocumentOperation",
                        "You must stop sharing the document before you can delete it.",
                    ));
                }
                if whole {
                    *slot = None;
                    return Ok(());
                }
                let version = record
                    .select(
                        input.document_version.as_deref(),
                        input.version_name.as_deref(),
                    )?
                    .version;
                if version == record.default_version {
                    return Err(SsmError::new(
                        "InvalidDocumentOperation",
                        "Default version of the document can't be deleted.",
                    ));
                }
                record.versions.retain(|v| v.version != version);
                Ok::<_, SsmError>(())
            })?;
        Ok(DeleteDocumentResult {})
    }

    pub(super) async fn list_documents(
        &self,
        ctx: &Ctx,
        input: ListDocumentsRequest,
    ) -> Result<ListDocumentsResult, SsmError> {
        let mut filters: Vec<(String, Vec<String>)> = input
            .document_filter_list
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.key, vec![f.value]))
            .collect();
        for filter in input.filters.unwrap_or_default() {
            if let Some(key) = filter.key {
                filters.push((key, filter.values.unwrap_or_default()));
            }
        }
        let entries = self
            .documents
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record)
            .filter(|record| {
                filters
                    .iter()
                    .all(|(key, values)| matches_filter(record, key, values))
            })
            .map(|record| {
                let version = record.default();
                let facts = document_content::facts(&version.content, version.format);
                let identifier = DocumentIdentifier {
                    name: Some(record.name.clone()),
                    created_date: Some(Timestamp(record.versions[0].created)),
                    display_name: version.display_name.clone(),
                    owner: Some(record.owner.clone()),
                    version_name: version.version_name.clone(),
                    platform_types: Some(facts.platform_types),
                    document_version: Some(version.version.to_string()),
                    document_type: Some(record.document_type.clone()),
                    schema_version: facts.schema_version,
                    document_format: Some(version.format.name().to_owned()),
                    target_type: version.target_type.clone(),
                    tags: Some(record.tags.clone()),
                    ..Default::default()
                };
                (record.name.clone(), identifier)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(ListDocumentsResult {
            document_identifiers: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn list_document_versions(
        &self,
        ctx: &Ctx,
        input: ListDocumentVersionsRequest,
    ) -> Result<ListDocumentVersionsResult, SsmError> {
        let record = self.document(ctx, &input.name)?;
        let entries = record
            .versions
            .iter()
            .map(|version| {
                let info = DocumentVersionInfo {
                    name: Some(record.name.clone()),
                    display_name: version.display_name.clone(),
                    document_version: Some(version.version.to_string()),
                    version_name: version.version_name.clone(),
                    created_date: Some(Timestamp(version.created)),
                    is_default_version: Some(version.version == record.default_version),
                    document_format: Some(version.format.name().to_owned()),
                    status: Some("Active".to_owned()),
                    ..Default::default()
                };
                (format!("{:020}", version.version), info)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 50)?;
        Ok(ListDocumentVersionsResult {
            document_versions: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn describe_document_permission(
        &self,
        ctx: &Ctx,
        input: DescribeDocumentPermissionRequest,
    ) -> Result<DescribeDocumentPermissionResponse, SsmError> {
        let record = self.document(ctx, &input.name)?;
        Ok(DescribeDocumentPermissionResponse {
            account_ids: Some(
                record
                    .shared_with
                    .iter()
                    .filter_map(|info| info.account_id.clone())
                    .collect(),
            ),
            account_sharing_info_list: Some(record.shared_with),
            next_token: None,
        })
    }

    pub(super) async fn modify_document_permission(
        &self,
        ctx: &Ctx,
        input: ModifyDocumentPermissionRequest,
    ) -> Result<ModifyDocumentPermissionResponse, SsmError> {
        let to_add = input.account_ids_to_add.unwrap_or_default();
        let to_remove = input.account_ids_to_remove.unwrap_or_default();
        for accounts in [&to_add, &to_remove] {
            let has_all = accounts.iter().any(|a| a.eq_ignore_ascii_case("all"));
            if has_all && accounts.len() > 1 {
                return Err(SsmError::new(
                    "DocumentPermissionLimit",
                    "Accounts can either be all or a group of AWS accounts",
                ));
            }
        }
        let shared_version = input
            .shared_document_version
            .unwrap_or_else(|| "$DEFAULT".to_owned());
        self.documents
            .modify(&document_key(ctx, &input.name), |slot| {
                let record = slot.as_mut().ok_or_else(no_document)?;
                if !matches!(shared_version.as_str(), "$DEFAULT" | "$LATEST")
                    && record.select(Some(&shared_version), None).is_err()
                {
                    return Err(bad_version());
                }
                record.shared_with.retain(|info| {
                    !to_remove
                        .iter()
                        .any(|account| info.account_id.as_deref() == Some(account))
                });
                for account in &to_add {
                    match record
                        .shared_with
                        .iter_mut()
                        .find(|info| info.account_id.as_deref() == Some(account))
                    {
                        Some(info) => info.shared_document_version = Some(shared_version.clone()),
                        None => record.shared_with.push(AccountSharingInfo {
                            account_id: Some(account.clone()),
                            shared_document_version: Some(shared_version.clone()),
                        }),
                    }
                }
                if record.shared_with.len() > MAX_SHARED_ACCOUNTS {
                    return Err(SsmError::new(
                        "DocumentLimitExceeded",
                        format!(
                            "The document can be shared with at most {MAX_SHARED_ACCOUNTS} accounts."
                        ),
                    ));
                }
                Ok::<_, SsmError>(())
            })?;
        Ok(ModifyDocumentPermissionResponse {})
    }
}

/// Whether a document passes one ListDocuments filter.
fn matches_filter(record: &DocumentRecord, key: &str, values: &[String]) -> bool {
    let version = record.default();
    let any = |candidate: Option<&str>| candidate.is_some_and(|c| values.iter().any(|v| v == c));
    match key {
        "Name" => values.iter().any(|v| record.name.starts_with(v.as_str())),
        "Owner" => values
            .iter()
            .any(|v| matches!(v.as_str(), "Self" | "Private" | "All") || *v == record.owner),
        "DocumentType" => any(Some(&record.document_type)),
        "TargetType" => any(version.target_type.as_deref()),
        "PlatformTypes" => document_content::facts(&version.content, version.format)
            .platform_types
            .iter()
            .any(|p| values.contains(p)),
        "SearchKeyword" => values.iter().any(|v| record.name.contains(v.as_str())),
        "TagKeys" => record.tags.iter().any(|t| values.contains(&t.key)),
        other => match other.strip_prefix("tag:") {
            Some(tag_key) => record
                .tags
                .iter()
                .any(|t| t.key == tag_key && (values.is_empty() || values.contains(&t.value))),
            None => true,
        },
    }
}
