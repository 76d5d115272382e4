//! `gen`: compile a multi-Region failover spec into per-cluster Flux
//! manifests and Route 53 CloudFormation.
//!
//! The pure pipeline is the `gen-core` crate: `spec` (load) → `validate` →
//! `resolve` (gen.lock) → `model` (plan) → `lint` (advice) → `render`. This
//! crate adds what touches the world: `output` (diff, write, commit with
//! git2), the adapters `aws` and `k8s`, `live` (what the commands share
//! when they act on AWS and the clusters: change sets, the Region switch
//! engine, waiting, signals), the `printer`, and `cli`, which parses flags
//! and runs one command. The core's modules are re-exported under the same names,
//! so a path reads `crate::model` on either side of the crate boundary.

pub use gen_core::{
    deploy, diag, drift, explain, limits, lint, model, par, pipeline, render, report, resolve,
    review, rollout, simulate, spec, validate,
};
pub(crate) use gen_core::{facts, layout};

pub(crate) mod aws;
pub mod cli;
pub(crate) mod k8s;
pub(crate) mod live;
pub(crate) mod output;
pub mod printer;

pub use output::tls::start_git;
