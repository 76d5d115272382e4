//! `regionSwitch`: ARC Region switch plans. Their traffic step sets ARC's
//! routing controls when ARC is on, else the health checks the plans make;
//! a plan takes two Regions; the approval role is an IAM role;
//! the scaling percentage and the objective keep to the plan's schema
//! (`AWS::ARCRegionSwitch::Plan`: `TargetPercent` "minimum": 1,
//! `RecoveryTimeObjectiveMinutes` 1 to 10080); every plan name (one per
//! pair of Regions) and the execution role's name fit their limits.

use super::*;
use crate::facts::arn::Arn;
use crate::spec::checked::{SwitchAlarm, SwitchReport, SwitchTrigger};

/// `RecoveryTimeObjectiveMinutes`: "minimum": 1, "maximum": 10080.
const RTO_MINUTES: std::ops::RangeInclusive<u32> = 1..=10_080;

impl Validator {
    pub(super) fn region_switch(
        &mut self,
        raw: &spec::RawRegionSwitch,
        name: &str,
        regions: &[String],
        apps: &[App],
        arc: Option<&Arc>,
    ) -> Option<RegionSwitch> {
        let enabled = self.scalar(
            "regionSwitch.enabled",
            &raw.enabled,
            "allowed: true or false",
        );
        if !enabled.unwrap_or(defaults::REGION_SWITCH_ENABLED) {
            return None;
        }
        let mut ok = true;
        if regions.len() < 2 {
            ok = false;
            self.err(
                "regionSwitch",
                format!(
                    "a Region switch plan moves traffic between two Regions, and this spec has {}",
                    regions.len()
                ),
                "add a second Region, or turn regionSwitch off",
            );
        }
        // With ARC the plans move traffic only through routing controls: an
        // app without one would be scaled up and left where it is.
        if let Some(arc) = arc {
            let left: Vec<&str> = apps
                .iter()
                .map(|a| a.name.as_str())
                .filter(|a| !arc.apps.iter().any(|x| x == a))
                .collect();
            if !left.is_empty() {
                ok = false;
                self.err(
                    "arc.apps",
                    format!(
                        "the Region switch plans move traffic with the routing controls, and {} ha{} none: a switch would scale {} up and leave {} traffic where it is",
                        left.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                        if left.len() == 1 { "s" } else { "ve" },
                        if left.len() == 1 { "it" } else { "them" },
                        if left.len() == 1 { "its" } else { "their" },
                    ),
                    "leave arc.apps out (every app), list every app, or turn arc off so that the plans move traffic with their own health checks",
                );
            }
        }
        let scale_percent = self
            .scalar(
                "regionSwitch.scalePercent",
                &raw.scale_percent,
                "allowed: a whole number of percent, 1 or more",
            )
            .unwrap_or(defaults::REGION_SWITCH_SCALE_PERCENT);
        if scale_percent == 0 {
            ok = false;
            self.err(
                "regionSwitch.scalePercent",
                "0 % would scale nothing up",
                "allowed: 1 or more (100: as many replicas as the Region traffic leaves)",
            );
        }
        if let Some(role) = &raw.approval_role {
            let is_role = Arn::parse(role).is_some_and(|a| {
                a.service == "iam" && a.has_account() && a.resource.starts_with("role/")
            });
            if !is_role {
                ok = false;
                self.err(
                    "regionSwitch.approvalRole",
                    format!("`{}` is not an IAM role ARN", role.escape_debug()),
                    "allowed: arn:aws:iam::ACCOUNT:role/NAME, the role whose holders approve a switch",
                );
            }
        }
        let stated = self.scalar(
            "regionSwitch.rtoMinutes",
            &raw.rto_minutes,
            "allowed: whole minutes, 1 to 10080",
        );
        if let Some(m) = stated
            && !RTO_MINUTES.contains(&m)
        {
            ok = false;
            self.err(
                "regionSwitch.rtoMinutes",
                format!("{m} minutes is outside the plan's objective range"),
                "allowed: 1 to 10080 (a week)",
            );
        }
        let rto_minutes = stated.or_else(|| {
            apps.iter().filter_map(|a| a.rto).max().map(|s| {
                s.div_ceil(60)
                    .clamp(*RTO_MINUTES.start(), *RTO_MINUTES.end())
            })
        });
        let role = layout::region_switch_role_name(name);
        if role.len() > 64 {
            ok = false;
            self.err(
                "name",
                format!(
                    "the Region switch execution role `{role}` has {} characters",
                    role.len()
                ),
                "allowed: IAM role names of at most 64 characters; shorten `name`",
            );
        }
        for (i, a) in regions.iter().enumerate() {
            for b in &regions[i + 1..] {
                let plan = layout::region_switch_plan_name(name, a, b);
                if plan.len() > 32 {
                    ok = false;
                    self.err(
                        "name",
                        format!(
                            "the Region switch plan `{plan}` has {} characters",
                            plan.len()
                        ),
                        "allowed: plan names of at most 32 characters (`AWS::ARCRegionSwitch::Plan` Name); shorten `name`",
                    );
                }
            }
        }
        let alarms = self.switch_alarms(raw, &mut ok);
        let triggers = self.switch_triggers(raw, regions, &alarms, &mut ok);
        let report = self.switch_report(raw, &mut ok);
        ok.then(|| RegionSwitch {
            scale_percent,
            approval_role: raw.approval_role.clone(),
            rto_minutes,
            alarms,
            triggers,
            report,
        })
    }

