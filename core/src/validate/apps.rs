//! `apps`: each app's name, host, image and port, and what must be unique
//! across apps (names, hosts, health paths, logical IDs).

use super::format::is_dns1035_label;
use super::health::HealthFields;
use super::*;

impl Validator {
    pub(super) fn apps(
        &mut self,
        raw: &RawSpec,
        zone: Option<&str>,
        regions: &[String],
        defaults: &HealthFields,
    ) -> Option<Vec<App>> {
        let Some(list) = &raw.apps else {
            self.err(
                "apps",
                "missing required field",
                "list the apps, each with name, host, image and health.path",
            );
            return None;
        };
        if list.is_empty() {
            self.err("apps", "no app given", "list at least one app");
        }
        let mut out = Vec::new();
        let mut ok = true;
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut hosts: BTreeMap<String, usize> = BTreeMap::new();
        let mut paths: BTreeMap<String, usize> = BTreeMap::new();
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for (i, a) in list.iter().enumerate() {
            let p = format!("apps[{i}]");
            if let Some(n) = &a.name {
                if let Some(j) = names.insert(n.clone(), i) {
                    self.err(
                        &field(&p, "name"),
                        format!("app `{n}` is already defined at apps[{j}]"),
                        "app names are unique",
                    );
                } else if is_dns1035_label(n) {
                    // Logical IDs drop hyphens; two names that differ only there would collide.
                    if let Some(j) = ids.insert(pascal(n), i) {
                        self.err(
                            &field(&p, "name"),
                            format!(
                                "app `{n}` maps to the same CloudFormation logical IDs as apps[{j}]"
                            ),
                            "rename one of them: names that differ only in hyphens collide",
                        );
                    }
                }
            }
            if let Some(h) = &a.host
                && let Some(j) = hosts.insert(h.trim_end_matches('.').to_string(), i)
            {
                self.err(
                    &field(&p, "host"),
                    format!("host `{h}` is already used by apps[{j}]"),
                    "each app has its own host name",
                );
            }
            if let Some(path) = a.health.as_ref().and_then(|h| h.path.clone())
                && let Some(j) = paths.insert(path.clone(), i)
            {
                self.err(
                        &field(&p, "health.path"),
                        format!("health path `{path}` is already used by apps[{j}]"),
                        "apps share one ALB, whose host-less rule sends each health path to one app: give every app its own path, e.g. /<app>health",
                    );
            }
            match self.app(&p, a, zone, regions, defaults) {
                Some(app) => out.push(app),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    pub(super) fn app(
        &mut self,
        p: &str,
        a: &RawApp,
        zone: Option<&str>,
        regions: &[String],
        defaults: &HealthFields,
    ) -> Option<App> {
        let name = self
            .required(&field(p, "name"), &a.name, "a DNS-1035 label, e.g. `app1`")
            .cloned();
        if let Some(n) = &name
            && !is_dns1035_label(n)
        {
            self.err(&field(p, "name"), format!("`{n}` is not a valid app name"), "allowed: 1 to 63 lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit (it names the Deployment, Service and files)");
        }
        let host = self
            .required(
                &field(p, "host"),
                &a.host,
                "the app's DNS name inside dns.zone",
            )
            .map(|h| h.trim_end_matches('.').to_string());
        if let (Some(h), Some(z)) = (&host, zone)
            && self.domain(&field(p, "host"), h, true)
            && h != z
            && !h.strip_suffix(z).is_some_and(|r| r.ends_with('.'))
        {
            self.err(
                &field(p, "host"),
                format!("`{h}` is not inside the hosted zone `{z}`"),
                format!("allowed: `{z}` or a name ending in `.{z}`"),
            );
        }
        let image = self
            .required(
                &field(p, "image"),
                &a.image,
                "a container image reference, e.g. `nginx:1.27`",
            )
            .cloned();
        if let Some(i) = &image {
            self.image(&field(p, "image"), i);
        }
        let port = self
            .scalar(
                &field(p, "port"),
                &a.port,
                "allowed: a port number, 1 to 65535",
            )
            .unwrap_or(defaults::APP_PORT);
        if port == 0 {
            self.err(
                &field(p, "port"),
                "port 0 is not a port",
                "allowed: 1 to 65535",
            );
        }
        let replicas = self
            .scalar(
                &field(p, "replicas"),
                &a.replicas,
                "allowed: a whole number",
            )
            .unwrap_or(defaults::APP_REPLICAS);
        self.replicas(&field(p, "replicas"), replicas);
        let (env, field_env) = self.env_vars(p, a);

        let health = self.health(p, a, defaults);
        let routing = self.routing(p, a.routing.as_ref(), regions);
        let stack = a.stack.clone().or_else(|| name.clone());
        if let Some(s) = &a.stack
            && !is_dns1035_label(s)
        {
            self.err(
                &field(p, "stack"),
                format!("`{s}` is not a valid stack group"),
                "allowed: lowercase letters, digits and hyphens, starting with a letter",
            );
        }
        let (requests, limits) = self.resources(p, a);
        let (run_as_user, read_only_root_filesystem) = self.security(p, a);
        let rto = self.scalar(
            &field(p, "rto"),
            &a.rto,
            "allowed: a whole number of seconds",
        );
        let evaluate_target_health = self
            .scalar(
                &field(p, "evaluateTargetHealth"),
                &a.evaluate_target_health,
                "allowed: true or false",
            )
            .unwrap_or(defaults::APP_EVALUATE_TARGET_HEALTH);
        let rbac = a
            .rbac
            .as_ref()
            .and_then(|r| self.rbac(&field(p, "rbac"), r));

        let overrides = self.overrides(p, a, regions);
        Some(App {
            name: name?,
            host: host?,
            image: image?,
            port,
            replicas,
            env,
            field_env,
            health: health?,
            routing: routing?,
            evaluate_target_health,
            rto,
            stack: stack?,
            // Set by `app_albs`, once the ALBs are known.
            alb: 0,
            requests: requests?,
            limits: limits?,
            run_as_user,
            read_only_root_filesystem,
            rbac: match (&a.rbac, rbac) {
                (Some(_), None) => return None,
                (_, r) => r,
            },
            overrides,
            database: a.database.clone(),
            // Set by `app_albs`, once the ALBs are known.
            record_types: Vec::new(),
        })
    }
}
