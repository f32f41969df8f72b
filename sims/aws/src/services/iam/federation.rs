//! Identity providers: OpenID Connect providers (the issuers whose tokens
//! `AssumeRoleWithWebIdentity` accepts, with their client IDs and certificate thumbprints) and
//! SAML providers (an IdP's metadata document), with their tags.
//!
//! An OIDC provider is keyed by its URL without the scheme (`token.actions.githubusercontent.com`),
//! which is also the end of its ARN; a SAML provider by its name. Deleting an OIDC provider
//! that does not exist succeeds, as IAM documents; a SAML provider must exist.
//!
//! What this module must not do: fetch anything. Keys are fetched by STS when a token arrives.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::iam::{
    AddClientIDToOpenIDConnectProviderRequest, CreateOpenIDConnectProviderRequest,
    CreateOpenIDConnectProviderResponse, CreateSAMLProviderRequest, CreateSAMLProviderResponse,
    DeleteOpenIDConnectProviderRequest, DeleteSAMLProviderRequest, GetOpenIDConnectProviderRequest,
    GetOpenIDConnectProviderResponse, GetSAMLProviderRequest, GetSAMLProviderResponse,
    ListOpenIDConnectProviderTagsRequest, ListOpenIDConnectProviderTagsResponse,
    ListOpenIDConnectProvidersRequest, ListOpenIDConnectProvidersResponse,
    ListSAMLProviderTagsRequest, ListSAMLProviderTagsResponse, ListSAMLProvidersRequest,
    ListSAMLProvidersResponse, OpenIDConnectProviderListEntry,
    RemoveClientIDFromOpenIDConnectProviderRequest, SAMLProviderListEntry, Tag,
    TagOpenIDConnectProviderRequest, TagSAMLProviderRequest, UntagOpenIDConnectProviderRequest,
    UntagSAMLProviderRequest, UpdateOpenIDConnectProviderThumbprintRequest,
    UpdateSAMLProviderRequest, UpdateSAMLProviderResponse,
};
use sim_aws_shapes::normal::Timestamp;

use super::tags::TagKeys;
use super::{Iam, IamError};
use crate::services::Ctx;

/// IAM's quotas on an OIDC provider's lists.
const MAX_THUMBPRINTS: usize = 5;
const MAX_CLIENT_IDS: usize = 100;

/// A stored OpenID Connect provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcProvider {
    pub arn: String,
    pub account_id: String,
    /// Without the scheme: `token.actions.githubusercontent.com`.
    pub url: String,
    pub client_ids: Vec<String>,
    /// Lower-case hex SHA-1 thumbprints of the provider's top TLS certificate.
    pub thumbprints: Vec<String>,
    pub create_date_ms: i64,
    pub tags: Vec<Tag>,
}

/// A stored SAML provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamlProvider {
    pub arn: String,
    pub name: String,
    pub uuid: String,
    pub metadata: String,
    pub create_date_ms: i64,
    pub valid_until_ms: i64,
    pub assertion_encryption_mode: Option<String>,
    pub tags: Vec<Tag>,
}

fn oidc_key(account: &str, url: &str) -> String {
    format!("{account}/{url}")
}

fn no_such_oidc(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

fn no_such_saml(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("SAMLProvider not found for arn {arn}"))
}

/// The URL part of an OIDC provider ARN in the caller's account.
fn oidc_url_of<'a>(ctx: &Ctx, arn: &'a str) -> Option<&'a str> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    (account == ctx.account_id)
        .then(|| resource.strip_prefix("oidc-provider/"))
        .flatten()
}

fn thumbprints(list: Option<Vec<String>>) -> Result<Vec<String>, IamError> {
    let list: Vec<String> = list
        .unwrap_or_default()
        .into_iter()
        .map(|thumbprint| thumbprint.to_ascii_lowercase())
        .collect();
    if list.len() > MAX_THUMBPRINTS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {MAX_THUMBPRINTS}"
        )));
    }
    if list
        .iter()
        .any(|thumbprint| !thumbprint.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(IamError::InvalidInput(
            "Thumbprint must be a 40-character hexadecimal string.".into(),
        ));
    }
    Ok(list)
}

