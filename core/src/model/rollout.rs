//! The rollout plan: which Regions each wave holds, the branch each
//! Region's clusters follow, and the order gen chooses when the spec gives
//! none.
//!
//! The default order (docs/rollout.md, "The default order"): one Region per
//! wave, the Regions that carry the least of the apps' traffic first, and
//! last the Regions that are some app's only serving Region (a failover
//! primary, or the one weighted Region of a weighted app), so that a bad
//! change meets the fewest users first and never reaches an app's standby
//! and its primary together. Amazon's practice is the same: "prevent
//! negative impact to multiple Regions at the same time" (the Amazon
//! Builders' Library, "Automating safe, hands-off deployments"), by
//! "deploying changes to deployment groups, or waves, of increasing size"
//! (AWS DevOps Guidance, DL.ADS.3).

use serde::Serialize;

use crate::facts::route53::METRICS_REGION;
use crate::layout::{self, pascal};
use crate::model::{StackInput, StackPlan};
use crate::spec::checked::{Rollout, Routing, Spec};

#[derive(Debug, Clone, Serialize, Hash)]
pub struct RolloutPlan {
    /// The Flux `GitRepository` gen's Kustomizations read from.
    pub source: String,
    pub url: String,
    pub secret_ref: String,
    pub waves: Vec<Wave>,
    /// The waves are gen's default order, not the spec's.
    pub derived: bool,
    pub bake_minutes: u32,
    pub apply_minutes: u32,
    pub alarms: Vec<String>,
    /// Per DNS stack, the alarms on its health checks (filled by `alarms`).
    pub alarm_stacks: Vec<AlarmStackPlan>,
}

