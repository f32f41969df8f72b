//! GitHub's filter patterns for `branches`, `tags` and `paths` ("Filter pattern cheat sheet").
//!
//! `*` matches any characters but `/`; `**` any characters; `?` zero or one of the preceding
//! character; `+` one or more of it; `[a-z0-9]` one character of a set; `\` escapes the next
//! character; a leading `!` makes a pattern negative. In a list, the last pattern that matches
//! decides, so `['releases/**', '!releases/**-alpha']` takes `releases/1` but not
//! `releases/1-alpha`.
//!
//! What this module must not do: touch the file system; paths are data.

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Char(char),
    Set(Vec<(char, char)>),
    /// `*`: any run without `/`.
    Star,
    /// `**`: any run.
    DoubleStar,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Repeat {
    One,
    /// `?`: zero or one.
    Optional,
    /// `+`: one or more.
    OneOrMore,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub negative: bool,
    parts: Vec<(Atom, Repeat)>,
}

/// A pattern GitHub would refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Invalid pattern '{pattern}'. {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let error = |reason: &str| PatternError {
            pattern: text.to_string(),
            reason: reason.to_string(),
        };
        let (negative, body) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if body.is_empty() {
            return Err(error("The pattern is empty."));
        }
        let chars: Vec<char> = body.chars().collect();
        let mut parts: Vec<(Atom, Repeat)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    if chars.get(i + 1) == Some(&'*') {
                        parts.push((Atom::DoubleStar, Repeat::One));
                        i += 2;
                    } else {
                        parts.push((Atom::Star, Repeat::One));
                        i += 1;
                    }
                }
                '?' | '+' => {
                    let repeat = if chars[i] == '?' {
                        Repeat::Optional
                    } else {
                        Repeat::OneOrMore
                    };
                    match parts.last_mut() {
                        Some((Atom::Char(_) | Atom::Set(_), r)) if *r == Repeat::One => *r = repeat,
                        _ => return Err(error("A '?' or '+' must follow a character or a set.")),
                    }
                    i += 1;
                }
                '[' => {
                    let mut ranges = Vec::new();
                    i += 1;
                    loop {
                        let Some(&c) = chars.get(i) else {
                            return Err(error("A '[' is not closed."));
                        };
                        if c == ']' {
                            i += 1;
                            break;
                        }
                        if chars.get(i + 1) == Some(&'-')
                            && chars.get(i + 2).is_some_and(|c| *c != ']')
                        {
                            let end = chars[i + 2];
                            if end < c {
                                return Err(error("A range in '[ ]' is reversed."));
                            }
                            ranges.push((c, end));
                            i += 3;
                        } else {
                            ranges.push((c, c));
                            i += 1;
                        }
                    }
                    if ranges.is_empty() {
                        return Err(error("A '[ ]' set is empty."));
                    }
                    parts.push((Atom::Set(ranges), Repeat::One));
                }
                '\\' => {
                    let Some(&c) = chars.get(i + 1) else {
                        return Err(error("A '\\' escapes nothing."));
                    };
                    parts.push((Atom::Char(c), Repeat::One));
                    i += 2;
                }
                c => {
                    parts.push((Atom::Char(c), Repeat::One));
                    i += 1;
                }
            }
        }
        Ok(Pattern { negative, parts })
    }

    /// Whether the pattern (ignoring its `!`) matches all of `text`.
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        // Dynamic programming over (pattern position, text position): no backtracking blow-up.
        let n = self.parts.len();
        let m = chars.len();
        let mut reach = vec![vec![false; m + 1]; n + 1];
        reach[0][0] = true;
        for p in 0..n {
            let (atom, repeat) = &self.parts[p];
            for t in 0..=m {
                if !reach[p][t] {
                    continue;
                }
                match atom {
                    Atom::Star | Atom::DoubleStar => {
                        reach[p + 1][t] = true;
                        // `**/` also matches no directory at all (`docs/**/*.md` takes `docs/a.md`).
                        if *atom == Atom::DoubleStar
                            && self.parts.get(p + 1) == Some(&(Atom::Char('/'), Repeat::One))
                        {
                            reach[p + 2][t] = true;
                        }
                        let mut u = t;
                        while u < m && (*atom == Atom::DoubleStar || chars[u] != '/') {
                            u += 1;
                            reach[p + 1][u] = true;
                        }
                    }
                    Atom::Char(_) | Atom::Set(_) => {
                        let one = |c: char| match atom {
                            Atom::Char(x) => *x == c,
                            Atom::Set(ranges) => ranges.iter().any(|(a, b)| (*a..=*b).contains(&c)),
                            _ => false,
                        };
                        match repeat {
                            Repeat::One => {
                                if t < m && one(chars[t]) {
                                    reach[p + 1][t + 1] = true;
                                }
                            }
                            Repeat::Optional => {
                                reach[p + 1][t] = true;
                                if t < m && one(chars[t]) {
                                    reach[p + 1][t + 1] = true;
                                }
                            }
                            Repeat::OneOrMore => {
                                let mut u = t;
                                while u < m && one(chars[u]) {
                                    u += 1;
                                    reach[p + 1][u] = true;
                                }
                            }
                        }
                    }
                }
            }
        }
        reach[n][m]
    }
}

