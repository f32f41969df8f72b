//! `artifacts: reports: dotenv`: the gzip-compressed `.env` file a runner uploads, read as
//! GitLab's `ParseDotenvArtifactService` reads it (one `KEY=value` a line, the key letters,
//! digits and `_`, a value wrapped in matching quotes unwrapped, at most 5 KiB and 20
//! variables), so later jobs get the variables.
//!
//! What this module must not do: decompress without a bound (the file is small by rule).

use std::io::Read;

/// GitLab's limits: the file's size, and its variable count (the default plan limit).
const MAX_BYTES: u64 = 5 * 1024;
const MAX_VARIABLES: usize = 20;

/// The variables of a gzipped dotenv file, or GitLab's message for a bad one.
pub fn parse_gzipped(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|_| "Invalid Format".to_string())?;
    if text.len() as u64 > MAX_BYTES {
        return Err("Dotenv Artifact Too Big. Maximum Allowable Size: 5 KiB".into());
    }
    parse(&text)
}

/// The variables of a dotenv text.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let (key, value) = line.split_once('=').ok_or("Invalid Format")?;
        let key_ok = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            return Err("Invalid Format".into());
        }
        let value = unquote(value);
        out.retain(|(existing, _)| existing != key);
        out.push((key.to_string(), value.to_string()));
        if out.len() > MAX_VARIABLES {
            return Err(format!(
                "Dotenv files cannot have more than {MAX_VARIABLES} variables"
            ));
        }
    }
    Ok(out)
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keys_and_quotes() {
        assert_eq!(
            parse("BUILD_VERSION=1.2.3\nQUOTED='a b'\nDOUBLE=\"x=y\"\nBUILD_VERSION=1.2.4\n"),
            Ok(vec![
                ("QUOTED".to_string(), "a b".to_string()),
                ("DOUBLE".to_string(), "x=y".to_string()),
                ("BUILD_VERSION".to_string(), "1.2.4".to_string()),
            ])
        );
        assert_eq!(parse("not a pair\n"), Err("Invalid Format".to_string()));
        assert_eq!(parse("1ABC=x\n"), Err("Invalid Format".to_string()));
        let many: String = (0..21).map(|i| format!("K{i}=v\n")).collect();
        assert_eq!(
            parse(&many),
            Err("Dotenv files cannot have more than 20 variables".to_string())
        );
    }

    #[test]
    fn gzipped_files_are_bounded() {
        use std::io::Write;
        let gzip = |text: &str| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(text.as_bytes()).expect("gzip");
            encoder.finish().expect("gzip")
        };
        assert_eq!(
            parse_gzipped(&gzip("A=1\n")),
            Ok(vec![("A".to_string(), "1".to_string())])
        );
        assert_eq!(
            parse_gzipped(&gzip(&format!("A={}\n", "x".repeat(6000)))),
            Err("Dotenv Artifact Too Big. Maximum Allowable Size: 5 KiB".to_string())
        );
        assert_eq!(parse_gzipped(b"plain"), Err("Invalid Format".to_string()));
    }
}
