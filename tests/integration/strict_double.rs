//! The stricter moto (`tests/tools/strict_moto.py`) that the deploy,
//! lifecycle, discover, status and drill tests run against: its own
//! self-test shows each rule refusing a deliberately wrong input (and
//! accepting the right one), so a green deploy test means AWS's documented
//! rules held, not only that moto was lenient.

use std::process::Command;

use crate::util::*;

#[test]
fn the_stricter_moto_refuses_what_aws_refuses() {
    let (ok, out) = run_tool(
        Command::new(tool("python3")).arg(workspace().join("tests/tools/test_strict_moto.py")),
    );
    assert!(ok, "{out}");
    for rule in [
        "R53-1", "R53-2", "R53-3", "R53-4", "CFN-1", "CFN-2", "CFN-3", "CFN-4", "CFN-5", "CFN-6",
        "ARC-1", "ARC-2", "RS-1", "CW-1", "CW-2", "CW-3", "CW-4",
    ] {
        assert!(
            out.lines().any(|l| {
                l.starts_with(&format!("ok   {rule} ")) || l.starts_with(&format!("ok   {rule}:"))
            }),
            "{rule} not shown:\n{out}"
        );
    }
    assert!(out.contains(" 0 failed"), "{out}");
}
