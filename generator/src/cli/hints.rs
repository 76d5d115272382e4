//! What to do about an adapter's error, in the spec's terms. The adapters
//! (`k8s`, `aws`) report in their own API's words and know nothing of the
//! spec; this is the one place that maps their typed errors to the field a
//! user should set.

use std::error::Error;

use crate::aws::arc::ClusterError;
use crate::aws::cfn::StackError;
use crate::diag::Hinted;
use crate::k8s::ContextError;

/// The hint for one error of a chain: its own when it is [`Hinted`], the
/// spec's terms for an adapter's typed error, else none.
pub(crate) fn hint_for(cause: &(dyn Error + 'static)) -> Option<String> {
    if let Some(h) = cause.downcast_ref::<Hinted>() {
        return Some(h.hint().to_string());
    }
    if let Some(e) = cause.downcast_ref::<ContextError>() {
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        return Some(match e {
            ContextError::NoSuchContext { available, .. } => format!(
                "set this Region's kubeContext (regions[].kubeContext) to one of the kubeconfig's contexts: {}",
                list(available)
            ),
            ContextError::NoneMatches { available, .. } => format!(
                "set kubeContext for this Region in the spec (regions[].kubeContext); contexts: {}",
                list(available)
            ),
            ContextError::Ambiguous { .. } => {
                "set kubeContext for this Region in the spec (regions[].kubeContext)".to_string()
            }
        });
    }
    if let Some(e) = cause.downcast_ref::<ClusterError>() {
        return Some(match e {
            ClusterError::NotDeployed { .. } => {
                "a new cluster takes a few minutes; try again when it is deployed".to_string()
            }
            ClusterError::NoneNamed { .. } => {
                "deploy the ARC stack first (`gen deploy` creates the cluster), or set arc.clusterArn"
                    .to_string()
            }
        });
    }
    if let Some(StackError::Busy { .. }) = cause.downcast_ref::<StackError>() {
        return Some("wait for the running operation to finish, then deploy again".to_string());
    }
    None
}

/// Every hint of an error's chain, outermost first.
pub(crate) fn hints_of(e: &anyhow::Error) -> Vec<String> {
    e.chain().filter_map(hint_for).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapter_errors_get_hints_in_the_spec_terms() {
        let e: anyhow::Error = ContextError::NoneMatches {
            cluster: "c1".into(),
            available: vec!["a".into(), "b".into()],
        }
        .into();
        let e = e.context("connecting to c1");
        assert_eq!(
            hints_of(&e),
            ["set kubeContext for this Region in the spec (regions[].kubeContext); contexts: a, b"]
        );
        let plain = anyhow::anyhow!("no such thing");
        assert!(hints_of(&plain).is_empty());
    }
}