fn add_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn merge(tags: &mut Vec<Tag>, new: Vec<Tag>) -> Result<(), IamError> {
    super::tags::merge_tags(tags, new, TagKeys::CaseInsensitive)
}

fn remove(tags: &mut Vec<Tag>, keys: &[String]) {
    super::tags::remove_tags(tags, keys, TagKeys::CaseInsensitive);
}

/// One page of tags, ordered by key.
fn tag_page(
    tags: Vec<Tag>,
    marker: Option<&str>,
    max_items: Option<i32>,
) -> Result<super::paging::Page<Tag>, IamError> {
    super::tags::page_tags(tags, TagKeys::CaseInsensitive, marker, max_items)
}

impl Iam {
    /// The provider whose URL (without scheme) is `url`, in `account`: what STS checks a web
    /// identity token's issuer against.
    pub fn oidc_provider(&self, account: &str, url: &str) -> Option<OidcProvider> {
        self.oidc_providers.get(&oidc_key(account, url))
    }

    /// The SAML provider an ARN names, in any account.
    pub fn saml_provider(&self, arn: &str) -> Option<SamlProvider> {
        let rest = arn.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let name = resource.strip_prefix("saml-provider/")?;
        self.saml_providers
            .get(&super::key(account, name))
            .filter(|provider| provider.arn == arn)
    }

    fn oidc_by_arn(&self, ctx: &Ctx, arn: &str) -> Result<OidcProvider, IamError> {
        oidc_url_of(ctx, arn)
            .and_then(|url| self.oidc_providers.get(&oidc_key(&ctx.account_id, url)))
            .ok_or_else(|| no_such_oidc(arn))
    }

