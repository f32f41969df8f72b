//! Project numbers. Google gives every project a number beside its ID; with no Resource
//! Manager here, the number is derived from the ID (twelve digits, the same on every run), and
//! every API that shows one (Cloud Storage buckets, Cloud Functions' upload buckets, the
//! metadata server, default service accounts) shows this one.

use sha2::Digest;

/// The twelve-digit number of `project`.
pub fn number(project: &str) -> u64 {
    let digest = sha2::Sha256::digest(project.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    100_000_000_000 + u64::from_be_bytes(bytes) % 900_000_000_000
}

/// The Compute Engine default service account, which Cloud Run and Cloud Functions workloads
/// run as when they name none: `NUMBER-compute@developer.gserviceaccount.com`.
pub fn default_service_account(project: &str) -> String {
    format!("{}-compute@developer.gserviceaccount.com", number(project))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_twelve_digits_and_stable() {
        assert_eq!(super::number("p").to_string().len(), 12);
        assert_eq!(super::number("p"), super::number("p"));
        assert_ne!(super::number("p"), super::number("q"));
    }
}