    /// `regionSwitch.alarms`: CloudWatch alarm ARNs, each of a type the
    /// plan's `AlarmType` takes ("applicationHealth", "trigger").
    fn switch_alarms(&mut self, raw: &spec::RawRegionSwitch, ok: &mut bool) -> Vec<SwitchAlarm> {
        let mut out = Vec::new();
        for (name, a) in raw.alarms.iter().flatten() {
            let p = format!("regionSwitch.alarms.{name}");
            if name.is_empty() || name.len() > 255 || !name.chars().all(|c| c.is_ascii_graphic()) {
                *ok = false;
                self.err(
                    &p,
                    format!("`{}` is not an alarm name gen takes", name.escape_debug()),
                    "allowed: 1 to 255 printable characters without spaces",
                );
            }
            let kind = match a.kind.as_deref() {
                None | Some("applicationHealth") => "applicationHealth",
                Some("trigger") => "trigger",
                Some(other) => {
                    *ok = false;
                    self.err(
                        &field(&p, "type"),
                        format!("unknown alarm type `{}`", other.escape_debug()),
                        "allowed: applicationHealth (the plans show the application's health) or trigger (a trigger's condition)",
                    );
                    continue;
                }
            };
            let Some(arn) = self.required(
                &field(&p, "alarmArn"),
                &a.alarm_arn,
                "the alarm's ARN, arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME",
            ) else {
                *ok = false;
                continue;
            };
            let is_alarm = Arn::parse(arn).is_some_and(|x| {
                x.service == "cloudwatch"
                    && x.has_account()
                    && !x.region.is_empty()
                    && x.resource
                        .strip_prefix("alarm:")
                        .is_some_and(|n| !n.is_empty())
            });
            if !is_alarm {
                *ok = false;
                self.err(
                    &field(&p, "alarmArn"),
                    format!("`{}` is not a CloudWatch alarm ARN", arn.escape_debug()),
                    "allowed: arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME",
                );
                continue;
            }
            out.push(SwitchAlarm {
                name: name.clone(),
                arn: arn.clone(),
                kind,
            });
        }
        out
    }

    /// `regionSwitch.triggers`: each targets a Region of the spec, with 1
    /// to 10 conditions (`Trigger`: `Conditions` "minItems": 1,
    /// "maxItems": 10) on alarms of type `trigger`.
    fn switch_triggers(
        &mut self,
        raw: &spec::RawRegionSwitch,
        regions: &[String],
        alarms: &[SwitchAlarm],
        ok: &mut bool,
    ) -> Vec<SwitchTrigger> {
        let mut out = Vec::new();
        for (i, t) in raw.triggers.iter().flatten().enumerate() {
            let p = format!("regionSwitch.triggers[{i}]");
            let mut good = true;
            let target = self.required(
                &field(&p, "targetRegion"),
                &t.target_region,
                "the Region the trigger's workflow activates",
            );
            if let Some(r) = target
                && !regions.contains(r)
            {
                good = false;
                self.err(
                    &field(&p, "targetRegion"),
                    format!("`{r}` is not a Region of this spec"),
                    super::format::allowed_regions(regions),
                );
            }
            let action = match t.action.as_deref() {
                None | Some("activate") => "activate",
                Some("deactivate") => "deactivate",
                Some(other) => {
                    good = false;
                    self.err(
                        &field(&p, "action"),
                        format!("unknown action `{}`", other.escape_debug()),
                        "allowed: activate or deactivate",
                    );
                    "activate"
                }
            };
            let conditions = t.conditions.as_deref().unwrap_or_default();
            if !(1..=10).contains(&conditions.len()) {
                good = false;
                self.err(
                    &field(&p, "conditions"),
                    format!("{} conditions", conditions.len()),
                    "allowed: 1 to 10 conditions, each {alarm: NAME, state: red|green}",
                );
            }
            let mut conds = Vec::new();
            for (j, c) in conditions.iter().enumerate() {
                let cp = format!("{p}.conditions[{j}]");
                let alarm = self.required(
                    &field(&cp, "alarm"),
                    &c.alarm,
                    "a name of regionSwitch.alarms",
                );
                let state = match c.state.as_deref() {
                    Some("red") => Some("red"),
                    Some("green") => Some("green"),
                    Some(other) => {
                        self.err(
                            &field(&cp, "state"),
                            format!("unknown state `{}`", other.escape_debug()),
                            "allowed: red (the alarm is in ALARM) or green",
                        );
                        None
                    }
                    None => {
                        self.err(
                            &field(&cp, "state"),
                            "missing required field",
                            "allowed: red or green",
                        );
                        None
                    }
                };
                if let Some(a) = alarm {
                    match alarms.iter().find(|x| &x.name == a) {
                        Some(x) if x.kind == "trigger" => {}
                        Some(_) => {
                            good = false;
                            self.err(
                                &field(&cp, "alarm"),
                                format!("alarm `{a}` is of type applicationHealth"),
                                format!("set regionSwitch.alarms.{a}.type to trigger to start a switch on it"),
                            );
                        }
                        None => {
                            good = false;
                            self.err(
                                &field(&cp, "alarm"),
                                format!(
                                    "no alarm named `{}` in regionSwitch.alarms",
                                    a.escape_debug()
                                ),
                                "declare it under regionSwitch.alarms with type: trigger",
                            );
                        }
                    }
                }
                match (alarm, state) {
                    (Some(a), Some(s)) => conds.push((a.clone(), s)),
                    _ => good = false,
                }
            }
            let min_delay = self
                .scalar(
                    &field(&p, "minDelayMinutes"),
                    &t.min_delay_minutes,
                    "allowed: whole minutes",
                )
                .unwrap_or(defaults::REGION_SWITCH_TRIGGER_MIN_DELAY);
            match (good, target) {
                (true, Some(r)) => out.push(SwitchTrigger {
                    target_region: r.clone(),
                    action,
                    conditions: conds,
                    min_delay_minutes: min_delay,
                }),
                _ => *ok = false,
            }
        }
        out
    }

