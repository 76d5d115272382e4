//! AWS facts gen plans against, each with the page AWS states it on: a leaf
//! that every stage may read and that reads nothing of gen. The code that
//! checks against a fact holds no copy of it.

pub(crate) mod arc;
pub(crate) mod pricing;
pub(crate) mod quotas;
pub(crate) mod route53;
pub(crate) mod zones;
