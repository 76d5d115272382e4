//! The integration tests of `gen`: one binary, one module per area. They run
//! the real `gen` binary against temporary repositories and the committed
//! example, and run the field's own validators on what it renders.

// Tests report what they skip on stderr; their helpers are `pub` for the
// sibling modules of this one test binary.
#![allow(clippy::print_stderr, unreachable_pub)]

mod accounts;
mod albs;
mod arc;
mod bad_specs;
mod deploy;
mod discover;
mod docs;
mod drill;
mod examples;
mod fuzz_corpus;
mod gateway;
mod git;
mod iam;
mod init;
mod kill;
mod layers;
mod lifecycle;
mod lints;
mod plan;
mod property;
mod region_switch;
mod report;
mod rollout;
mod schema;
mod secrets;
mod simulate;
mod status;
mod strict_double;
/// The stricter moto as the tests and the deploy benchmark start it.
#[path = "../../generator/benches/common/moto.rs"]
mod strict_moto;
mod switch;
mod tidy;
mod util;
mod validators;
