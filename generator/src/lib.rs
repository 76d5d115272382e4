//! `gen`: compile a multi-Region failover spec into per-cluster Flux
//! manifests and Route 53 CloudFormation.
//!
//! The pipeline, one module per stage:
//! `spec` (load) → `validate` → `resolve` (gen.lock) → `model` (plan) →
//! `lint` (advice) → `render` (pure) → `output`
//! (diff, write, commit). `cli` parses flags and drives it.

pub mod aws;
pub mod cli;
pub mod diag;
pub mod explain;
pub mod facts;
pub mod k8s;
pub mod layout;
pub mod lint;
pub mod model;
pub mod output;
pub mod render;
pub mod resolve;
pub mod review;
pub mod simulate;
pub mod spec;
#[cfg(test)]
mod test_support;
pub mod validate;
