//! Routing from the vendored discovery documents: every method's path template (RFC 6570:
//! `{var}` is one segment, `{+var}` may span segments) compiled once, and a request's method
//! and raw path matched against them. Where a method has a `flatPath` (one simple variable per
//! segment) it decides whether the method matches, and `path` gives the values of its
//! reserved-expansion parameters (`{+name}` = `projects/p/locations/l/jobs/j`).
//!
//! When several templates match, the one with the most literal characters wins, so
//! `jobs/{id}:run` beats `jobs/{id}` and `b/{bucket}/o/{object}/compose` beats nothing shorter.
//!
//! Must not: know any service; decode bodies.

use std::sync::OnceLock;

use sim_gcp_shapes::{METHODS, Method};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Var { name: String, reserved: bool },
}

#[derive(Debug, Clone)]
pub struct Template {
    tokens: Vec<Token>,
    literal_len: usize,
}

impl Template {
    pub fn parse(text: &str) -> Self {
        let mut tokens = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                tokens.push(Token::Literal(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let inner = &rest[open + 1..open + close];
            let (name, reserved) = match inner.strip_prefix('+') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            tokens.push(Token::Var {
                name: name.to_string(),
                reserved,
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            tokens.push(Token::Literal(rest.to_string()));
        }
        let literal_len = tokens
            .iter()
            .map(|t| match t {
                Token::Literal(text) => text.len(),
                Token::Var { .. } => 0,
            })
            .sum();
        Self {
            tokens,
            literal_len,
        }
    }

    /// The variables' raw (still percent-encoded) values if `path` matches.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let mut values = Vec::new();
        match_tokens(&self.tokens, path, &mut values).then_some(values)
    }
}

fn match_tokens(tokens: &[Token], path: &str, values: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return path.is_empty();
    };
    match first {
        Token::Literal(text) => path
            .strip_prefix(text.as_str())
            .is_some_and(|after| match_tokens(rest, after, values)),
        Token::Var { name, reserved } => {
            // Longest first: a variable followed by a literal suffix (`{jobsId}:run`) backs off
            // until the suffix matches.
            let limit = if *reserved {
                path.len()
            } else {
                path.find('/').unwrap_or(path.len())
            };
            for end in (1..=limit).rev() {
                if !path.is_char_boundary(end) {
                    continue;
                }
                values.push((name.clone(), path[..end].to_string()));
                if match_tokens(rest, &path[end..], values) {
                    return true;
                }
                values.pop();
            }
            false
        }
    }
}

/// A method's compiled templates.
#[derive(Debug)]
struct Compiled {
    method: &'static Method,
    /// Decides the match: `flatPath` when there is one, else `path`.
    selector: Template,
    /// Gives the parameters.
    path: Template,
    uploads: Vec<Template>,
}

fn compiled() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        METHODS
            .iter()
            .map(|method| {
                let full = |template: &str| format!("/{}{}", method.service_path, template);
                let path = Template::parse(&full(method.path));
                let selector = method
                    .flat_path
                    .map(|flat| Template::parse(&full(flat)))
                    .unwrap_or_else(|| path.clone());
                Compiled {
                    method,
                    selector,
                    path,
                    uploads: method
                        .upload_paths
                        .iter()
                        .map(|p| Template::parse(p))
                        .collect(),
                }
            })
            .collect()
    })
}

/// What a request path routed to.
#[derive(Debug)]
pub struct Routed {
    pub method: &'static Method,
    /// Path parameters, percent-decoded.
    pub params: Vec<(String, String)>,
    /// The request came to the method's media upload path.
    pub upload: bool,
}

