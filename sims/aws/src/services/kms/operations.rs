//! The cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey and its
//! variants, GenerateRandom, Sign, Verify, GetPublicKey, GenerateMac and VerifyMac. Each
//! checks the key's state and usage as KMS does before touching material.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sim_aws_shapes::kms::{
    DecryptRequest, DecryptResponse, EncryptRequest, EncryptResponse, GenerateDataKeyPairRequest,
    GenerateDataKeyPairResponse, GenerateDataKeyPairWithoutPlaintextRequest,
    GenerateDataKeyPairWithoutPlaintextResponse, GenerateDataKeyRequest, GenerateDataKeyResponse,
    GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse,
    GenerateMacRequest, GenerateMacResponse, GenerateRandomRequest, GenerateRandomResponse,
    GetPublicKeyRequest, GetPublicKeyResponse, ReEncryptRequest, ReEncryptResponse, SignRequest,
    SignResponse, VerifyMacRequest, VerifyMacResponse, VerifyRequest, VerifyResponse,
};
use sim_aws_shapes::normal::Blob;

use super::crypto::{self, Curve};
use super::{KeyRecord, Kms, KmsError, Scope};
use crate::services::Ctx;

type Context = BTreeMap<String, String>;

fn wrong_usage(record: &KeyRecord, operation: &str) -> KmsError {
    KmsError::InvalidKeyUsage(format!(
        "{} key usage is {} which is not valid for {operation}.",
        record.arn(),
        record.usage()
    ))
}

/// The key an operation uses, enabled and of the usage the operation needs.
fn for_use(record: KeyRecord, usage: &str, operation: &str) -> Result<KeyRecord, KmsError> {
    record.usable()?;
    if record.usage() != usage {
        return Err(wrong_usage(&record, operation));
    }
    Ok(record)
}

/// Seals `plaintext` under a symmetric key's current material.
pub(super) fn seal_with(
    record: &KeyRecord,
    plaintext: &[u8],
    context: &Context,
) -> Result<Vec<u8>, KmsError> {
    record.usable()?;
    if record.spec() != "SYMMETRIC_DEFAULT" {
        return Err(wrong_usage(record, "Encrypt"));
    }
    let index =
        record.materials.len().checked_sub(1).ok_or_else(|| {
            KmsError::InvalidState(format!("{} is pending import.", record.arn()))
        })?;
    let material = &record.materials[index];
    Ok(crypto::seal(
        &record.metadata.key_id,
        u32::try_from(index).unwrap_or(u32::MAX),
        &material.secret_bytes(),
        plaintext,
        context,
    ))
}

fn dry_run(asked: Option<bool>) -> Result<(), KmsError> {
    if asked == Some(true) {
        Err(KmsError::DryRun)
    } else {
        Ok(())
    }
}

fn symmetric_only(algorithm: Option<&str>) -> Result<(), KmsError> {
    match algorithm {
        None | Some("SYMMETRIC_DEFAULT") => Ok(()),
        Some(other) => Err(KmsError::InvalidKeyUsage(format!(
            "Algorithm {other} is incompatible with key spec SYMMETRIC_DEFAULT."
        ))),
    }
}

/// A new data key pair: the key that sealed it, the PKCS#8 private key, the DER public key and
/// the sealed private key.
struct DataKeyPair {
    record: KeyRecord,
    private: Vec<u8>,
    public: Vec<u8>,
    sealed_private: Vec<u8>,
}

/// A data key's length: `NumberOfBytes` or `KeySpec`, exactly one of them.
fn data_key_length(bytes: Option<i32>, spec: Option<&str>) -> Result<usize, KmsError> {
    match (bytes, spec) {
        (Some(bytes), None) => Ok(usize::try_from(bytes).unwrap_or(0)),
        (None, Some("AES_128")) => Ok(16),
        (None, Some(_)) => Ok(32),
        _ => Err(KmsError::Validation(
            "Please specify either number of bytes or key spec.".into(),
        )),
    }
}

