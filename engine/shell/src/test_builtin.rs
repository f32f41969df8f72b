//! `test` and `[`: POSIX's rules by argument count (which settle `[ "$x" = = ]`-style
//! ambiguities), then a recursive parser with `!`, `-a`, `-o` and parentheses for longer
//! expressions. File tests ask the host. Status 0 true, 1 false, 2 error (with dash's message).

use crate::eval::Shell;
use crate::host::{FileKind, Host};

const UNARY: [&str; 18] = [
    "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-L", "-n", "-p", "-r", "-s", "-S", "-t", "-u", "-w",
    "-x", "-z",
];
const BINARY: [&str; 11] = [
    "=", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "==",
];

enum TestError {
    Message(String),
}

impl<H: Host> Shell<H> {
    pub(crate) fn test_builtin(&mut self, name: &str, args: &[String]) -> i32 {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match self.test_expression(&args) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(TestError::Message(message)) => {
                self.error_message(&format!("{name}: {message}"));
                2
            }
        }
    }

    fn test_expression(&mut self, args: &[&str]) -> Result<bool, TestError> {
        match args.len() {
            0 => Ok(false),
            1 => Ok(!args[0].is_empty()),
            2 if args[0] == "!" => Ok(args[1].is_empty()),
            2 if UNARY.contains(&args[0]) => self.unary(args[0], args[1]),
            2 => Err(TestError::Message(format!(
                "{}: unexpected operator",
                args[0]
            ))),
            3 if BINARY.contains(&args[1]) => self.binary(args[0], args[1], args[2]),
            3 if args[0] == "!" => Ok(!self.test_expression(&args[1..])?),
            3 if args[0] == "(" && args[2] == ")" => Ok(!args[1].is_empty()),
            4 if args[0] == "!" => Ok(!self.test_expression(&args[1..])?),
            4 if args[0] == "(" && args[3] == ")" => self.test_expression(&args[1..3]),
            _ => {
                let mut pos = 0;
                let value = self.test_or(args, &mut pos)?;
                if pos != args.len() {
                    return Err(TestError::Message(format!(
                        "{}: unexpected operator",
                        args[pos]
                    )));
                }
                Ok(value)
            }
        }
    }

    fn test_or(&mut self, args: &[&str], pos: &mut usize) -> Result<bool, TestError> {
        let mut value = self.test_and(args, pos)?;
        while args.get(*pos) == Some(&"-o") {
            *pos += 1;
            let right = self.test_and(args, pos)?;
            value = value || right;
        }
        Ok(value)
    }

    fn test_and(&mut self, args: &[&str], pos: &mut usize) -> Result<bool, TestError> {
        let mut value = self.test_not(args, pos)?;
        while args.get(*pos) == Some(&"-a") {
            *pos += 1;
            let right = self.test_not(args, pos)?;
            value = value && right;
        }
        Ok(value)
    }

    fn test_not(&mut self, args: &[&str], pos: &mut usize) -> Result<bool, TestError> {
        if args.get(*pos) == Some(&"!") {
            *pos += 1;
            return Ok(!self.test_not(args, pos)?);
        }
        self.test_primary(args, pos)
    }

    fn test_primary(&mut self, args: &[&str], pos: &mut usize) -> Result<bool, TestError> {
        let Some(&first) = args.get(*pos) else {
            return Err(TestError::Message("argument expected".into()));
        };
        if first == "(" {
            *pos += 1;
            let value = self.test_or(args, pos)?;
            if args.get(*pos) != Some(&")") {
                return Err(TestError::Message("closing paren expected".into()));
            }
            *pos += 1;
            return Ok(value);
        }
        if let Some(&op) = args.get(*pos + 1)
            && BINARY.contains(&op)
            && let Some(&right) = args.get(*pos + 2)
        {
            *pos += 3;
            return self.binary(first, op, right);
        }
        if UNARY.contains(&first)
            && let Some(&operand) = args.get(*pos + 1)
        {
            *pos += 2;
            return self.unary(first, operand);
        }
        *pos += 1;
        Ok(!first.is_empty())
    }

    fn unary(&mut self, op: &str, operand: &str) -> Result<bool, TestError> {
        match op {
            "-n" => return Ok(!operand.is_empty()),
            "-z" => return Ok(operand.is_empty()),
            "-t" => return Ok(false),
            _ => {}
        }
        if operand.is_empty() {
            return Ok(false);
        }
        let path = self.absolute(operand);
        let follow = !matches!(op, "-h" | "-L");
        let Some(info) = self.host.stat(&path, follow) else {
            return Ok(false);
        };
        Ok(match op {
            "-e" => true,
            "-f" => info.kind == FileKind::File,
            "-d" => info.kind == FileKind::Directory,
            "-h" | "-L" => info.kind == FileKind::Symlink,
            "-b" => info.kind == FileKind::BlockDevice,
            "-c" => info.kind == FileKind::CharDevice,
            "-p" => info.kind == FileKind::Fifo,
            "-S" => info.kind == FileKind::Socket,
            "-s" => info.size > 0,
            "-r" => info.mode & 0o444 != 0,
            "-w" => info.mode & 0o222 != 0,
            "-x" => info.mode & 0o111 != 0,
            "-u" => info.mode & 0o4000 != 0,
            "-g" => info.mode & 0o2000 != 0,
            _ => false,
        })
    }

    fn binary(&mut self, left: &str, op: &str, right: &str) -> Result<bool, TestError> {
        let number = |text: &str| -> Result<i64, TestError> {
            text.trim()
                .parse::<i64>()
                .map_err(|_| TestError::Message(format!("Illegal number: {text}")))
        };
        Ok(match op {
            "=" | "==" => left == right,
            "!=" => left != right,
            "<" => left < right,
            ">" => left > right,
            "-eq" => number(left)? == number(right)?,
            "-ne" => number(left)? != number(right)?,
            "-lt" => number(left)? < number(right)?,
            "-le" => number(left)? <= number(right)?,
            "-gt" => number(left)? > number(right)?,
            "-ge" => number(left)? >= number(right)?,
            _ => return Err(TestError::Message(format!("{op}: unexpected operator"))),
        })
    }
}
