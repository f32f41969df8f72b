//! Shell pattern matching (`case`, `${x#pattern}`, pathname expansion): `*`, `?` and bracket
//! expressions with ranges, negation and character classes. Quoted characters match only
//! themselves. Matching backtracks over `*` with a bounded amount of work (at most the length of
//! the pattern times the length of the text), so no pattern takes exponential time.

/// One pattern character, and whether it was quoted (then it is literal).
pub type PatternChar = (char, bool);

/// Whether `text` matches the whole of `pattern`.
pub fn matches(pattern: &[PatternChar], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    matches_chars(pattern, &text)
}

pub fn matches_chars(pattern: &[PatternChar], text: &[char]) -> bool {
    // Iterative matching with one backtrack point for the last `*` (the classic linear-space
    // algorithm): a later `*` subsumes earlier ones, so one point is enough.
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            let (c, quoted) = pattern[p];
            if !quoted && c == '*' {
                star = Some((p, t));
                p += 1;
                continue;
            }
            if let Some((true, width)) = single(pattern, p, text[t]) {
                p += width;
                t += 1;
                continue;
            }
        }
        match star {
            Some((star_p, star_t)) => {
                p = star_p + 1;
                t = star_t + 1;
                star = Some((star_p, star_t + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&(c, quoted)| !quoted && c == '*')
}

/// Whether the pattern element at `p` matches `c`, and how many pattern characters it spans.
fn single(pattern: &[PatternChar], p: usize, c: char) -> Option<(bool, usize)> {
    let (pc, quoted) = pattern[p];
    if quoted {
        return Some((pc == c, 1));
    }
    match pc {
        '?' => Some((true, 1)),
        '[' => match bracket(pattern, p, c) {
            Some(result) => Some(result),
            None => Some((c == '[', 1)),
        },
        '\\' if p + 1 < pattern.len() => Some((pattern[p + 1].0 == c, 2)),
        _ => Some((pc == c, 1)),
    }
}

/// A bracket expression at `p`: whether `c` matches and its width, or `None` when it is not
/// closed (then `[` is literal).
fn bracket(pattern: &[PatternChar], p: usize, c: char) -> Option<(bool, usize)> {
    let mut i = p + 1;
    let negate = matches!(pattern.get(i), Some(&('!' | '^', false)));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &(pc, quoted) = pattern.get(i)?;
        if pc == ']' && !quoted && !first {
            return Some((matched != negate, i + 1 - p));
        }
        first = false;
        if pc == '[' && !quoted && pattern.get(i + 1) == Some(&(':', false)) {
            let rest: String = pattern[i + 2..].iter().map(|(c, _)| *c).collect();
            if let Some(end) = rest.find(":]") {
                let class = &rest[..end];
                if class_matches(class, c) {
                    matched = true;
                }
                i += 2 + end + 2;
                continue;
            }
        }
        if let (Some(&('-', false)), Some(&(high, _))) = (pattern.get(i + 1), pattern.get(i + 2))
            && high != ']'
        {
            if pc <= c && c <= high {
                matched = true;
            }
            i += 3;
            continue;
        }
        if pc == c {
            matched = true;
        }
        i += 1;
    }
}

fn class_matches(class: &str, c: char) -> bool {
    match class {
        "alpha" => c.is_alphabetic(),
        "digit" => c.is_ascii_digit(),
        "alnum" => c.is_alphanumeric(),
        "upper" => c.is_uppercase(),
        "lower" => c.is_lowercase(),
        "space" => c.is_whitespace(),
        "blank" => c == ' ' || c == '\t',
        "punct" => c.is_ascii_punctuation(),
        "print" => !c.is_control(),
        "graph" => !c.is_control() && c != ' ',
        "cntrl" => c.is_control(),
        "xdigit" => c.is_ascii_hexdigit(),
        _ => false,
    }
}

/// Whether the pattern has an unquoted `*`, `?` or `[` (only then does pathname expansion try
/// the file system).
pub fn has_magic(pattern: &[PatternChar]) -> bool {
    pattern
        .iter()
        .any(|&(c, quoted)| !quoted && matches!(c, '*' | '?' | '['))
}

/// `${x#p}` (`largest`: `##`): `value` without the shortest (longest) prefix matching.
pub fn remove_prefix(value: &str, pattern: &[PatternChar], largest: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let lengths: Box<dyn Iterator<Item = usize>> = if largest {
        Box::new((0..=chars.len()).rev())
    } else {
        Box::new(0..=chars.len())
    };
    for len in lengths {
        if matches_chars(pattern, &chars[..len]) {
            return chars[len..].iter().collect();
        }
    }
    value.to_string()
}

/// `${x%p}` (`largest`: `%%`): `value` without the shortest (longest) suffix matching.
pub fn remove_suffix(value: &str, pattern: &[PatternChar], largest: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let starts: Box<dyn Iterator<Item = usize>> = if largest {
        Box::new(0..=chars.len())
    } else {
        Box::new((0..=chars.len()).rev())
    };
    for start in starts {
        if matches_chars(pattern, &chars[start..]) {
            return chars[..start].iter().collect();
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unquoted(p: &str) -> Vec<PatternChar> {
        p.chars().map(|c| (c, false)).collect()
    }

    #[test]
    fn patterns() {
        let table = [
            ("*", "", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("?", "ab", false),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("[[:digit:]]*", "7up", true),
            ("*.txt", "notes.txt", true),
            ("[", "[", true),
            ("[]]", "]", true),
            (
                "*a*a*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
        ];
        for (pattern, text, expected) in table {
            assert_eq!(
                matches(&unquoted(pattern), text),
                expected,
                "{pattern} ~ {text}"
            );
        }
        assert!(!matches(&[('*', true)], "x"));
    }

    #[test]
    fn prefix_and_suffix() {
        assert_eq!(remove_prefix("a/b/c", &unquoted("*/"), false), "b/c");
        assert_eq!(remove_prefix("a/b/c", &unquoted("*/"), true), "c");
        assert_eq!(remove_suffix("f.tar.gz", &unquoted(".*"), false), "f.tar");
        assert_eq!(remove_suffix("f.tar.gz", &unquoted(".*"), true), "f");
    }
}
