//! `rollout`: the waves a change goes through. Every Region in exactly one
//! wave; a source Flux can clone (`GitRepository` `url`: "^(http|https|ssh)://");
//! branch names Git accepts (git-check-ref-format); CloudWatch alarm and
//! SNS topic ARNs. The default order is a decision, `model`'s.

use super::format::{allowed_regions, is_region_name};
use super::*;
use crate::facts::arn::Arn;

/// Bake and apply times, minutes: no wave waits longer than a day.
const MINUTES: std::ops::RangeInclusive<u32> = 0..=1440;

impl Validator {
    pub(super) fn rollout(
        &mut self,
        raw: &spec::RawRollout,
        name: &str,
        regions: &[String],
    ) -> Option<Rollout> {
        let mut ok = true;
        let source = raw.source.as_ref();
        let url = source.and_then(|s| s.url.clone());
        match &url {
            None => {
                ok = false;
                self.err(
                    "rollout.source.url",
                    "missing: the repository each cluster's Flux clones for the rollout branches",
                    "allowed: the URL `flux bootstrap` set up, e.g. ssh://git@github.com/ORG/REPO.git",
                );
            }
            Some(u) if !is_git_url(u) => {
                ok = false;
                self.err(
                    "rollout.source.url",
                    format!("`{}` is not a URL Flux clones", u.escape_debug()),
                    "allowed: ssh://, https:// or http:// followed by a host (Flux GitRepository `url`)",
                );
            }
            Some(_) => {}
        }
        let secret_ref = source
            .and_then(|s| s.secret_ref.clone())
            .unwrap_or_else(|| defaults::ROLLOUT_SECRET_REF.into());
        if source.is_some_and(|s| s.secret_ref.is_some()) {
            self.dns_subdomain("rollout.source.secretRef", &secret_ref);
        }
        let branch_prefix = raw
            .branch_prefix
            .clone()
            .unwrap_or_else(|| layout::rollout_branch_prefix(name));
        let named = raw.branch_prefix.is_some() || !name.is_empty();
        if let Some(bad) = regions
            .iter()
            .filter(|_| named)
            .map(|r| layout::rollout_branch(&branch_prefix, r))
            .find(|b| !is_branch_name(b))
        {
            ok = false;
            self.err(
                if raw.branch_prefix.is_some() { "rollout.branchPrefix" } else { "name" },
                format!("`{}` is not a branch name Git accepts", bad.escape_debug()),
                "allowed: letters, digits, `/`, `-`, `_` and `.`, no `//`, `..` or `.lock` part, not starting with `/`, `-` or `.`",
            );
        }
        if let Some(waves) = &raw.waves {
            ok &= self.waves(waves, regions);
        }
        let mut minutes = |field: &str, value: &Option<Scalar<u32>>, default: u32, least: u32| {
            let m = self
                .scalar(field, value, "allowed: whole minutes, 0 to 1440")
                .unwrap_or(default);
            if m < least || !MINUTES.contains(&m) {
                self.err(
                    field,
                    format!("{m} minutes is outside the range"),
                    format!("allowed: {least} to {}", MINUTES.end()),
                );
                return None;
            }
            Some(m)
        };
        let bake_minutes = minutes(
            "rollout.bakeMinutes",
            &raw.bake_minutes,
            defaults::ROLLOUT_BAKE_MINUTES,
            0,
        );
        let apply_minutes = minutes(
            "rollout.applyMinutes",
            &raw.apply_minutes,
            defaults::ROLLOUT_APPLY_MINUTES,
            1,
        );
        let alarms = raw.alarms.clone().unwrap_or_default();
        for (i, a) in alarms.iter().enumerate() {
            let is_alarm = Arn::parse(a).is_some_and(|x| {
                x.service == "cloudwatch"
                    && is_region_name(x.region)
                    && x.has_account()
                    && x.resource
                        .strip_prefix("alarm:")
                        .is_some_and(|n| !n.is_empty())
            });
            if !is_alarm {
                ok = false;
                self.err(
                    &format!("rollout.alarms[{i}]"),
                    format!("`{}` is not a CloudWatch alarm ARN", a.escape_debug()),
                    "allowed: arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME",
                );
            }
        }
        if let Some(topic) = &raw.notify {
            let is_topic = Arn::parse(topic).is_some_and(|x| {
                x.service == "sns"
                    && is_region_name(x.region)
                    && x.has_account()
                    && !x.resource.contains(':')
            });
            if !is_topic {
                ok = false;
                self.err(
                    "rollout.notify",
                    format!("`{}` is not an SNS topic ARN", topic.escape_debug()),
                    "allowed: arn:aws:sns:REGION:ACCOUNT:TOPIC",
                );
            }
        }
        let source_name = layout::rollout_source(name);
        if source_name.len() > 63 {
            ok = false;
            self.err(
                "name",
                format!("the Flux GitRepository `{source_name}` is longer than 63 characters"),
                "shorten `name`",
            );
        }
        Some(Rollout {
            url: url?,
            secret_ref,
            branch_prefix,
            waves: raw.waves.clone(),
            bake_minutes: bake_minutes?,
            apply_minutes: apply_minutes?,
            alarms,
            notify: raw.notify.clone(),
        })
        .filter(|_| ok)
    }