    fn modify_oidc(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut OidcProvider) -> Result<(), IamError>,
    ) -> Result<(), IamError> {
        let mut provider = self.oidc_by_arn(ctx, arn)?;
        change(&mut provider)?;
        self.oidc_providers
            .insert(&oidc_key(&ctx.account_id, &provider.url), provider)?;
        Ok(())
    }

    pub(crate) async fn create_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: CreateOpenIDConnectProviderRequest,
    ) -> Result<CreateOpenIDConnectProviderResponse, IamError> {
        let Some(url) = input.url.strip_prefix("https://") else {
            return Err(IamError::Validation(
                "Invalid Open ID Connect Provider URL".into(),
            ));
        };
        let url = url.trim_end_matches('/').to_string();
        if url.is_empty() || url.contains(['?', '#']) {
            return Err(IamError::Validation(
                "Invalid Open ID Connect Provider URL".into(),
            ));
        }
        let mut client_ids = Vec::new();
        for client_id in input.client_id_list.unwrap_or_default() {
            add_unique(&mut client_ids, client_id);
        }
        if client_ids.len() > MAX_CLIENT_IDS {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
            )));
        }
        let mut tags = Vec::new();
        merge(&mut tags, input.tags.unwrap_or_default())?;
        let key = oidc_key(&ctx.account_id, &url);
        if self.oidc_providers.contains(&key) {
            return Err(IamError::EntityAlreadyExists(format!(
                "Provider with url {} already exists.",
                input.url
            )));
        }
        let arn = format!("arn:aws:iam::{}:oidc-provider/{url}", ctx.account_id);
        let provider = OidcProvider {
            arn: arn.clone(),
            account_id: ctx.account_id.clone(),
            url,
            client_ids,
            thumbprints: thumbprints(input.thumbprint_list)?,
            create_date_ms: self.now_millis(),
            tags: tags.clone(),
        };
        self.oidc_providers.insert(&key, provider)?;
        Ok(CreateOpenIDConnectProviderResponse {
            open_id_connect_provider_arn: Some(arn),
            tags: (!tags.is_empty()).then_some(tags),
        })
    }

    pub(crate) async fn get_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: GetOpenIDConnectProviderRequest,
    ) -> Result<GetOpenIDConnectProviderResponse, IamError> {
        let provider = self.oidc_by_arn(ctx, &input.open_id_connect_provider_arn)?;
        Ok(GetOpenIDConnectProviderResponse {
            url: Some(provider.url),
            client_id_list: Some(provider.client_ids),
            thumbprint_list: Some(provider.thumbprints),
            create_date: Some(Timestamp::from_millis(provider.create_date_ms)),
            tags: Some(provider.tags),
        })
    }

    pub(crate) async fn list_open_id_connect_providers(
        &self,
        ctx: &Ctx,
        _input: ListOpenIDConnectProvidersRequest,
    ) -> Result<ListOpenIDConnectProvidersResponse, IamError> {
        let mut providers = self
            .oidc_providers
            .scan_prefix(&format!("{}/", ctx.account_id));
        providers.sort_by(|a, b| a.1.arn.cmp(&b.1.arn));
        Ok(ListOpenIDConnectProvidersResponse {
            open_id_connect_provider_list: Some(
                providers
                    .into_iter()
                    .map(|(_, provider)| OpenIDConnectProviderListEntry {
                        arn: Some(provider.arn),
                    })
                    .collect(),
            ),
        })
    }

    pub(crate) async fn delete_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: DeleteOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        if let Some(url) = oidc_url_of(ctx, &input.open_id_connect_provider_arn) {
            self.oidc_providers
                .remove(&oidc_key(&ctx.account_id, url))?;
        }
        Ok(())
    }

    pub(crate) async fn update_open_id_connect_provider_thumbprint(
        &self,
        ctx: &Ctx,
        input: UpdateOpenIDConnectProviderThumbprintRequest,
    ) -> Result<(), IamError> {
        let list = thumbprints(Some(input.thumbprint_list))?;
        self.modify_oidc(ctx, &input.open_id_connect_provider_arn, |provider| {
            provider.thumbprints = list;
            Ok(())
        })
    }

    pub(crate) async fn add_client_id_to_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: AddClientIDToOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        self.modify_oidc(ctx, &input.open_id_connect_provider_arn, |provider| {
            add_unique(&mut provider.client_ids, input.client_id);
            if provider.client_ids.len() > MAX_CLIENT_IDS {
                return Err(IamError::LimitExceeded(format!(
                    "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
                )));
            }
            Ok(())
        })
    }

    pub(crate) async fn remove_client_id_from_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: RemoveClientIDFromOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        self.modify_oidc(ctx, &input.open_id_connect_provider_arn, |provider| {
            provider.client_ids.retain(|id| id != &input.client_id);
            Ok(())
        })
    }

    pub(crate) async fn tag_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: TagOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        self.modify_oidc(ctx, &input.open_id_connect_provider_arn, |provider| {
            merge(&mut provider.tags, input.tags)
        })
    }

    pub(crate) async fn untag_open_id_connect_provider(
        &self,
        ctx: &Ctx,
        input: UntagOpenIDConnectProviderRequest,
    ) -> Result<(), IamError> {
        self.modify_oidc(ctx, &input.open_id_connect_provider_arn, |provider| {
            remove(&mut provider.tags, &input.tag_keys);
            Ok(())
        })
    }

    pub(crate) async fn list_open_id_connect_provider_tags(
        &self,
        ctx: &Ctx,
        input: ListOpenIDConnectProviderTagsRequest,
    ) -> Result<ListOpenIDConnectProviderTagsResponse, IamError> {
        let provider = self.oidc_by_arn(ctx, &input.open_id_connect_provider_arn)?;
        let page = tag_page(provider.tags, input.marker.as_deref(), input.max_items)?;
        Ok(ListOpenIDConnectProviderTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }

    fn saml_by_arn(&self, ctx: &Ctx, arn: &str) -> Result<SamlProvider, IamError> {
        self.saml_provider(arn)
            .filter(|provider| {
                provider
                    .arn
                    .starts_with(&format!("arn:aws:iam::{}:", ctx.account_id))
            })
            .ok_or_else(|| no_such_saml(arn))
    }

    fn modify_saml(
        &self,
        ctx: &Ctx,
        arn: &str,
        change: impl FnOnce(&mut SamlProvider) -> Result<(), IamError>,
    ) -> Result<SamlProvider, IamError> {
        let mut provider = self.saml_by_arn(ctx, arn)?;
        change(&mut provider)?;
        self.saml_providers.insert(
            &super::key(&ctx.account_id, &provider.name),
            provider.clone(),
        )?;
        Ok(provider)
    }

    pub(crate) async fn create_saml_provider(
        &self,
        ctx: &Ctx,
        input: CreateSAMLProviderRequest,
    ) -> Result<CreateSAMLProviderResponse, IamError> {
        let metadata = saml_metadata(&input.saml_metadata_document)?;
        let mut tags = Vec::new();
        merge(&mut tags, input.tags.unwrap_or_default())?;
        let key = super::key(&ctx.account_id, &input.name);
        if self.saml_providers.contains(&key) {
            return Err(IamError::EntityAlreadyExists(format!(
                "SAMLProvider {} already exists",
                input.name
            )));
        }
        let arn = format!(
            "arn:aws:iam::{}:saml-provider/{}",
            ctx.account_id, input.name
        );
        let now = self.now_millis();
        let provider = SamlProvider {
            arn: arn.clone(),
            name: input.name,
            uuid: self.kit.ids().uuid(),
            metadata: input.saml_metadata_document,
            create_date_ms: now,
            valid_until_ms: metadata.valid_until_ms.unwrap_or(now + HUNDRED_YEARS_MS),
            assertion_encryption_mode: input.assertion_encryption_mode,
            tags: tags.clone(),
        };
        self.saml_providers.insert(&key, provider)?;
        Ok(CreateSAMLProviderResponse {
            saml_provider_arn: Some(arn),
            tags: (!tags.is_empty()).then_some(tags),
        })
    }

    pub(crate) async fn get_saml_provider(
        &self,
        ctx: &Ctx,
        input: GetSAMLProviderRequest,
    ) -> Result<GetSAMLProviderResponse, IamError> {
        let provider = self.saml_by_arn(ctx, &input.saml_provider_arn)?;
        Ok(GetSAMLProviderResponse {
            saml_provider_uuid: Some(provider.uuid),
            saml_metadata_document: Some(provider.metadata),
            create_date: Some(Timestamp::from_millis(provider.create_date_ms)),
            valid_until: Some(Timestamp::from_millis(provider.valid_until_ms)),
            tags: (!provider.tags.is_empty()).then_some(provider.tags),
            assertion_encryption_mode: provider.assertion_encryption_mode,
            private_key_list: None,
        })
    }

    pub(crate) async fn list_saml_providers(
        &self,
        ctx: &Ctx,
        _input: ListSAMLProvidersRequest,
    ) -> Result<ListSAMLProvidersResponse, IamError> {
        let mut providers = self
            .saml_providers
            .scan_prefix(&format!("{}/", ctx.account_id));
        providers.sort_by(|a, b| a.1.arn.cmp(&b.1.arn));
        Ok(ListSAMLProvidersResponse {
            saml_provider_list: Some(
                providers
                    .into_iter()
                    .map(|(_, provider)| SAMLProviderListEntry {
                        arn: Some(provider.arn),
                        valid_until: Some(Timestamp::from_millis(provider.valid_until_ms)),
                        create_date: Some(Timestamp::from_millis(provider.create_date_ms)),
                    })
                    .collect(),
            ),
        })
    }

    pub(crate) async fn update_saml_provider(
        &self,
        ctx: &Ctx,
        input: UpdateSAMLProviderRequest,
    ) -> Result<UpdateSAMLProviderResponse, IamError> {
        let metadata = match &input.saml_metadata_document {
            Some(document) => Some((document.clone(), saml_metadata(document)?)),
            None => None,
        };
        let now = self.now_millis();
        let provider = self.modify_saml(ctx, &input.saml_provider_arn, |provider| {
            if let Some((document, parsed)) = metadata {
                provider.metadata = document;
                provider.valid_until_ms = parsed.valid_until_ms.unwrap_or(now + HUNDRED_YEARS_MS);
            }
            if let Some(mode) = input.assertion_encryption_mode {
                provider.assertion_encryption_mode = Some(mode);
            }
            Ok(())
        })?;
        Ok(UpdateSAMLProviderResponse {
            saml_provider_arn: Some(provider.arn),
        })
    }

    pub(crate) async fn delete_saml_provider(
        &self,
        ctx: &Ctx,
        input: DeleteSAMLProviderRequest,
    ) -> Result<(), IamError> {
        let provider = self.saml_by_arn(ctx, &input.saml_provider_arn)?;
        self.saml_providers
            .remove(&super::key(&ctx.account_id, &provider.name))?;
        Ok(())
    }

    pub(crate) async fn tag_saml_provider(
        &self,
        ctx: &Ctx,
        input: TagSAMLProviderRequest,
    ) -> Result<(), IamError> {
        self.modify_saml(ctx, &input.saml_provider_arn, |provider| {
            merge(&mut provider.tags, input.tags)
        })
        .map(|_| ())
    }

    pub(crate) async fn untag_saml_provider(
        &self,
        ctx: &Ctx,
        input: UntagSAMLProviderRequest,
    ) -> Result<(), IamError> {
        self.modify_saml(ctx, &input.saml_provider_arn, |provider| {
            remove(&mut provider.tags, &input.tag_keys);
            Ok(())
        })
        .map(|_| ())
    }

    pub(crate) async fn list_saml_provider_tags(
        &self,
        ctx: &Ctx,
        input: ListSAMLProviderTagsRequest,
    ) -> Result<ListSAMLProviderTagsResponse, IamError> {
        let provider = self.saml_by_arn(ctx, &input.saml_provider_arn)?;
        let page = tag_page(provider.tags, input.marker.as_deref(), input.max_items)?;
        Ok(ListSAMLProviderTagsResponse {
            tags: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    }
}

/// When metadata names no `validUntil`, the provider stays valid this long.
const HUNDRED_YEARS_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

/// What IAM reads from a SAML metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlMetadata {
    pub entity_id: String,
    pub valid_until_ms: Option<i64>,
    /// The base64 DER signing certificates of the IdP.
    pub certificates: Vec<String>,
}

/// Parses an IdP's metadata: an `EntityDescriptor` with an `IDPSSODescriptor`, its
/// `entityID`, `validUntil` and signing certificates.
pub fn saml_metadata(document: &str) -> Result<SamlMetadata, IamError> {
    let invalid = || IamError::InvalidInput("Could not parse metadata".into());
    let root = crate::protocol::xml::parse(document.as_bytes()).map_err(|_| invalid())?;
    if root.name != "EntityDescriptor" {
        return Err(invalid());
    }
    let idp = root.child("IDPSSODescriptor").ok_or_else(invalid)?;
    let entity_id = root.attribute("entityID").ok_or_else(invalid)?.to_string();
    let valid_until_ms = root
        .attribute("validUntil")
        .and_then(crate::policy::condition::epoch_millis)
        .and_then(|ms| i64::try_from(ms).ok());
    let mut certificates = Vec::new();
    let mut pending = vec![idp];
    while let Some(element) = pending.pop() {
        if element.name == "X509Certificate" {
            certificates.push(element.text.split_whitespace().collect());
        }
        pending.extend(element.children.iter());
    }
    Ok(SamlMetadata {
        entity_id,
        valid_until_ms,
        certificates,
    })
}
