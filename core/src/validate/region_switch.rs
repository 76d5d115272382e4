//! `regionSwitch`: ARC Region switch plans. Their traffic step sets ARC's
//! routing controls when ARC is on, else the health checks the plans make;
//! a plan takes two Regions; the approval role is an IAM role;
//! the scaling percentage and the objective keep to the plan's schema
//! (`AWS::ARCRegionSwitch::Plan`: `TargetPercent` "minimum": 1,
//! `RecoveryTimeObjectiveMinutes` 1 to 10080); every plan name (one per
//! pair of Regions) and the execution role's name fit their limits.

use super::*;
use crate::facts::arn::Arn;

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
        ok.then(|| RegionSwitch {
            scale_percent,
            approval_role: raw.approval_role.clone(),
            rto_minutes,
        })
    }
}