impl Kms {
    /// Opens a blob: finds the key it names (which must match `expected` when given), checks
    /// the key may decrypt, and opens it with `context`. Returns the key and the plaintext.
    pub(super) fn open_blob(
        &self,
        scope: &Scope,
        blob: &[u8],
        context: &Context,
        expected: Option<&str>,
    ) -> Result<(KeyRecord, Vec<u8>), KmsError> {
        let envelope = crypto::envelope(blob).map_err(|_| KmsError::InvalidCiphertext)?;
        let record = self
            .keys
            .get(&scope.key_key(envelope.key_id))
            .ok_or(KmsError::InvalidCiphertext)?;
        if let Some(expected) = expected {
            let named = self.find_key(scope, expected, true)?;
            if named.metadata.key_id != record.metadata.key_id {
                return Err(KmsError::IncorrectKey(
                    "The key ID in the request does not identify a CMK that can perform this operation.".into(),
                ));
            }
        }
        let record = for_use(record, "ENCRYPT_DECRYPT", "Decrypt")?;
        let material = usize::try_from(envelope.material)
            .ok()
            .and_then(|index| record.materials.get(index))
            .ok_or(KmsError::InvalidCiphertext)?;
        let plaintext = crypto::open(&envelope, &material.secret_bytes(), context)
            .map_err(|_| KmsError::InvalidCiphertext)?;
        Ok((record, plaintext))
    }

    fn symmetric_key(
        &self,
        scope: &Scope,
        key_id: &str,
        operation: &str,
    ) -> Result<KeyRecord, KmsError> {
        let record = self.find_key(scope, key_id, true)?;
        let record = for_use(record, "ENCRYPT_DECRYPT", operation)?;
        if record.spec() != "SYMMETRIC_DEFAULT" {
            return Err(KmsError::InvalidKeyUsage(format!(
                "{} key spec is {} which is not valid for {operation}.",
                record.arn(),
                record.spec()
            )));
        }
        Ok(record)
    }

    pub(super) async fn encrypt(
        &self,
        ctx: &Ctx,
        input: EncryptRequest,
    ) -> Result<EncryptResponse, KmsError> {
        let scope = Scope::of(ctx);
        let record = self.symmetric_key(&scope, &input.key_id, "Encrypt")?;
        symmetric_only(input.encryption_algorithm.as_deref())?;
        dry_run(input.dry_run)?;
        let context = input.encryption_context.unwrap_or_default();
        let blob = seal_with(&record, &input.plaintext.0, &context)?;
        Ok(EncryptResponse {
            ciphertext_blob: Some(Blob(blob)),
            key_id: Some(record.arn()),
            encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
        })
    }

    pub(super) async fn decrypt(
        &self,
        ctx: &Ctx,
        input: DecryptRequest,
    ) -> Result<DecryptResponse, KmsError> {
        let scope = Scope::of(ctx);
        let blob = input.ciphertext_blob.unwrap_or_default();
        symmetric_only(input.encryption_algorithm.as_deref())?;
        if input.recipient.is_some() {
            return Err(KmsError::Validation(
                "Recipient attestation documents require a Nitro enclave, which Sockerless does not run.".into(),
            ));
        }
        let context = input.encryption_context.unwrap_or_default();
        let (record, plaintext) =
            self.open_blob(&scope, &blob.0, &context, input.key_id.as_deref())?;
        dry_run(input.dry_run)?;
        let material = crypto::envelope(&blob.0)
            .ok()
            .and_then(|envelope| record.materials.get(envelope.material as usize))
            .map(|material| material.id.clone());
        Ok(DecryptResponse {
            key_id: Some(record.arn()),
            plaintext: Some(Blob(plaintext)),
            encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
            ciphertext_for_recipient: None,
            key_material_id: material,
        })
    }

