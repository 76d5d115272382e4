//! Adapters to AWS APIs. Network code lives here and only here; each
//! adapter takes plain names and ARNs and knows nothing of the spec.

pub mod arc;
