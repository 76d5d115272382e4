//! `argocd` and each Region's `gitops`: which clusters sync with Argo CD,
//! and the repository, revision, project and destination their
//! Applications name. Argo CD takes `https://`, `ssh://` and scp-like
//! `git@host:path` repository URLs ("Private Repositories", Argo CD user
//! guide); names are Kubernetes object names.

use super::rollout::is_branch_name;
use super::*;

impl Validator {
    /// The engine of `regions[i]`.
    pub(super) fn gitops(&mut self, p: &str, raw: Option<&str>) -> GitOps {
        match raw {
            None | Some("flux") => GitOps::Flux,
            Some("argocd") => GitOps::ArgoCd,
            Some(other) => {
                self.err(
                    &field(p, "gitops"),
                    format!(
                        "`{}` is not a GitOps engine gen renders for",
                        other.escape_debug()
                    ),
                    "allowed: flux, argocd",
                );
                GitOps::Flux
            }
        }
    }

    /// The `argocd` section, when a Region's cluster uses Argo CD (`used`);
    /// `rollout_url`: the rollout's source, which is the repository then.
    pub(super) fn argocd(
        &mut self,
        raw: &RawSpec,
        used: bool,
        rollout_url: Option<&str>,
    ) -> Option<ArgoCd> {
        let default = spec::RawArgoCd::default();
        let a = raw.argocd.as_ref().or(used.then_some(&default))?;
        if !used {
            self.out.push(
                Diagnostic::new("argocd", "set, but no Region's cluster uses Argo CD")
                    .hint("set `gitops: argocd` on the Regions whose clusters sync with Argo CD, or remove `argocd`")
                    .warning(),
            );
            return None;
        }
        let text = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
        let namespace = text(&a.namespace, defaults::ARGOCD_NAMESPACE);
        let project = text(&a.project, defaults::ARGOCD_PROJECT);
        let target_revision = text(&a.target_revision, defaults::ARGOCD_TARGET_REVISION);
        let destination = text(&a.destination, defaults::ARGOCD_DESTINATION);
        if a.namespace.is_some() {
            self.dns_label("argocd.namespace", &namespace);
        }
        if a.project.is_some() {
            self.dns_subdomain("argocd.project", &project);
        }
        if a.destination.is_some() {
            // Argo CD's cluster names are free text, but gen's value must
            // stay one plain word of a manifest and a message.
            let ok = !destination.is_empty()
                && destination.len() <= 253
                && destination
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/'));
            if !ok {
                self.err(
                    "argocd.destination",
                    format!("`{}` is not a cluster name gen renders", destination.escape_debug()),
                    "allowed: 1 to 253 letters, digits, `-`, `_`, `.`, `:` and `/` (a registered name such as in-cluster, or an EKS cluster ARN)",
                );
            }
        }
        if a.target_revision.is_some() {
            if rollout_url.is_some() {
                self.err(
                    "argocd.targetRevision",
                    "set beside a rollout",
                    "with a rollout each Region's Applications follow its rollout branch; remove targetRevision",
                );
            } else if !is_branch_name(&target_revision) {
                self.err(
                    "argocd.targetRevision",
                    format!(
                        "`{}` is not a Git revision gen renders",
                        target_revision.escape_debug()
                    ),
                    "allowed: HEAD, a branch or tag name, or a commit SHA",
                );
            }
        }
        let repo_url = match (&a.repo_url, rollout_url) {
            (Some(u), _) if !is_repo_url(u) => {
                self.err(
                    "argocd.repoUrl",
                    format!(
                        "`{}` is not a repository URL Argo CD reads",
                        u.escape_debug()
                    ),
                    "allowed: https://HOST/PATH, ssh://USER@HOST/PATH or USER@HOST:PATH",
                );
                None
            }
            (Some(u), Some(r)) if u != r => {
                self.err(
                    "argocd.repoUrl",
                    format!("`{u}` is not the rollout's source `{r}`"),
                    "with a rollout Argo CD reads the rollout branches of rollout.source.url; remove repoUrl or make them one",
                );
                None
            }
            (Some(u), _) => Some(u.clone()),
            (None, Some(_)) => None,
            (None, None) => {
                self.err(
                    "argocd.repoUrl",
                    "missing: the repository Argo CD reads gen's directories from",
                    "allowed: the URL Argo CD knows the repository by, e.g. https://github.com/ORG/REPO.git",
                );
                None
            }
        };
        Some(ArgoCd {
            namespace,
            project,
            repo_url,
            target_revision,
            destination,
        })
    }
}

/// `https://HOST/…`, `ssh://…@HOST/…` or scp-like `USER@HOST:PATH`.
fn is_repo_url(u: &str) -> bool {
    let printable = !u.is_empty() && u.len() <= 2048 && u.chars().all(|c| c.is_ascii_graphic());
    let schemed = ["ssh://", "https://", "http://"].iter().any(|s| {
        u.strip_prefix(s)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    });
    let scp = !u.contains("://")
        && u.split_once('@').is_some_and(|(user, rest)| {
            !user.is_empty()
                && rest
                    .split_once(':')
                    .is_some_and(|(host, path)| !host.is_empty() && !path.is_empty())
        });
    printable && (schemed || scp)
}

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

    const BASE: &str = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - {name: eu-west-1, cluster: c1, gitops: argocd}\n  - {name: eu-central-1, cluster: c2}\nhealthCheck: {}\napps:\n  - {name: a, host: a.example.com, image: i, health: {path: /a}}\n";

    #[test]
    fn an_argocd_cluster_needs_a_repository() {
        let e = errors(BASE);
        assert!(
            e.iter()
                .any(|x| x.contains("argocd.repoUrl") && x.contains("missing")),
            "{e:?}"
        );
        let ok = format!("{BASE}argocd: {{repoUrl: \"git@github.com:o/r.git\"}}\n");
        assert!(errors(&ok).is_empty(), "{:?}", errors(&ok));
    }

    #[test]
    fn wrong_values_are_refused_naming_the_field() {
        let bad = format!(
            "{}argocd: {{repoUrl: \"github.com/o/r\", namespace: Argo, targetRevision: \"a b\", destination: \"x y\"}}\n",
            BASE.replace("cluster: c2}", "cluster: c2, gitops: argo}")
        );
        let e = errors(&bad);
        for f in [
            "regions[1].gitops",
            "argocd.repoUrl",
            "argocd.namespace",
            "argocd.targetRevision",
            "argocd.destination",
        ] {
            assert!(e.iter().any(|x| x.contains(f)), "{f}: {e:?}");
        }
    }

    #[test]
    fn with_a_rollout_the_source_is_the_repository() {
        let spec = format!("{BASE}rollout: {{source: {{url: \"ssh://git@example.com/r.git\"}}}}\n");
        assert!(errors(&spec).is_empty(), "{:?}", errors(&spec));
        let other = format!(
            "{spec}argocd: {{repoUrl: \"https://example.com/other.git\", targetRevision: main}}\n"
        );
        let e = errors(&other);
        assert!(
            e.iter().any(|x| x.contains("argocd.repoUrl"))
                && e.iter().any(|x| x.contains("argocd.targetRevision")),
            "{e:?}"
        );
    }
}