    pub(super) async fn re_encrypt(
        &self,
        ctx: &Ctx,
        input: ReEncryptRequest,
    ) -> Result<ReEncryptResponse, KmsError> {
        let scope = Scope::of(ctx);
        let blob = input.ciphertext_blob.unwrap_or_default();
        symmetric_only(input.source_encryption_algorithm.as_deref())?;
        symmetric_only(input.destination_encryption_algorithm.as_deref())?;
        let source_context = input.source_encryption_context.unwrap_or_default();
        let (source, plaintext) = self.open_blob(
            &scope,
            &blob.0,
            &source_context,
            input.source_key_id.as_deref(),
        )?;
        let destination = self.symmetric_key(&scope, &input.destination_key_id, "ReEncrypt")?;
        dry_run(input.dry_run)?;
        let context = input.destination_encryption_context.unwrap_or_default();
        let sealed = seal_with(&destination, &plaintext, &context)?;
        Ok(ReEncryptResponse {
            ciphertext_blob: Some(Blob(sealed)),
            source_key_id: Some(source.arn()),
            key_id: Some(destination.arn()),
            source_encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
            destination_encryption_algorithm: Some("SYMMETRIC_DEFAULT".into()),
            ..Default::default()
        })
    }

    /// A new data key and its blob under `key_id`.
    fn data_key(
        &self,
        ctx: &Ctx,
        key_id: &str,
        length: usize,
        context: &Context,
        operation: &str,
    ) -> Result<(KeyRecord, Vec<u8>, Vec<u8>), KmsError> {
        let scope = Scope::of(ctx);
        let record = self.symmetric_key(&scope, key_id, operation)?;
        let plaintext = crypto::random_bytes(length);
        let blob = seal_with(&record, &plaintext, context)?;
        Ok((record, plaintext, blob))
    }

    pub(super) async fn generate_data_key(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyRequest,
    ) -> Result<GenerateDataKeyResponse, KmsError> {
        let length = data_key_length(input.number_of_bytes, input.key_spec.as_deref())?;
        let context = input.encryption_context.unwrap_or_default();
        let (record, plaintext, blob) =
            self.data_key(ctx, &input.key_id, length, &context, "GenerateDataKey")?;
        dry_run(input.dry_run)?;
        Ok(GenerateDataKeyResponse {
            ciphertext_blob: Some(Blob(blob)),
            plaintext: Some(Blob(plaintext)),
            key_id: Some(record.arn()),
            key_material_id: record.metadata.current_key_material_id,
            ciphertext_for_recipient: None,
        })
    }

