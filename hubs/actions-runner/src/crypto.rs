//! Message decryption as the official runner's `MessageListener` does it: the session's
//! `encryptionKey` (`{"encrypted": true, "value": base64}`) is unwrapped with the runner's RSA
//! key (OAEP with SHA-1, SHA-256 under `useFipsEncryption`), and a message that carries an
//! `iv` has its base64 `body` AES-CBC decrypted (PKCS#7) with that key.
//!
//! What this module must not do: accept a body that does not decrypt as if it were clear.

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::{Oaep, RsaPrivateKey};
use serde_json::Value;

use crate::RunnerError;

/// The session's message key, from the session the service answered; `None` when it gave
/// none (messages then come in the clear).
pub fn session_key(
    session: &Value,
    private: &RsaPrivateKey,
) -> Result<Option<Vec<u8>>, RunnerError> {
    let key = &session["encryptionKey"];
    let Some(value) = key["value"].as_str().filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let value = STANDARD
        .decode(value)
        .map_err(|e| RunnerError::Protocol(format!("the session's encryptionKey: {e}")))?;
    if key["encrypted"] != Value::Bool(true) {
        return Ok(Some(value));
    }
    let padding = if session["useFipsEncryption"] == Value::Bool(true) {
        Oaep::new::<sha2::Sha256>()
    } else {
        Oaep::new::<sha1::Sha1>()
    };
    private.decrypt(padding, &value).map(Some).map_err(|e| {
        RunnerError::Protocol(format!(
            "the session key does not unwrap with this runner's key: {e}"
        ))
    })
}

/// A message's body in the clear.
pub fn message_body(message: &Value, key: Option<&[u8]>) -> Result<String, RunnerError> {
    let body = message["body"].as_str().unwrap_or_default();
    let iv = message["iv"].as_str().filter(|iv| !iv.is_empty());
    let (Some(key), Some(iv)) = (key, iv) else {
        return Ok(body.to_string());
    };
    let undecodable = |what: &str, e: String| RunnerError::Protocol(format!("message {what}: {e}"));
    let iv = STANDARD
        .decode(iv)
        .map_err(|e| undecodable("iv", e.to_string()))?;
    let bytes = STANDARD
        .decode(body)
        .map_err(|e| undecodable("body", e.to_string()))?;
    let plain = cbc::Decryptor::<aes::Aes256>::new_from_slices(key, &iv)
        .map_err(|e| undecodable("key", e.to_string()))?
        .decrypt_padded_vec_mut::<Pkcs7>(&bytes)
        .map_err(|e| undecodable("body", e.to_string()))?;
    String::from_utf8(plain).map_err(|e| undecodable("body", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockEncryptMut;
    use serde_json::json;

    #[test]
    fn keys_unwrap_and_bodies_decrypt() {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        let raw = [7u8; 32];
        let wrapped = private
            .to_public_key()
            .encrypt(&mut rsa::rand_core::OsRng, Oaep::new::<sha1::Sha1>(), &raw)
            .unwrap();
        let session = json!({"encryptionKey": {"encrypted": true, "value": STANDARD.encode(wrapped)}, "useFipsEncryption": false});
        let key = session_key(&session, &private).unwrap().unwrap();
        assert_eq!(key, raw);
        let iv = [3u8; 16];
        let body = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .unwrap()
            .encrypt_padded_vec_mut::<Pkcs7>(b"{\"a\":1}");
        let message = json!({"body": STANDARD.encode(body), "iv": STANDARD.encode(iv)});
        assert_eq!(message_body(&message, Some(&key)).unwrap(), "{\"a\":1}");
        assert_eq!(
            message_body(&json!({"body": "clear"}), Some(&key)).unwrap(),
            "clear"
        );
        let tampered = json!({"body": STANDARD.encode([1u8; 16]), "iv": STANDARD.encode(iv)});
        assert!(message_body(&tampered, Some(&key)).is_err());
        assert_eq!(session_key(&json!({}), &private).unwrap(), None);
    }
}
