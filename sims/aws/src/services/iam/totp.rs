//! Virtual MFA devices' one-time passwords, as authenticator apps compute them: TOTP (RFC 6238)
//! over HMAC-SHA1 (RFC 4226), 30-second steps, 6 digits, from a Base32 secret; and the QR code
//! (a PNG) an app scans to learn the secret, holding an `otpauth://` URI.
//!
//! `EnableMFADevice` and `ResyncMFADevice` take two consecutive codes; [`consecutive_pair`]
//! finds the time step of the first, allowing a little clock drift either way, as AWS does.
//!
//! What this module must not do: read the clock (callers pass the time) or keep state.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per TOTP step.
const STEP_SECONDS: i64 = 30;

/// How many steps before and after now a pair may start at (clock drift, slow typing).
const DRIFT_STEPS: i64 = 3;

/// The RFC 4648 Base32 alphabet, in which seeds are written.
pub(crate) const BASE32_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The bytes a Base32 seed (no padding) stands for; `None` if it is not Base32.
pub(crate) fn decode_base32(seed: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(seed.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in seed.bytes().filter(|c| *c != b'=') {
        let value = BASE32_ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(bytes)
}

/// The 6-digit code of `secret` at time step `counter` (RFC 4226 HOTP).
pub(crate) fn code_at(secret: &[u8], counter: i64) -> String {
    // HMAC accepts keys of any length; the error case cannot happen.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    format!("{:06}", binary % 1_000_000)
}

/// The time step of `unix_seconds`.
pub(crate) fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The step at which `first` and then `second` are the codes of two consecutive steps near
/// `now_step`, if they are. `after` excludes steps already used (a resync cannot go back).
pub(crate) fn consecutive_pair(
    secret: &[u8],
    first: &str,
    second: &str,
    now_step: i64,
    after: Option<i64>,
) -> Option<i64> {
    (now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS)
        .filter(|step| after.is_none_or(|used| *step > used))
        .find(|step| code_at(secret, *step) == first && code_at(secret, step + 1) == second)
}

/// A PNG of the QR code encoding `text`, black modules on white, 4 pixels per module with the
/// standard 4-module quiet zone.
pub(crate) fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let size = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; size * size];
    for (index, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (x, y) = (index % modules + QUIET, index / modules + QUIET);
        for dy in 0..SCALE {
            let row = (y * SCALE + dy) * size;
            pixels[row + x * SCALE..row + x * SCALE + SCALE].fill(0);
        }
    }
    let mut png = Vec::new();
    let side = u32::try_from(size).ok()?;
    let mut encoder = png::Encoder::new(&mut png, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().ok()?;
    writer.write_image_data(&pixels).ok()?;
    writer.finish().ok()?;
    Some(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test secret, "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_rfc_6238_vectors() {
        // RFC 6238 appendix B lists 8-digit codes; 6-digit codes are their last six digits.
        let cases = [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ];
        for (time, expected) in cases {
            assert_eq!(code_at(RFC_SECRET, step_of(time)), expected, "at {time}");
        }
    }

    #[test]
    fn base32_round_trips_rfc_4648_vectors() {
        assert_eq!(decode_base32("MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            decode_base32("mzxw6ytboi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(
            decode_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").as_deref(),
            Some(RFC_SECRET)
        );
        assert_eq!(decode_base32("not base32!"), None);
    }

    #[test]
    fn pairs_must_be_consecutive_and_near_now() {
        let now = step_of(1_700_000_000);
        let (a, b, c) = (
            code_at(RFC_SECRET, now - 1),
            code_at(RFC_SECRET, now),
            code_at(RFC_SECRET, now + 1),
        );
        assert_eq!(
            consecutive_pair(RFC_SECRET, &a, &b, now, None),
            Some(now - 1)
        );
        assert_eq!(consecutive_pair(RFC_SECRET, &b, &c, now, None), Some(now));
        assert_eq!(consecutive_pair(RFC_SECRET, &a, &c, now, None), None);
        assert_eq!(consecutive_pair(RFC_SECRET, &b, &a, now, None), None);
        assert_eq!(
            consecutive_pair(RFC_SECRET, &a, &b, now, Some(now - 1)),
            None
        );
        let far = step_of(1_700_000_000 + 3600);
        assert_eq!(consecutive_pair(RFC_SECRET, &a, &b, far, None), None);
    }

    #[test]
    fn qr_codes_are_png_images() {
        let png = qr_png("otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret=ABC")
            .unwrap_or_else(|| panic!("no QR code"));
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(png.as_slice());
        let reader = decoder.read_info().unwrap_or_else(|e| panic!("{e}"));
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert!(info.width >= 100);
    }
}