    pub(super) async fn generate_data_key_without_plaintext(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyWithoutPlaintextResponse, KmsError> {
        let length = data_key_length(input.number_of_bytes, input.key_spec.as_deref())?;
        let context = input.encryption_context.unwrap_or_default();
        let (record, _, blob) = self.data_key(
            ctx,
            &input.key_id,
            length,
            &context,
            "GenerateDataKeyWithoutPlaintext",
        )?;
        dry_run(input.dry_run)?;
        Ok(GenerateDataKeyWithoutPlaintextResponse {
            ciphertext_blob: Some(Blob(blob)),
            key_id: Some(record.arn()),
            key_material_id: record.metadata.current_key_material_id,
        })
    }

    /// A new key pair of `spec`, its private key sealed under `key_id`.
    fn data_key_pair(
        &self,
        ctx: &Ctx,
        key_id: &str,
        spec: &str,
        context: &Context,
    ) -> Result<DataKeyPair, KmsError> {
        let scope = Scope::of(ctx);
        let record = self.symmetric_key(&scope, key_id, "GenerateDataKeyPair")?;
        let curve = Curve::of_spec(spec).ok_or_else(|| {
            KmsError::UnsupportedOperation(format!(
                "{spec} data key pairs are not supported by Sockerless's KMS."
            ))
        })?;
        let (private, public) = crypto::new_key_pair(curve);
        let sealed_private = seal_with(&record, &private, context)?;
        Ok(DataKeyPair {
            record,
            private,
            public,
            sealed_private,
        })
    }

    pub(super) async fn generate_data_key_pair(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyPairRequest,
    ) -> Result<GenerateDataKeyPairResponse, KmsError> {
        let context = input.encryption_context.unwrap_or_default();
        let DataKeyPair {
            record,
            private,
            public,
            sealed_private: blob,
        } = self.data_key_pair(ctx, &input.key_id, &input.key_pair_spec, &context)?;
        dry_run(input.dry_run)?;
        Ok(GenerateDataKeyPairResponse {
            private_key_ciphertext_blob: Some(Blob(blob)),
            private_key_plaintext: Some(Blob(private)),
            public_key: Some(Blob(public)),
            key_id: Some(record.arn()),
            key_pair_spec: Some(input.key_pair_spec),
            key_material_id: record.metadata.current_key_material_id,
            ciphertext_for_recipient: None,
        })
    }

    pub(super) async fn generate_data_key_pair_without_plaintext(
        &self,
        ctx: &Ctx,
        input: GenerateDataKeyPairWithoutPlaintextRequest,
    ) -> Result<GenerateDataKeyPairWithoutPlaintextResponse, KmsError> {
        let context = input.encryption_context.unwrap_or_default();
        let DataKeyPair {
            record,
            public,
            sealed_private: blob,
            ..
        } = self.data_key_pair(ctx, &input.key_id, &input.key_pair_spec, &context)?;
        dry_run(input.dry_run)?;
        Ok(GenerateDataKeyPairWithoutPlaintextResponse {
            private_key_ciphertext_blob: Some(Blob(blob)),
            public_key: Some(Blob(public)),
            key_id: Some(record.arn()),
            key_pair_spec: Some(input.key_pair_spec),
            key_material_id: record.metadata.current_key_material_id,
        })
    }

    pub(super) async fn generate_random(
        &self,
        _ctx: &Ctx,
        input: GenerateRandomRequest,
    ) -> Result<GenerateRandomResponse, KmsError> {
        if input.custom_key_store_id.is_some() {
            return Err(KmsError::CustomKeyStoreNotFound(
                "Custom key store is not found.".into(),
            ));
        }
        let length = input
            .number_of_bytes
            .ok_or_else(|| KmsError::Validation("NumberOfBytes is required.".into()))?;
        Ok(GenerateRandomResponse {
            plaintext: Some(Blob(crypto::random_bytes(
                usize::try_from(length).unwrap_or(0),
            ))),
            ciphertext_for_recipient: None,
        })
    }

    /// A signing key, its curve and its checked algorithm.
    fn signing_key(
        &self,
        ctx: &Ctx,
        key_id: &str,
        algorithm: &str,
        message_type: Option<&str>,
        operation: &str,
    ) -> Result<(KeyRecord, Curve), KmsError> {
        let record = self.find_key(&Scope::of(ctx), key_id, true)?;
        let record = for_use(record, "SIGN_VERIFY", operation)?;
        let curve = Curve::of_spec(record.spec()).ok_or_else(|| wrong_usage(&record, operation))?;
        if algorithm != curve.signing_algorithm() {
            return Err(KmsError::InvalidKeyUsage(format!(
                "Algorithm {algorithm} is incompatible with key spec {}.",
                record.spec()
            )));
        }
        if message_type == Some("DIGEST") {
            return Err(KmsError::UnsupportedOperation(
                "Signing a precomputed DIGEST is not supported by Sockerless's KMS; send the RAW message.".into(),
            ));
        }
        Ok((record, curve))
    }

    pub(super) async fn sign(
        &self,
        ctx: &Ctx,
        input: SignRequest,
    ) -> Result<SignResponse, KmsError> {
        let (record, curve) = self.signing_key(
            ctx,
            &input.key_id,
            &input.signing_algorithm,
            input.message_type.as_deref(),
            "Sign",
        )?;
        dry_run(input.dry_run)?;
        let private = STANDARD
            .decode(record.private_key.as_deref().unwrap_or_default())
            .unwrap_or_default();
        let signature = crypto::sign(curve, &private, &input.message.0)
            .ok_or_else(|| wrong_usage(&record, "Sign"))?;
        Ok(SignResponse {
            key_id: Some(record.arn()),
            signature: Some(Blob(signature)),
            signing_algorithm: Some(input.signing_algorithm),
        })
    }

    pub(super) async fn verify(
        &self,
        ctx: &Ctx,
        input: VerifyRequest,
    ) -> Result<VerifyResponse, KmsError> {
        let (record, curve) = self.signing_key(
            ctx,
            &input.key_id,
            &input.signing_algorithm,
            input.message_type.as_deref(),
            "Verify",
        )?;
        dry_run(input.dry_run)?;
        let public = STANDARD
            .decode(record.public_key.as_deref().unwrap_or_default())
            .unwrap_or_default();
        if !crypto::verify(curve, &public, &input.message.0, &input.signature.0) {
            return Err(KmsError::InvalidSignature(String::new()));
        }
        Ok(VerifyResponse {
            key_id: Some(record.arn()),
            signature_valid: Some(true),
            signing_algorithm: Some(input.signing_algorithm),
        })
    }

    pub(super) async fn get_public_key(
        &self,
        ctx: &Ctx,
        input: GetPublicKeyRequest,
    ) -> Result<GetPublicKeyResponse, KmsError> {
        let record = self.find_key(&Scope::of(ctx), &input.key_id, true)?;
        record.usable()?;
        let Some(public) = record.public_key.as_deref() else {
            return Err(KmsError::UnsupportedOperation(format!(
                "{} key spec {} does not have a public key.",
                record.arn(),
                record.spec()
            )));
        };
        let metadata = record.metadata.clone();
        Ok(GetPublicKeyResponse {
            key_id: Some(record.arn()),
            public_key: Some(Blob(STANDARD.decode(public).unwrap_or_default())),
            customer_master_key_spec: metadata.customer_master_key_spec,
            key_spec: metadata.key_spec,
            key_usage: metadata.key_usage,
            encryption_algorithms: metadata.encryption_algorithms,
            signing_algorithms: metadata.signing_algorithms,
            key_agreement_algorithms: metadata.key_agreement_algorithms,
        })
    }

    /// An HMAC key, its algorithm and its secret.
    fn mac_key(
        &self,
        ctx: &Ctx,
        key_id: &str,
        algorithm: &str,
        operation: &str,
    ) -> Result<(KeyRecord, ring::hmac::Algorithm, Vec<u8>), KmsError> {
        let record = self.find_key(&Scope::of(ctx), key_id, true)?;
        let record = for_use(record, "GENERATE_VERIFY_MAC", operation)?;
        let offered = record
            .metadata
            .mac_algorithms
            .as_ref()
            .is_some_and(|algorithms| algorithms.iter().any(|a| a == algorithm));
        let hmac = crypto::hmac_algorithm(algorithm)
            .filter(|_| offered)
            .ok_or_else(|| {
                KmsError::InvalidKeyUsage(format!(
                    "Algorithm {algorithm} is incompatible with key spec {}.",
                    record.spec()
                ))
            })?;
        let secret = record
            .materials
            .last()
            .map(|material| material.secret_bytes())
            .unwrap_or_default();
        Ok((record, hmac, secret))
    }

    pub(super) async fn generate_mac(
        &self,
        ctx: &Ctx,
        input: GenerateMacRequest,
    ) -> Result<GenerateMacResponse, KmsError> {
        let (record, algorithm, secret) =
            self.mac_key(ctx, &input.key_id, &input.mac_algorithm, "GenerateMac")?;
        dry_run(input.dry_run)?;
        Ok(GenerateMacResponse {
            mac: Some(Blob(crypto::mac(algorithm, &secret, &input.message.0))),
            mac_algorithm: Some(input.mac_algorithm),
            key_id: Some(record.arn()),
        })
    }

    pub(super) async fn verify_mac(
        &self,
        ctx: &Ctx,
        input: VerifyMacRequest,
    ) -> Result<VerifyMacResponse, KmsError> {
        let (record, algorithm, secret) =
            self.mac_key(ctx, &input.key_id, &input.mac_algorithm, "VerifyMac")?;
        dry_run(input.dry_run)?;
        if !crypto::mac_valid(algorithm, &secret, &input.message.0, &input.mac.0) {
            return Err(KmsError::InvalidMac(String::new()));
        }
        Ok(VerifyMacResponse {
            key_id: Some(record.arn()),
            mac_valid: Some(true),
            mac_algorithm: Some(input.mac_algorithm),
        })
    }
}
