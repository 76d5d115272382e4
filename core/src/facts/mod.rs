//! AWS facts gen plans against, each with the page AWS states it on: a leaf
//! that every stage may read and that reads nothing of gen. The code that
//! checks against a fact holds no copy of it.

pub mod arc;
pub mod arn;
pub mod databases;
pub mod gateway;
pub mod geo;
pub mod pricing;
pub mod quotas;
pub mod rates;
pub mod route53;
pub mod zones;