    /// Every Region in exactly one wave, no wave empty; true when so.
    fn waves(&mut self, waves: &[Vec<String>], regions: &[String]) -> bool {
        let before = self.out.len();
        if waves.is_empty() {
            self.err(
                "rollout.waves",
                "no wave: every Region must be in one",
                "leave `waves` out for the default order, or list the Regions in waves",
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (w, wave) in waves.iter().enumerate() {
            if wave.is_empty() {
                self.err(
                    &format!("rollout.waves[{w}]"),
                    "an empty wave",
                    "list at least one Region in it, or remove it",
                );
            }
            for (k, r) in wave.iter().enumerate() {
                let field = format!("rollout.waves[{w}][{k}]");
                if !regions.contains(r) {
                    self.err(
                        &field,
                        format!("`{}` is not a Region of this spec", r.escape_debug()),
                        allowed_regions(regions),
                    );
                } else if let Some(first) = seen.insert(r, w) {
                    self.err(
                        &field,
                        format!("`{r}` is already in wave {}", first + 1),
                        "put every Region in exactly one wave",
                    );
                }
            }
        }
        let left: Vec<&str> = regions
            .iter()
            .map(String::as_str)
            .filter(|r| !seen.contains_key(r))
            .collect();
        if !left.is_empty() && !waves.is_empty() {
            self.err(
                "rollout.waves",
                format!("no wave holds {}", left.join(", ")),
                "put every Region in exactly one wave: a Region in none would never get a change",
            );
        }
        self.out.len() == before
    }
}

/// A URL a Flux `GitRepository` accepts: its scheme, then a host.
fn is_git_url(u: &str) -> bool {
    ["ssh://", "https://", "http://"].iter().any(|scheme| {
        u.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    }) && u.chars().all(|c| c.is_ascii_graphic())
}

/// A branch name git-check-ref-format accepts (`refs/heads/` + it), kept to
/// the characters a Kubernetes value and a shell take without quoting.
pub(crate) fn is_branch_name(b: &str) -> bool {
    !b.is_empty()
        && b.len() <= 200
        && b.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
        && !b.starts_with(['-', '/'])
        && !b.ends_with(['/', '.'])
        && !b.contains("..")
        && b.split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.') && !part.ends_with(".lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_follow_git() {
        assert!(is_branch_name("rollout/demo/eu-west-1"));
        assert!(is_branch_name("release_1.2/x"));
        for bad in [
            "", "-x", "/x", "a//b", "a/../b", "a/.b", "a.lock/b", "a b", "a~1", "a:b", "x/",
        ] {
            assert!(!is_branch_name(bad), "{bad}");
        }
    }

    #[test]
    fn git_urls_are_what_flux_clones() {
        assert!(is_git_url("ssh://git@github.com/o/r.git"));
        assert!(is_git_url("https://github.com/o/r"));
        for bad in [
            "git@github.com:o/r.git",
            "file:///tmp/r",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(!is_git_url(bad), "{bad}");
        }
    }
}
