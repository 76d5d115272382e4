//! `gen`: compile a multi-Region failover spec into per-cluster Flux
//! manifests and Route 53 CloudFormation.
//!
//! The pipeline, one module per stage:
//! `spec` (load) → `validate` → `resolve` (gen.lock) → `model` (plan) →
//! `lint` (advice) → `render` (pure) → `output`
//! (diff, write, commit). `cli` parses flags and drives it.
//!
//! The public modules are what the fuzz targets and the property test call
//! (the pure pipeline); the adapters, `output` and the leaves they alone use
//! are the crate's own, so the compiler reports what nothing uses.

pub(crate) mod aws;
pub mod cli;
pub mod diag;
pub mod explain;
pub(crate) mod facts;
pub(crate) mod k8s;
pub(crate) mod layout;
pub mod lint;
pub mod model;
pub(crate) mod output;
pub mod render;
pub(crate) mod resolve;
pub mod review;
pub mod simulate;
pub mod spec;
#[cfg(test)]
mod test_support;
pub mod validate;