/// A stack of CloudWatch alarms in us-east-1, one per health check of a DNS
/// stack; the check IDs are parameters `gen deploy` passes from that
/// stack's outputs.
#[derive(Debug, Clone, Serialize, Hash)]
pub struct AlarmStackPlan {
    pub name: String,
    pub region: String,
    /// The DNS stack whose checks it watches.
    pub dns_stack: String,
    pub description: String,
    pub inputs: Vec<StackInput>,
    pub alarms: Vec<AlarmPlan>,
    /// The SNS topic each alarm notifies, in ALARM and back in OK.
    pub notify: Option<String>,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct AlarmPlan {
    pub logical_id: String,
    /// `AlarmName`: unique in the account and Region, at most 255
    /// characters (`AWS::CloudWatch::Alarm`).
    pub alarm_name: String,
    /// The parameter that takes the check's ID, and its description.
    pub parameter: String,
    pub parameter_description: String,
    pub description: String,
    pub app: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct Wave {
    pub regions: Vec<WaveRegion>,
}

#[derive(Debug, Clone, Serialize, Hash)]
pub struct WaveRegion {
    pub region: String,
    /// Its (first) cluster, for a person.
    pub cluster: String,
    /// Every cluster of the Region (one, or several by weight).
    pub clusters: Vec<String>,
    /// The branch this Region's clusters follow.
    pub branch: String,
}

impl RolloutPlan {
    /// The wave (index) that holds `region`.
    pub fn wave_of(&self, region: &str) -> Option<usize> {
        self.waves
            .iter()
            .position(|w| w.regions.iter().any(|r| r.region == region))
    }

    /// The branch `region` follows.
    pub fn branch_of(&self, region: &str) -> Option<&str> {
        self.waves
            .iter()
            .flat_map(|w| &w.regions)
            .find(|r| r.region == region)
            .map(|r| r.branch.as_str())
    }
}

pub fn plan(spec: &Spec, r: &Rollout) -> RolloutPlan {
    let order = r.waves.clone().unwrap_or_else(|| default_waves(spec));
    let waves = order
        .iter()
        .map(|wave| Wave {
            regions: wave
                .iter()
                .filter_map(|name| spec.regions.iter().find(|x| &x.name == name))
                .map(|x| WaveRegion {
                    region: x.name.clone(),
                    cluster: x.single().name.clone(),
                    clusters: x.clusters.iter().map(|c| c.name.clone()).collect(),
                    branch: layout::rollout_branch(&r.branch_prefix, &x.name),
                })
                .collect(),
        })
        .collect();
    RolloutPlan {
        source: layout::rollout_source(&spec.name),
        url: r.url.clone(),
        secret_ref: r.secret_ref.clone(),
        waves,
        derived: r.waves.is_none(),
        bake_minutes: r.bake_minutes,
        apply_minutes: r.apply_minutes,
        alarms: r.alarms.clone(),
        alarm_stacks: Vec::new(),
    }
}

/// An alarm per health check of each DNS stack, in a stack of its own per
/// DNS stack in us-east-1 ("Route 53 metrics are not available if you
/// select any other region": `facts::route53::METRICS_REGION`); each DNS
/// stack gains an output per check ID, which `gen deploy` passes on.
pub fn alarms(spec: &Spec, stacks: &mut [StackPlan]) -> Vec<AlarmStackPlan> {
    let notify = spec.rollout.as_ref().and_then(|r| r.notify.clone());
    stacks
        .iter_mut()
        .map(|s| {
            let mut a = AlarmStackPlan {
                name: layout::alarm_stack_name(&spec.name, &s.group),
                region: METRICS_REGION.to_string(),
                dns_stack: s.name.clone(),
                description: format!(
                    "CloudWatch alarms on the Route 53 health checks of stack {} ({}, rendered by gen)",
                    s.name, spec.name
                ),
                inputs: Vec::new(),
                alarms: Vec::new(),
                notify: notify.clone(),
            };
            for e in &s.entries {
                let hc = &e.health_check;
                let output = layout::check_output(&hc.logical_id);
                a.inputs.push(StackInput {
                    parameter: hc.logical_id.clone(),
                    stack: s.name.clone(),
                    output,
                    health_check: None,
                });
                a.alarms.push(AlarmPlan {
                    logical_id: format!("Alarm{}{}", pascal(&hc.app), pascal(&hc.region)),
                    alarm_name: format!("{}-{}-{}-health", spec.name, hc.app, hc.region),
                    parameter: hc.logical_id.clone(),
                    parameter_description: format!(
                        "ID of the health check of {} in {} (output {}Id of stack {}; gen deploy passes it)",
                        hc.app, hc.region, hc.logical_id, s.name
                    ),
                    description: format!(
                        "Route 53 sees {} unhealthy in {} ({}): gen rollout stops on it",
                        hc.app, hc.region, spec.name
                    ),
                    app: hc.app.clone(),
                    region: hc.region.clone(),
                });
            }
            a
        })
        .collect()
}

/// What a Region carries in the default order: how many apps it alone
/// serves, and its share of the apps' traffic (an app's whole traffic
/// counts 1: its weight share, an even share under latency routing, all of
/// it at a failover primary).
#[derive(Debug, Default, Clone, Copy, PartialEq, PartialOrd)]
struct Load {
    sole: usize,
    share: f64,
}

fn load(spec: &Spec, region: &str) -> Load {
    let mut l = Load::default();
    let n = spec.regions.len() as f64;
    for app in &spec.apps {
        let share = match &app.routing {
            Routing::Latency => 1.0 / n,
            Routing::Weighted(w) => {
                let total: u32 = w.values().map(|&x| u32::from(x)).sum();
                let mine = w.get(region).copied().map_or(0, u32::from);
                if total == 0 {
                    0.0
                } else {
                    f64::from(mine) / f64::from(total)
                }
            }
            Routing::Failover { primary, .. } => f64::from(u8::from(primary == region)),
            // An even share of the Regions that answer some location.
            Routing::Geolocation(g) if g.contains_key(region) => 1.0 / g.len() as f64,
            Routing::Geoproximity(g) if g.contains_key(region) => 1.0 / g.len() as f64,
            Routing::Geolocation(_) | Routing::Geoproximity(_) => 0.0,
        };
        if share >= 1.0 {
            l.sole += 1;
        }
        l.share += share;
    }
    l
}

/// One Region per wave: the least loaded first, the Regions some app
/// depends on alone last; ties keep the spec's order.
pub fn default_waves(spec: &Spec) -> Vec<Vec<String>> {
    let mut regions: Vec<(Load, usize, &str)> = spec
        .regions
        .iter()
        .enumerate()
        .map(|(i, r)| (load(spec, &r.name), i, r.name.as_str()))
        .collect();
    regions.sort_by(|a, b| {
        (a.0.sole > 0)
            .cmp(&(b.0.sole > 0))
            .then(a.0.share.total_cmp(&b.0.share))
            .then(a.1.cmp(&b.1))
    });
    regions
        .into_iter()
        .map(|(_, _, r)| vec![r.to_string()])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::spec_of;

    fn spec(apps: &str) -> Spec {
        spec_of(&format!(
            "version: 1\nname: t\ndns: {{zone: example.com}}\nregions:\n  - {{name: eu-west-1, cluster: c1}}\n  - {{name: eu-central-1, cluster: c2}}\n  - {{name: us-east-1, cluster: c3}}\napps:\n{apps}"
        ))
    }

    const APP: &str = "image: i";

    #[test]
    fn a_failover_primary_goes_last_and_the_least_weighted_first() {
        let s = spec(&format!(
            "  - {{name: a, host: a.example.com, {APP}, health: {{path: /a}}, routing: {{failover: {{primary: eu-west-1, secondary: us-east-1}}}}}}\n  - {{name: b, host: b.example.com, {APP}, health: {{path: /b}}, routing: {{weighted: {{eu-west-1: 10, eu-central-1: 60, us-east-1: 30}}}}}}\n"
        ));
        assert_eq!(
            default_waves(&s),
            [["us-east-1"], ["eu-central-1"], ["eu-west-1"]]
        );
    }

    #[test]
    fn latency_alone_keeps_the_spec_order_one_region_a_wave() {
        let s = spec(&format!(
            "  - {{name: a, host: a.example.com, {APP}, health: {{path: /a}}}}\n"
        ));
        assert_eq!(
            default_waves(&s),
            [["eu-west-1"], ["eu-central-1"], ["us-east-1"]]
        );
    }

    #[test]
    fn the_one_weighted_region_counts_as_a_primary() {
        let s = spec(&format!(
            "  - {{name: a, host: a.example.com, {APP}, health: {{path: /a}}, routing: {{weighted: {{eu-west-1: 0, eu-central-1: 100, us-east-1: 0}}}}}}\n  - {{name: b, host: b.example.com, {APP}, health: {{path: /b}}, routing: {{weighted: {{eu-west-1: 50, eu-central-1: 0, us-east-1: 50}}}}}}\n"
        ));
        let waves = default_waves(&s);
        assert_eq!(waves.last().unwrap(), &["eu-central-1"]);
        assert_eq!(waves[0], ["eu-west-1"]);
    }
}
