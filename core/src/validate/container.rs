//! An app's container: replicas, environment, resources, security context
//! and per-Region overrides.

use super::format::{allowed_regions, is_quantity};
use super::*;

/// Pod fields an environment variable can take through the downward API.
const FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Largest replica count accepted; a typo guard, not a Kubernetes limit.
const MAX_REPLICAS: u32 = 1000;

impl Validator {
    /// `env` and `fieldEnv`: names, the downward API's fields, no overlap.
    pub(super) fn env_vars(
        &mut self,
        p: &str,
        a: &RawApp,
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let env = a.env.clone().unwrap_or_default();
        self.env(&field(p, "env"), &env);
        let field_env = a.field_env.clone().unwrap_or_default();
        self.env(&field(p, "fieldEnv"), &field_env);
        for (k, path) in &field_env {
            if env.contains_key(k) {
                self.err(
                    &format!("{p}.fieldEnv.{k}"),
                    format!("`{k}` is also set in env"),
                    "set each variable in env or in fieldEnv, not both",
                );
            }
            if !FIELD_PATHS.contains(&path.as_str()) {
                self.err(
                    &format!("{p}.fieldEnv.{k}"),
                    format!(
                        "`{}` is not a pod field the downward API offers",
                        path.escape_debug()
                    ),
                    format!("allowed: {}", FIELD_PATHS.join(", ")),
                );
            }
        }
        (env, field_env)
    }

    /// `resources.requests` and `resources.limits`.
    pub(super) fn resources(
        &mut self,
        p: &str,
        a: &RawApp,
    ) -> (Option<Quantities>, Option<Quantities>) {
        let res = a.resources.clone().unwrap_or_default();
        let requests = self.quantities(
            &field(p, "resources.requests"),
            res.requests.as_ref(),
            defaults::REQUEST_CPU,
            defaults::REQUEST_MEMORY,
        );
        let limits = self.quantities(
            &field(p, "resources.limits"),
            res.limits.as_ref(),
            defaults::LIMIT_CPU,
            defaults::LIMIT_MEMORY,
        );
        (requests, limits)
    }

    /// `security`: the user the container runs as (`None`: the image's own)
    /// and whether its root filesystem is read-only.
    pub(super) fn security(&mut self, p: &str, a: &RawApp) -> (Option<u32>, bool) {
        let sec = a.security.clone().unwrap_or_default();
        let non_root = self
            .scalar(
                &field(p, "security.runAsNonRoot"),
                &sec.run_as_non_root,
                "allowed: true or false",
            )
            .unwrap_or(defaults::RUN_AS_NON_ROOT);
        let user = self.scalar(
            &field(p, "security.runAsUser"),
            &sec.run_as_user,
            "allowed: a user ID, 1 to 4294967295",
        );
        if !non_root && user.is_some() {
            self.err(
                &field(p, "security.runAsUser"),
                "a user ID with runAsNonRoot: false",
                "runAsNonRoot: false runs the image's own user; drop runAsUser, or drop runAsNonRoot to run as this user",
            );
        }
        let run_as_user = non_root.then(|| user.unwrap_or(defaults::RUN_AS_USER));
        let read_only_root_filesystem = self
            .scalar(
                &field(p, "security.readOnlyRootFilesystem"),
                &sec.read_only_root_filesystem,
                "allowed: true or false",
            )
            .unwrap_or(defaults::READ_ONLY_ROOT_FILESYSTEM);
        if run_as_user == Some(0) {
            self.err(
                &field(p, "security.runAsUser"),
                "user 0 is root",
                format!(
                    "pods run as non-root: allowed 1 to 4294967295 (default {})",
                    defaults::RUN_AS_USER
                ),
            );
        }
        (run_as_user, read_only_root_filesystem)
    }

    /// `regions.<Region>`: per-Region env, replicas and image.
    pub(super) fn overrides(
        &mut self,
        p: &str,
        a: &RawApp,
        regions: &[String],
    ) -> BTreeMap<String, RegionOverride> {
        let mut overrides = BTreeMap::new();
        for (region, o) in a.regions.iter().flatten() {
            let op = format!("{p}.regions.{region}");
            if !regions.contains(region) {
                self.err(
                    &op,
                    format!("`{region}` is not a Region of this spec"),
                    allowed_regions(regions),
                );
                continue;
            }
            let env = o.env.clone().unwrap_or_default();
            self.env(&field(&op, "env"), &env);
            let replicas = self.scalar(
                &field(&op, "replicas"),
                &o.replicas,
                "allowed: a whole number",
            );
            if let Some(r) = replicas {
                self.replicas(&field(&op, "replicas"), r);
            }
            if let Some(i) = &o.image {
                self.image(&field(&op, "image"), i);
            }
            overrides.insert(
                region.clone(),
                RegionOverride {
                    env,
                    replicas,
                    image: o.image.clone(),
                },
            );
        }
        overrides
    }

    pub(super) fn quantities(
        &mut self,
        p: &str,
        q: Option<&spec::RawQuantities>,
        cpu: &str,
        memory: &str,
    ) -> Option<Quantities> {
        let cpu = q
            .and_then(|q| q.cpu.clone())
            .unwrap_or_else(|| cpu.to_string());
        let memory = q
            .and_then(|q| q.memory.clone())
            .unwrap_or_else(|| memory.to_string());
        let mut ok = true;
        for (f, v) in [("cpu", &cpu), ("memory", &memory)] {
            if !is_quantity(v) {
                self.err(
                    &format!("{p}.{f}"),
                    format!("`{}` is not a Kubernetes quantity", v.escape_debug()),
                    "allowed: a number with an optional suffix, e.g. 250m, 0.5, 128Mi, 1Gi",
                );
                ok = false;
            }
        }
        ok.then_some(Quantities { cpu, memory })
    }

    pub(super) fn replicas(&mut self, p: &str, r: u32) {
        if r > MAX_REPLICAS {
            self.err(
                p,
                format!("{r} replicas"),
                format!("allowed: 0 to {MAX_REPLICAS}"),
            );
        }
    }

    pub(super) fn env(&mut self, p: &str, env: &BTreeMap<String, String>) {
        for k in env.keys() {
            let ok = !k.is_empty()
                && !k.starts_with(|c: char| c.is_ascii_digit())
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
            if !ok {
                self.err(
                    &format!("{p}.{k}"),
                    format!(
                        "`{}` is not a valid environment variable name",
                        k.escape_debug()
                    ),
                    "allowed: letters, digits, `-`, `.` and `_`, not starting with a digit",
                );
            }
        }
    }

    pub(super) fn image(&mut self, p: &str, i: &str) {
        let ok = !i.is_empty()
            && i.len() <= 512
            && i.chars()
                .all(|c| c.is_ascii_alphanumeric() || "./_:@-".contains(c))
            && !i.starts_with(['-', '.', ':', '@']);
        if !ok {
            self.err(p, format!("`{}` is not a container image reference", i.escape_debug()), "allowed: [registry/]repository[:tag][@digest] with letters, digits and . / _ : @ -");
        }
    }
}