impl Routed {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// Finds the method `http_method path` calls. `path` is raw, as on the request line. APIs on
/// different hosts share paths (Cloud Run's and Cloud Functions' `v2/{+name}` operations):
/// `api`, from the host name the client addressed, picks among them when it names one.
pub fn route(http_method: &str, path: &str, api: Option<&str>) -> Option<Routed> {
    if let Some(api) = api
        && let Some(routed) = route_among(http_method, path, |method| method.api == api)
    {
        return Some(routed);
    }
    route_among(http_method, path, |_| true)
}

fn route_among(http_method: &str, path: &str, admit: impl Fn(&Method) -> bool) -> Option<Routed> {
    let upload = path.starts_with("/upload/") || path.starts_with("/resumable/upload/");
    let mut best: Option<(usize, Routed)> = None;
    for compiled in compiled() {
        if compiled.method.http_method != http_method || !admit(compiled.method) {
            continue;
        }
        let found = if upload {
            compiled.uploads.iter().find_map(|template| {
                template
                    .matches(path)
                    .map(|values| (template.literal_len, values))
            })
        } else {
            compiled.selector.matches(path).and_then(|_| {
                compiled
                    .path
                    .matches(path)
                    .map(|values| (compiled.selector.literal_len, values))
            })
        };
        let Some((score, values)) = found else {
            continue;
        };
        if best
            .as_ref()
            .is_none_or(|(best_score, _)| score > *best_score)
        {
            best = Some((
                score,
                Routed {
                    method: compiled.method,
                    params: values
                        .into_iter()
                        .map(|(name, value)| (name, decode(&value)))
                        .collect(),
                    upload,
                },
            ));
        }
    }
    best.map(|(_, routed)| routed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: &str, path: &str, expected_id: &str, expected_params: &[(&str, &str)]) {
        let routed = route(method, path, None).unwrap_or_else(|| panic!("{method} {path} routes"));
        assert_eq!(routed.method.id, expected_id, "{method} {path}");
        for (name, value) in expected_params {
            assert_eq!(routed.param(name), Some(*value), "{name} of {path}");
        }
    }

    #[test]
    fn storage_paths_route_to_their_methods() {
        check("GET", "/storage/v1/b", "storage.buckets.list", &[]);
        check(
            "GET",
            "/storage/v1/b/bk",
            "storage.buckets.get",
            &[("bucket", "bk")],
        );
        check(
            "GET",
            "/storage/v1/b/bk/o/a%2Fb%20c",
            "storage.objects.get",
            &[("bucket", "bk"), ("object", "a/b c")],
        );
        check(
            "POST",
            "/storage/v1/b/bk/o/dst/compose",
            "storage.objects.compose",
            &[("destinationObject", "dst")],
        );
        check(
            "POST",
            "/storage/v1/b/s/o/x/rewriteTo/b/d/o/y",
            "storage.objects.rewrite",
            &[("sourceBucket", "s"), ("destinationObject", "y")],
        );
        check(
            "POST",
            "/upload/storage/v1/b/bk/o",
            "storage.objects.insert",
            &[("bucket", "bk")],
        );
        check(
            "POST",
            "/resumable/upload/storage/v1/b/bk/o",
            "storage.objects.insert",
            &[],
        );
    }

    #[test]
    fn reserved_expansions_and_custom_verbs() {
        check("POST", "/v2/entries:write", "logging.entries.write", &[]);
        check("POST", "/v2/entries:list", "logging.entries.list", &[]);
        check(
            "DELETE",
            "/v2/projects/p/logs/run.googleapis.com%2Fstdout",
            "logging.projects.logs.delete",
            &[("logName", "projects/p/logs/run.googleapis.com/stdout")],
        );
        check(
            "POST",
            "/v2/projects/p/locations/us-central1/jobs/j:run",
            "run.projects.locations.jobs.run",
            &[("name", "projects/p/locations/us-central1/jobs/j")],
        );
        check(
            "GET",
            "/v2/projects/p/locations/us-central1/jobs/j",
            "run.projects.locations.jobs.get",
            &[("name", "projects/p/locations/us-central1/jobs/j")],
        );
    }

    #[test]
    fn unknown_paths_do_not_route() {
        assert!(route("GET", "/nothing/here", None).is_none());
        assert!(route("PUT", "/storage/v1/b", None).is_none());
    }
}
