//! The binary's command line: what it accepts, what it refuses, and that servers which do not
//! exist yet say so instead of pretending.

use std::process::Command;

fn sockerless(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sockerless"))
        .args(args)
        .output()
        .expect("run sockerless")
}

#[test]
fn help_lists_the_commands() {
    let output = sockerless(&["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["up", "sim", "hub"] {
        assert!(
            text.contains(command),
            "{command} missing from --help:\n{text}"
        );
    }
}

#[test]
fn malformed_access_keys_are_refused() {
    let output = sockerless(&["sim", "aws", "--port", "0", "--access-key", "no-secret"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected ID:SECRET"));
}