/// A list of patterns where the last match decides.
#[derive(Debug, Clone)]
pub struct PatternList {
    pub patterns: Vec<Pattern>,
}

impl PatternList {
    pub fn parse(texts: &[String]) -> Result<PatternList, PatternError> {
        Ok(PatternList {
            patterns: texts
                .iter()
                .map(|t| Pattern::parse(t))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether `text` is included: the last pattern matching it is a positive one.
    pub fn includes(&self, text: &str) -> bool {
        self.patterns
            .iter()
            .rev()
            .find(|p| p.matches(text))
            .is_some_and(|p| !p.negative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, yes: &[&str], no: &[&str]) {
        let p = Pattern::parse(pattern).unwrap();
        for text in yes {
            assert!(p.matches(text), "{pattern} should match {text}");
        }
        for text in no {
            assert!(!p.matches(text), "{pattern} should not match {text}");
        }
    }

    /// The examples of GitHub's "Patterns to match branches and tags" and "to match file paths".
    #[test]
    fn cheat_sheet_examples() {
        check(
            "feature/*",
            &["feature/my-branch", "feature/your-branch"],
            &["feature/a/b", "main"],
        );
        check(
            "feature/**",
            &[
                "feature/beta-a/my-branch",
                "feature/your-branch",
                "feature/mona/the/octocat",
            ],
            &["features/x"],
        );
        check("main", &["main"], &["main2", "xmain"]);
        check("v2*", &["v2", "v2.0", "v2.9"], &["v1"]);
        check(
            "v[12].[0-9]+.[0-9]+",
            &["v1.10.1", "v2.0.0"],
            &["v3.0.0", "v1.0"],
        );
        check("*", &["README.md", "server.rb"], &["docs/file.txt"]);
        check("*.jsx?", &["page.js", "page.jsx"], &["page.jsxx"]);
        check("**", &["all/the/files.md", "x"], &[]);
        check("*.js", &["app.js", "index.js"], &["src/app.js"]);
        check(
            "**.js",
            &["index.js", "js/index.js", "src/js/app.js"],
            &["a.ts"],
        );
        check(
            "docs/*",
            &["docs/README.md", "docs/file.txt"],
            &["docs/a/b.md"],
        );
        check(
            "docs/**",
            &["docs/README.md", "docs/mona/octocat.txt"],
            &["README.md"],
        );
        check(
            "docs/**/*.md",
            &[
                "docs/README.md",
                "docs/mona/hello-world.md",
                "docs/a/markdown/file.md",
            ],
            &["docs/a.txt"],
        );
        check(
            "**/docs/**",
            &[
                "docs/hello.md",
                "dir/docs/my-file.txt",
                "space/docs/plan/space.doc",
            ],
            &["doc/x"],
        );
        check(
            "**/README.md",
            &["README.md", "js/README.md"],
            &["README.txt"],
        );
        check(
            "**/*src/**",
            &["a/src/app.js", "my-src/code/js/app.js"],
            &["src-x"],
        );
        check(
            "**/*-post.md",
            &["my-post.md", "path/their-post.md"],
            &["post.md"],
        );
        check(
            "**/migrate-*.sql",
            &[
                "migrate-10909.sql",
                "db/migrate-v1.0.sql",
                "db/sept/migrate-v1.sql",
            ],
            &["migrate.sql"],
        );
        check("\\*", &["*"], &["a"]);
    }

    #[test]
    fn last_match_decides_and_bad_patterns_are_refused() {
        let list =
            PatternList::parse(&["releases/**".into(), "!releases/**-alpha".into()]).unwrap();
        assert!(list.includes("releases/10"));
        assert!(list.includes("releases/beta/mona"));
        assert!(!list.includes("releases/10-alpha"));
        assert!(!list.includes("main"));
        assert!(Pattern::parse("[a-").is_err());
        assert!(Pattern::parse("+x").is_err());
        assert!(Pattern::parse("!").is_err());
    }
}
