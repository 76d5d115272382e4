//! gen's core: the pure pipeline from a spec's text to rendered files.
//!
//! `spec` (load) → `validate` → `resolve` (gen.lock) → `model` (plan) →
//! `limits` (AWS quotas, on the plan) → `lint` (advice), entered through
//! one function (`pipeline::compile`), then `render` (pure), with the leaves they share: `diag`
//! (diagnostics and hints), `facts` (AWS's documented rules), `layout`
//! (every derived name and path). `explain`, `review` and `simulate` read
//! the plan or the rendered templates. Nothing here talks to a network or a
//! cluster: this crate's dependencies hold no client, so Cargo keeps it so.
//! The `generator` crate adds the adapters, `output` and the commands.

/// Strings joined into one, as `format!` with plain `{}` would join them,
/// without the formatting machinery: names and paths are made for every app
/// in every Region, thousands per compile.
macro_rules! cat {
    ($($s:expr),+ $(,)?) => {
        <[&str]>::concat(&[$(::core::convert::AsRef::<str>::as_ref(&$s)),+])
    };
}

pub mod deploy;
pub mod diag;
pub mod drift;
pub mod explain;
pub mod facts;
pub mod layout;
pub mod limits;
pub mod lint;
pub mod model;
pub mod par;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod resolve;
pub mod review;
pub mod rollout;
pub mod simulate;
pub mod spec;
#[cfg(test)]
mod test_support;
pub mod validate;
