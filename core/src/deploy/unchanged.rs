//! Whether a stack needs a change set at all. A deploy that changes nothing
//! should ask CloudFormation almost nothing: every stack's status, tags,
//! parameters and outputs come back from one paged `DescribeStacks` per
//! Region, and each rendered template carries its own digest as the output
//! `GenTemplateDigest` (`render::template_digest`). A stack whose status
//! says its last operation succeeded, that is tagged as this spec's, and
//! whose digest output and parameter values are what gen would send, is up
//! to date without a change set. Anything else gets one, and says why.
//!
//! Why an output and not a stack tag: stack-level tags propagate to the
//! stack's resources ("The propagation of stack-level tags to resources
//! ... varies by resource type", CloudFormation Template Reference,
//! "CloudFormation resource tagging"), so a digest tag would touch every
//! taggable health check and alarm of a stack in each review. An output
//! changes nothing but the stack.
//!
//! What the digest cannot see: a stack updated outside gen with gen's
//! digest output copied over. `gen deploy --every-stack` makes a change set
//! for every stack, and `gen status` compares the zone's records with the
//! rendered ones whatever CloudFormation says.

use std::fmt;

use serde::Serialize;

/// A stack as CloudFormation describes it, in plain values.
#[derive(Debug, Clone, Copy)]
pub struct Deployed<'a> {
    /// `StackStatus`, as CloudFormation spells it.
    pub status: &'a str,
    /// The value of the stack's `gen:spec` tag, when it has one.
    pub spec: Option<&'a str>,
    pub parameters: &'a [(String, String)],
    pub outputs: &'a [(String, String)],
}

/// Why a stack gets a change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// No such stack yet.
    NewStack,
    /// Its last operation did not succeed (a failed or rolled-back update,
    /// a change set never executed), or one is still running.
    LastOperation { status: String },
    /// Not tagged as this spec's stack (made by hand, or by another spec).
    NotTagged,
    /// Deployed without a template digest (by an earlier gen, or edited).
    NoDigest,
    /// Its template differs from the deployed one.
    Template,
    /// These parameters differ from the deployed values.
    Parameters { keys: Vec<String> },
    /// `--every-stack`.
    Asked,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::NewStack => f.write_str("not deployed yet"),
            Why::LastOperation { status } => {
                write!(f, "its last operation ended in {status}")
            }
            Why::NotTagged => f.write_str("not tagged as this spec's stack"),
            Why::NoDigest => f.write_str("deployed without gen's template digest"),
            Why::Template => f.write_str("its template differs from the deployed one"),
            Why::Parameters { keys } => write!(f, "parameters {} differ", keys.join(", ")),
            Why::Asked => f.write_str("--every-stack"),
        }
    }
}

/// The statuses after which a stack holds exactly the template and
/// parameters of its last operation, which succeeded.
const SETTLED: [&str; 3] = ["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"];

pub use crate::layout::DIGEST_OUTPUT;

/// Whether a stack needs a change set (`Some(why)`) or is up to date
/// (`None`): `digest` is its rendered template's, `parameters` the values
/// gen would pass, `every` forces a change set.
pub fn change_set_needed(
    deployed: Option<Deployed>,
    spec: &str,
    digest: &str,
    parameters: &[(String, String)],
    every: bool,
) -> Option<Why> {
    let Some(d) = deployed else {
        return Some(Why::NewStack);
    };
    if !SETTLED.contains(&d.status) {
        return Some(Why::LastOperation {
            status: d.status.to_string(),
        });
    }
    if d.spec != Some(spec) {
        return Some(Why::NotTagged);
    }
    if every {
        return Some(Why::Asked);
    }
    match d.outputs.iter().find(|(k, _)| k == DIGEST_OUTPUT) {
        None => return Some(Why::NoDigest),
        Some((_, v)) if v != digest => return Some(Why::Template),
        Some(_) => {}
    }
    let value = |list: &[(String, String)], key: &str| {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    let mut keys: Vec<String> = parameters
        .iter()
        .map(|(k, _)| k)
        .chain(d.parameters.iter().map(|(k, _)| k))
        .filter(|k| value(parameters, k) != value(d.parameters, k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    (!keys.is_empty()).then_some(Why::Parameters { keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn check(
        status: &str,
        spec: Option<&str>,
        deployed_parameters: &[(&str, &str)],
        outputs: &[(&str, &str)],
        wanted: &[(&str, &str)],
    ) -> Option<Why> {
        let (p, o) = (pairs(deployed_parameters), pairs(outputs));
        change_set_needed(
            Some(Deployed {
                status,
                spec,
                parameters: &p,
                outputs: &o,
            }),
            "shop",
            "abc",
            &pairs(wanted),
            false,
        )
    }

    const DIGEST: (&str, &str) = (DIGEST_OUTPUT, "abc");

    #[test]
    fn a_stack_holding_the_digest_and_the_parameters_needs_no_change_set() {
        assert_eq!(
            check(
                "UPDATE_COMPLETE",
                Some("shop"),
                &[("A", "1")],
                &[DIGEST, ("X", "y")],
                &[("A", "1")]
            ),
            None
        );
        assert_eq!(
            check("CREATE_COMPLETE", Some("shop"), &[], &[DIGEST], &[]),
            None
        );
    }

    #[test]
    fn every_doubt_gets_a_change_set_and_names_itself() {
        let none = change_set_needed(None, "shop", "abc", &[], false);
        assert_eq!(none, Some(Why::NewStack));
        for status in [
            "UPDATE_ROLLBACK_COMPLETE",
            "ROLLBACK_COMPLETE",
            "REVIEW_IN_PROGRESS",
            "UPDATE_IN_PROGRESS",
        ] {
            assert_eq!(
                check(status, Some("shop"), &[], &[DIGEST], &[]),
                Some(Why::LastOperation {
                    status: status.into()
                }),
            );
        }
        assert_eq!(
            check("UPDATE_COMPLETE", None, &[], &[DIGEST], &[]),
            Some(Why::NotTagged)
        );
        assert_eq!(
            check("UPDATE_COMPLETE", Some("other"), &[], &[DIGEST], &[]),
            Some(Why::NotTagged)
        );
        assert_eq!(
            check("UPDATE_COMPLETE", Some("shop"), &[], &[("X", "y")], &[]),
            Some(Why::NoDigest)
        );
        assert_eq!(
            check(
                "UPDATE_COMPLETE",
                Some("shop"),
                &[],
                &[(DIGEST_OUTPUT, "old")],
                &[]
            ),
            Some(Why::Template)
        );
        assert_eq!(
            check(
                "UPDATE_COMPLETE",
                Some("shop"),
                &[("A", "1"), ("B", "2")],
                &[DIGEST],
                &[("A", "9"), ("C", "3"), ("B", "2")]
            ),
            Some(Why::Parameters {
                keys: vec!["A".into(), "C".into()]
            }),
        );
        assert_eq!(
            check(
                "UPDATE_COMPLETE",
                Some("shop"),
                &[("Gone", "1")],
                &[DIGEST],
                &[]
            ),
            Some(Why::Parameters {
                keys: vec!["Gone".into()]
            }),
        );
        let (o, p) = (pairs(&[DIGEST]), Vec::new());
        let d = Deployed {
            status: "UPDATE_COMPLETE",
            spec: Some("shop"),
            parameters: &p,
            outputs: &o,
        };
        assert_eq!(
            change_set_needed(Some(d), "shop", "abc", &[], true),
            Some(Why::Asked)
        );
    }
}
