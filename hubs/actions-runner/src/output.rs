//! A step's output as the runner treats it: workflow commands (`::add-mask::`, `::group::`,
//! `::endgroup::`, `::error::`, `::warning::`, `::notice::`, `::debug::`, `::stop-commands::`)
//! turned into the log's `##[...]` lines, secrets and masked values replaced by `***`, and the
//! environment files (`GITHUB_ENV`, `GITHUB_OUTPUT`) parsed with their `NAME<<DELIMITER`
//! heredocs.
//!
//! What this module must not do: write anything unmasked into a log line.

/// The values to hide, longest first so a value containing another is hidden whole.
#[derive(Debug, Default, Clone)]
pub struct Masks {
    values: Vec<String>,
}

impl Masks {
    /// The values masked so far.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    pub fn add(&mut self, value: &str) {
        // One-character masks would wipe the log; the runner also ignores blank ones.
        let value = value.trim();
        if value.len() < 2 || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_string());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    pub fn apply(&self, line: &str) -> String {
        let mut out = line.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), "***");
            }
        }
        out
    }
}

/// What one printed line means.
#[derive(Debug, PartialEq, Eq)]
pub enum Printed {
    /// A line for the log, already in the log's form (`##[error]…` for commands).
    Log(String),
    /// `::add-mask::VALUE`: hide it from here on (the command line itself is not logged).
    Mask(String),
    /// `::error …::MESSAGE` and peers: an annotation, also logged.
    Annotation {
        level: &'static str,
        message: String,
    },
    /// Nothing for the log (`::debug::` without step debugging, a command while stopped).
    Nothing,
}

/// Reads printed lines, keeping the `::stop-commands::` state.
#[derive(Debug, Default)]
pub struct CommandReader {
    stopped_until: Option<String>,
}

impl CommandReader {
    pub fn read(&mut self, line: &str) -> Printed {
        let Some(rest) = line.trim_start().strip_prefix("::") else {
            return Printed::Log(line.to_string());
        };
        let Some((command_and_properties, value)) = rest.split_once("::") else {
            return Printed::Log(line.to_string());
        };
        let command = command_and_properties
            .split_once(' ')
            .map_or(command_and_properties, |(c, _)| c);
        if let Some(token) = &self.stopped_until {
            if command == token {
                self.stopped_until = None;
                return Printed::Nothing;
            }
            return Printed::Log(line.to_string());
        }
        let value = unescape(value);
        match command {
            "add-mask" => Printed::Mask(value),
            "group" => Printed::Log(format!("##[group]{value}")),
            "endgroup" => Printed::Log("##[endgroup]".into()),
            "error" => Printed::Annotation {
                level: "error",
                message: value,
            },
            "warning" => Printed::Annotation {
                level: "warning",
                message: value,
            },
            "notice" => Printed::Annotation {
                level: "notice",
                message: value,
            },
            "debug" => Printed::Nothing,
            "stop-commands" => {
                self.stopped_until = Some(value);
                Printed::Nothing
            }
            // Commands the runner removed (set-output, set-env, add-path) or unknown ones are
            // printed as they are.
            _ => Printed::Log(line.to_string()),
        }
    }
}

/// The runner's escapes in command values (`%25`, `%0D`, `%0A`).
fn unescape(value: &str) -> String {
    value
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

/// Why an environment file could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileCommandError(pub String);

/// `NAME=VALUE` lines and `NAME<<DELIMITER` heredocs, as the runner reads `GITHUB_ENV` and
/// `GITHUB_OUTPUT` (its messages when a heredoc is not closed).
pub fn read_key_values(text: &str) -> Result<Vec<(String, String)>, FileCommandError> {
    let mut pairs = Vec::new();
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let (key, value) = (&line[..e], &line[e + 1..]);
                if key.is_empty() {
                    return Err(FileCommandError(format!(
                        "Invalid format '{line}'. Name must not be empty"
                    )));
                }
                pairs.push((key.to_string(), value.to_string()));
            }
            (_, Some(h)) => {
                let (key, delimiter) = (&line[..h], &line[h + 2..]);
                if key.is_empty() || delimiter.is_empty() {
                    return Err(FileCommandError(format!("Invalid format '{line}'")));
                }
                let mut value = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delimiter => break,
                        Some(l) => value.push(l),
                        None => {
                            return Err(FileCommandError(format!(
                                "Invalid value. Matching delimiter not found '{delimiter}'"
                            )));
                        }
                    }
                }
                pairs.push((key.to_string(), value.join("\n")));
            }
            _ => {
                return Err(FileCommandError(format!("Invalid format '{line}'")));
            }
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_become_log_lines_masks_and_annotations() {
        let mut reader = CommandReader::default();
        assert_eq!(reader.read("plain"), Printed::Log("plain".into()));
        assert_eq!(
            reader.read("::add-mask::s3cret"),
            Printed::Mask("s3cret".into())
        );
        assert_eq!(
            reader.read("::group::Build"),
            Printed::Log("##[group]Build".into())
        );
        assert_eq!(
            reader.read("::endgroup::"),
            Printed::Log("##[endgroup]".into())
        );
        assert_eq!(
            reader.read("::error file=a.rs,line=1::broke%0Ahere"),
            Printed::Annotation {
                level: "error",
                message: "broke\nhere".into()
            }
        );
        assert_eq!(reader.read("::stop-commands::tok"), Printed::Nothing);
        assert_eq!(
            reader.read("::add-mask::x"),
            Printed::Log("::add-mask::x".into())
        );
        assert_eq!(reader.read("::tok::"), Printed::Nothing);
        assert_eq!(reader.read("::debug::hidden"), Printed::Nothing);
    }

    #[test]
    fn masks_hide_every_occurrence_longest_first() {
        let mut masks = Masks::default();
        masks.add("abc");
        masks.add("abcdef");
        masks.add("x");
        assert_eq!(masks.apply("abcdef and abc and x"), "*** and *** and x");
    }

    #[test]
    fn environment_files_with_heredocs() {
        assert_eq!(
            read_key_values("A=1\nB<<EOF\nline one\nline two\nEOF\nC=x=y\n").unwrap(),
            [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "line one\nline two".to_string()),
                ("C".to_string(), "x=y".to_string()),
            ]
        );
        assert_eq!(
            read_key_values("B<<EOF\nno end\n").unwrap_err().0,
            "Invalid value. Matching delimiter not found 'EOF'"
        );
        assert!(read_key_values("nonsense\n").is_err());
    }
}
