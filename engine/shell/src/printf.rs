//! `printf` (and the escapes `echo` shares): conversions `%s %b %c %d %i %o %u %x %X %e %f %g
//! %%` with flags, width and precision (`*` taken from the arguments), the format reused while
//! arguments remain, and dash's messages for arguments that are not numbers.

use crate::eval::{Exec, Shell};
use crate::host::Host;

/// Backslash escapes as `echo` and `%b` read them (`\0NNN` octal), or as a printf format reads
/// them (`\NNN`). Returns the text and whether `\c` stopped output.
pub(crate) fn escapes(text: &str, echo_style: bool) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let e = chars[i];
        i += 1;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'c' => return (out, true),
            'e' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '0'..='7' => {
                // `\0NNN` for echo and %b; `\NNN` in a format.
                let (start, max) = if echo_style && e == '0' {
                    (i, 3)
                } else {
                    (i - 1, 3)
                };
                if echo_style && e != '0' {
                    out.push('\\');
                    out.push(e);
                    continue;
                }
                let mut value = 0u32;
                let mut j = start;
                while j < chars.len() && j < start + max && ('0'..='7').contains(&chars[j]) {
                    value = value * 8 + chars[j].to_digit(8).unwrap_or(0);
                    j += 1;
                }
                i = j;
                out.push(char::from_u32(value & 0xff).unwrap_or('\0'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    (out, false)
}

pub(crate) fn printf<H: Host>(shell: &mut Shell<H>, args: &[String]) -> Exec {
    let Some(format) = args.first() else {
        shell.error_message("printf: usage: printf format [arg ...]");
        return Ok(2);
    };
    let mut remaining: std::collections::VecDeque<String> = args[1..].iter().cloned().collect();
    let mut out = String::new();
    let mut status = 0;
    let chars: Vec<char> = format.chars().collect();
    loop {
        let before = remaining.len();
        let mut i = 0;
        let mut stop = false;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                let mut j = i + 1;
                // One escape sequence: backslash, then one char or up to three octal digits.
                if j < chars.len() && ('0'..='7').contains(&chars[j]) {
                    while j < chars.len() && j < i + 4 && ('0'..='7').contains(&chars[j]) {
                        j += 1;
                    }
                } else {
                    j = (j + 1).min(chars.len());
                }
                let sequence: String = chars[i..j].iter().collect();
                let (text, stopped) = escapes(&sequence, false);
                out.push_str(&text);
                if stopped {
                    stop = true;
                    break;
                }
                i = j;
                continue;
            }
            if c != '%' {
                out.push(c);
                i += 1;
                continue;
            }
            i += 1;
            if chars.get(i) == Some(&'%') {
                out.push('%');
                i += 1;
                continue;
            }
            let mut flags = String::new();
            while let Some(&f) = chars.get(i).filter(|f| "-+ #0".contains(**f)) {
                flags.push(f);
                i += 1;
            }
            let mut width = String::new();
            if chars.get(i) == Some(&'*') {
                width = remaining.pop_front().unwrap_or_default();
                i += 1;
            } else {
                while let Some(&d) = chars.get(i).filter(|d| d.is_ascii_digit()) {
                    width.push(d);
                    i += 1;
                }
            }
            let mut precision: Option<String> = None;
            if chars.get(i) == Some(&'.') {
                i += 1;
                let mut p = String::new();
                if chars.get(i) == Some(&'*') {
                    p = remaining.pop_front().unwrap_or_default();
                    i += 1;
                } else {
                    while let Some(&d) = chars.get(i).filter(|d| d.is_ascii_digit()) {
                        p.push(d);
                        i += 1;
                    }
                }
                precision = Some(p);
            }
            let Some(&conversion) = chars.get(i) else {
                shell.error_message(&format!("printf: %{flags}{width}: invalid directive"));
                return Ok(1);
            };
            i += 1;
            let width: usize = width.trim_start_matches('-').parse().unwrap_or(0);
            let left = flags.contains('-');
            let precision: Option<usize> = precision.map(|p| p.parse().unwrap_or(0));
            let argument = remaining.pop_front();
            let body = match conversion {
                's' => {
                    let mut text = argument.unwrap_or_default();
                    if let Some(p) = precision {
                        text = text.chars().take(p).collect();
                    }
                    text
                }
                'b' => {
                    let (text, stopped) = escapes(&argument.unwrap_or_default(), true);
                    if stopped {
                        out.push_str(&pad(&text, width, left, false));
                        stop = true;
                        break;
                    }
                    text
                }
                'c' => argument
                    .unwrap_or_default()
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default(),
                'd' | 'i' | 'o' | 'u' | 'x' | 'X' => {
                    let (value, ok) = number(argument.as_deref().unwrap_or("0"));
                    if !ok {
                        shell.error_message(&format!(
                            "printf: {}: {}",
                            argument.as_deref().unwrap_or(""),
                            if value == 0 {
                                "expected numeric value"
                            } else {
                                "not completely converted"
                            }
                        ));
                        status = 1;
                    }
                    let digits = match conversion {
                        'o' => format!("{:o}", value),
                        'u' => format!("{}", value as u64),
                        'x' => format!("{:x}", value),
                        'X' => format!("{:X}", value),
                        _ => value.unsigned_abs().to_string(),
                    };
                    let mut digits = match precision {
                        Some(p) if digits.len() < p => {
                            format!("{}{digits}", "0".repeat(p - digits.len()))
                        }
                        _ => digits,
                    };
                    if flags.contains('#') && value != 0 {
                        match conversion {
                            'o' => digits = format!("0{digits}"),
                            'x' => digits = format!("0x{digits}"),
                            'X' => digits = format!("0X{digits}"),
                            _ => {}
                        }
                    }
                    let sign = if matches!(conversion, 'd' | 'i') {
                        if value < 0 {
                            "-"
                        } else if flags.contains('+') {
                            "+"
                        } else if flags.contains(' ') {
                            " "
                        } else {
                            ""
                        }
                    } else {
                        ""
                    };
                    if flags.contains('0') && !left && precision.is_none() {
                        let total = sign.len() + digits.len();
                        if total < width {
                            digits = format!("{}{digits}", "0".repeat(width - total));
                        }
                    }
                    format!("{sign}{digits}")
                }
                'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                    let text = argument.unwrap_or_else(|| "0".into());
                    let value: f64 = match text.trim().parse() {
                        Ok(v) => v,
                        Err(_) => {
                            shell.error_message(&format!("printf: {text}: expected numeric value"));
                            status = 1;
                            0.0
                        }
                    };
                    let p = precision.unwrap_or(6);
                    match conversion {
                        'f' | 'F' => format!("{value:.p$}"),
                        'e' | 'E' => {
                            let formatted = format!("{value:.p$e}");
                            // C writes at least two exponent digits with a sign.
                            let (mantissa, exponent) =
                                formatted.split_once('e').unwrap_or((&formatted, "0"));
                            let exponent: i32 = exponent.parse().unwrap_or(0);
                            let text = format!(
                                "{mantissa}e{}{:02}",
                                if exponent < 0 { '-' } else { '+' },
                                exponent.abs()
                            );
                            if conversion == 'E' {
                                text.to_uppercase()
                            } else {
                                text
                            }
                        }
                        _ => {
                            let text = format!("{value}");
                            if conversion == 'G' {
                                text.to_uppercase()
                            } else {
                                text
                            }
                        }
                    }
                }
                other => {
                    shell.error_message(&format!("printf: %{other}: invalid directive"));
                    return Ok(1);
                }
            };
            let numeric = matches!(
                conversion,
                'd' | 'i' | 'o' | 'u' | 'x' | 'X' | 'e' | 'f' | 'g' | 'E' | 'F' | 'G'
            );
            out.push_str(&pad(&body, width, left, numeric && flags.contains('0')));
        }
        if stop || remaining.is_empty() || remaining.len() == before {
            break;
        }
    }
    shell.out(1, &out)?;
    Ok(status)
}

fn pad(text: &str, width: usize, left: bool, _zero: bool) -> String {
    let len = text.chars().count();
    if len >= width {
        return text.to_string();
    }
    let fill = " ".repeat(width - len);
    if left {
        format!("{text}{fill}")
    } else {
        format!("{fill}{text}")
    }
}

/// A printf numeric argument: decimal, `0x` hex, `0` octal, or `'c` (the character's code).
/// Returns the value and whether the whole text was a number.
fn number(text: &str) -> (i64, bool) {
    let trimmed = text.trim_start();
    if let Some(rest) = trimmed
        .strip_prefix('\'')
        .or_else(|| trimmed.strip_prefix('"'))
    {
        return (rest.chars().next().map(|c| c as i64).unwrap_or(0), true);
    }
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let (radix, body) = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        (16, hex)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    let valid: String = body.chars().take_while(|c| c.is_digit(radix)).collect();
    let value = i64::from_str_radix(&valid, radix).unwrap_or(0);
    let value = if negative { -value } else { value };
    (value, !valid.is_empty() && valid.len() == body.len())
}
