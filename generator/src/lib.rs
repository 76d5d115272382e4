//! `gen`: compile a multi-Region failover spec into per-cluster Flux
//! manifests and Route 53 CloudFormation.
//!
//! The pure pipeline is the `gen-core` crate: `spec` (load) → `validate` →
//! `resolve` (gen.lock) → `model` (plan) → `lint` (advice) → `render`. This
//! crate adds what touches the world: `output` (diff, write, commit with
//! git2), the adapters `aws` and `k8s`, and `cli`, which parses flags and
//! drives it all. The core's modules are re-exported under the same names,
//! so a path reads `crate::model` on either side of the crate boundary.

pub use gen_core::{
    diag, explain, limits, lint, model, par, render, report, review, simulate, spec, validate,
};
pub(crate) use gen_core::{facts, layout, resolve};

pub(crate) mod aws;
pub mod cli;
pub(crate) mod k8s;
pub(crate) mod output;