    /// `regionSwitch.report`: `S3ReportOutputConfiguration`'s `BucketPath`
    /// (`^(?:s3://)?[a-z0-9][a-z0-9-]{1,61}[a-z0-9](?:/[^/ ][^/]*)*/?$`, 3
    /// to 512) and `BucketOwner` (`^\d{12}$`).
    fn switch_report(
        &mut self,
        raw: &spec::RawRegionSwitch,
        ok: &mut bool,
    ) -> Option<SwitchReport> {
        let r = raw.report.as_ref()?;
        let path = self.required(
            "regionSwitch.report.bucketPath",
            &r.bucket_path,
            "s3://BUCKET[/PREFIX], where the execution reports go",
        )?;
        let good = is_bucket_path(path);
        if !good {
            *ok = false;
            self.err(
                "regionSwitch.report.bucketPath",
                format!("`{}` is not an S3 bucket path", path.escape_debug()),
                "allowed: s3://BUCKET[/PREFIX] (BUCKET: 3 to 63 lowercase letters, digits and hyphens)",
            );
        }
        if let Some(o) = &r.bucket_owner
            && !(o.len() == 12 && o.chars().all(|c| c.is_ascii_digit()))
        {
            *ok = false;
            self.err(
                "regionSwitch.report.bucketOwner",
                format!("`{}` is not an account ID", o.escape_debug()),
                "allowed: 12 digits",
            );
        }
        good.then(|| SwitchReport {
            bucket_path: path.clone(),
            bucket_owner: r.bucket_owner.clone(),
        })
    }
}

/// Whether `path` is `s3://BUCKET[/PREFIX]` in the plan's form.
fn is_bucket_path(path: &str) -> bool {
    if !(3..=512).contains(&path.len()) {
        return false;
    }
    let rest = path.strip_prefix("s3://").unwrap_or(path);
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    // No `$`: the role's resource is an `Fn::Sub` string.
    let prefix_ok = prefix.is_empty()
        || prefix
            .split('/')
            .all(|seg| !seg.is_empty() && !seg.starts_with(' ') && !seg.contains('$'));
    bucket_ok && prefix_ok
}

#[cfg(test)]
mod tests {
    use super::super::tests::errors;

    const BASE: &str = "version: 1\nname: t\ndns: {zone: example.com}\nregions:\n  - {name: eu-west-1, cluster: c1}\n  - {name: us-east-1, cluster: c2}\napps:\n  - {name: a, host: a.example.com, image: i, health: {path: /a}}\nregionSwitch:\n  enabled: true\n";

    #[test]
    fn alarms_triggers_and_a_report_pass_and_their_mistakes_are_named() {
        let good = format!(
            "{BASE}  alarms:\n    errors: {{alarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:errors', type: trigger}}\n  triggers:\n    - {{targetRegion: us-east-1, conditions: [{{alarm: errors, state: red}}]}}\n  report: {{bucketPath: 's3://switch-reports/shop'}}\n"
        );
        assert!(errors(&good).is_empty(), "{:?}", errors(&good));
        let bad = good
            .replace("type: trigger", "type: applicationHealth")
            .replace("us-east-1, conditions", "ap-south-1, conditions")
            .replace("s3://switch-reports", "s3://Switch_Reports");
        let e = errors(&bad);
        for f in [
            "regionSwitch.triggers[0].conditions[0].alarm",
            "regionSwitch.triggers[0].targetRegion",
            "regionSwitch.report.bucketPath",
        ] {
            assert!(e.iter().any(|x| x.contains(f)), "{f} in {e:?}");
        }
    }
}
