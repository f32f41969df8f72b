//! Message encryption as the runner negotiates it: each session gets a fresh AES-256 key,
//! handed to the runner wrapped with the RSA public key it registered (OAEP with SHA-1, or
//! SHA-256 when the session asks for `useFipsEncryption`), and every message body is
//! AES-256-CBC encrypted with that key and a fresh IV (PKCS#7 padding), base64 in `body` with
//! the IV in `iv`, which is what the runner's `MessageListener.DecryptMessage` reads.
//!
//! What this module must not do: reuse an IV, or draw key material from the kit's ID stream
//! (which is for identifiers, not secrets): keys and IVs come from the system's random source.

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::rand::{SecureRandom, SystemRandom};
use rsa::{BigUint, Oaep, RsaPublicKey};

use super::model::AgentRecord;

type Encryptor = cbc::Encryptor<aes::Aes256>;

/// A session's key: the raw bytes the service keeps, and the runner's wrapped copy.
pub struct SessionKey {
    pub raw: Vec<u8>,
    pub wrapped: Vec<u8>,
}

fn random(bytes: &mut [u8]) -> Result<(), String> {
    SystemRandom::new()
        .fill(bytes)
        .map_err(|_| "the system's random source failed".to_string())
}

/// A new key for a session of `agent`, wrapped with its registered public key.
pub fn session_key(agent: &AgentRecord, fips: bool) -> Result<SessionKey, String> {
    let decode = |text: &str| {
        STANDARD
            .decode(text)
            .map_err(|e| format!("the agent's key: {e}"))
    };
    let public = RsaPublicKey::new(
        BigUint::from_bytes_be(&decode(&agent.modulus)?),
        BigUint::from_bytes_be(&decode(&agent.exponent)?),
    )
    .map_err(|e| format!("the agent's key: {e}"))?;
    let mut raw = vec![0u8; 32];
    random(&mut raw)?;
    let padding = if fips {
        Oaep::new::<sha2::Sha256>()
    } else {
        Oaep::new::<sha1::Sha1>()
    };
    let wrapped = public
        .encrypt(&mut rsa::rand_core::OsRng, padding, &raw)
        .map_err(|e| format!("wrapping the session key: {e}"))?;
    Ok(SessionKey { raw, wrapped })
}

/// `(iv, body)` as the message carries them, both base64.
pub fn encrypt_body(key: &[u8], body: &str) -> Result<(String, String), String> {
    let mut iv = [0u8; 16];
    random(&mut iv)?;
    let cipher = Encryptor::new_from_slices(key, &iv).map_err(|e| format!("session key: {e}"))?;
    let encrypted = cipher.encrypt_padded_vec_mut::<Pkcs7>(body.as_bytes());
    Ok((STANDARD.encode(iv), STANDARD.encode(encrypted)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockDecryptMut;
    use rsa::RsaPrivateKey;
    use rsa::traits::PublicKeyParts;

    #[test]
    fn the_runner_can_unwrap_the_key_and_decrypt_the_body() {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        let agent = AgentRecord {
            id: 1,
            repo_id: 1,
            name: "r".into(),
            version: "2".into(),
            os_description: "Linux".into(),
            labels: Vec::new(),
            ephemeral: false,
            disable_update: false,
            max_parallelism: 1,
            client_id: "c".into(),
            exponent: STANDARD.encode(private.e().to_bytes_be()),
            modulus: STANDARD.encode(private.n().to_bytes_be()),
            created_at: 0,
            status_changed_at: 0,
        };
        for fips in [false, true] {
            let key = session_key(&agent, fips).unwrap();
            let padding = if fips {
                Oaep::new::<sha2::Sha256>()
            } else {
                Oaep::new::<sha1::Sha1>()
            };
            assert_eq!(private.decrypt(padding, &key.wrapped).unwrap(), key.raw);
            let (iv, body) = encrypt_body(&key.raw, "{\"jobId\":\"x\"}").unwrap();
            let (iv, body) = (STANDARD.decode(iv).unwrap(), STANDARD.decode(body).unwrap());
            assert_eq!(body.len() % 16, 0);
            let plain = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key.raw, &iv)
                .unwrap()
                .decrypt_padded_vec_mut::<Pkcs7>(&body)
                .unwrap();
            assert_eq!(plain, b"{\"jobId\":\"x\"}");
        }
    }
}
