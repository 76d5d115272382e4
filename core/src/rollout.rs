//! What `gen rollout` does next, decided from the rollout branches as the
//! remote holds them: no state but the refs. A wave whose branches all
//! point at the target is done; the first that does not is the next to
//! move; the wave moved last before it is watched again (its bake may have
//! been cut short), so a rollout interrupted anywhere resumes safely. A
//! branch the remote lacks is created at the commit its clusters already
//! run, so turning rollouts on neither stalls nor rolls back a cluster.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::rollout::RolloutPlan;

/// One Region's branch, as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    pub region: String,
    pub cluster: String,
    pub branch: String,
    /// The commit the remote's branch points at; None: no such branch.
    pub at: Option<String>,
}

/// Where a wave stands against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Every branch at the target.
    AtTarget,
    /// Some branch elsewhere (or missing).
    Behind,
}

/// What a run does with a wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// At the target, and a later wave is too (or it is not the last one
    /// moved): nothing to do.
    Done,
    /// At the target and moved last: wait until it applied and bake it
    /// again before the next wave moves.
    Rewatch,
    /// Move its branches to the target, wait, bake.
    Move,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Done => "done",
            Action::Rewatch => "watch again",
            Action::Move => "move",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveCourse {
    /// 1-based, as people count waves.
    pub number: usize,
    pub branches: Vec<Branch>,
    pub standing: Standing,
    pub action: Action,
}

/// The whole run, decided before anything moves.
#[derive(Debug, Clone, Serialize)]
pub struct Course {
    pub target: String,
    pub waves: Vec<WaveCourse>,
}

impl Course {
    /// Nothing to move: every wave is at the target.
    pub fn finished(&self) -> bool {
        self.waves.iter().all(|w| w.action == Action::Done)
    }

    /// Branches the remote lacks, each to be created first at the commit its
    /// clusters run.
    pub fn missing(&self) -> impl Iterator<Item = &Branch> {
        self.waves
            .iter()
            .flat_map(|w| &w.branches)
            .filter(|b| b.at.is_none())
    }
}

/// The course of a rollout of `plan` to `target`, with `heads` the remote's
/// branches (branch → commit; a branch absent from it does not exist).
pub fn course(plan: &RolloutPlan, heads: &BTreeMap<String, String>, target: &str) -> Course {
    let mut waves: Vec<WaveCourse> = plan
        .waves
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let branches: Vec<Branch> = w
                .regions
                .iter()
                .map(|r| Branch {
                    region: r.region.clone(),
                    cluster: r.cluster.clone(),
                    branch: r.branch.clone(),
                    at: heads.get(&r.branch).cloned(),
                })
                .collect();
            let standing = if branches.iter().all(|b| b.at.as_deref() == Some(target)) {
                Standing::AtTarget
            } else {
                Standing::Behind
            };
            WaveCourse {
                number: i + 1,
                branches,
                standing,
                action: match standing {
                    Standing::AtTarget => Action::Done,
                    Standing::Behind => Action::Move,
                },
            }
        })
        .collect();
    // The wave at the target just before the first one behind may not have
    // baked in full: watch it again.
    if let Some(next) = waves.iter().position(|w| w.standing == Standing::Behind)
        && next > 0
    {
        waves[next - 1].action = Action::Rewatch;
    }
    Course {
        target: target.to_string(),
        waves,
    }
}

/// The commit each missing branch starts at: the one its Region's clusters
/// run (`running`: Region → commit). A Region whose commit is unknown is
/// returned as an error, by name.
pub fn starts(
    course: &Course,
    running: &BTreeMap<String, String>,
) -> Result<Vec<(Branch, String)>, Vec<String>> {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for b in course.missing() {
        match running.get(&b.region) {
            Some(c) => out.push((b.clone(), c.clone())),
            None => unknown.push(b.region.clone()),
        }
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(unknown)
    }
}

/// How a change goes out under a rollout: each wave with whether its
/// clusters' files change, and each new record that waits for its wave
/// (DNS follows the clusters). For `gen plan`.
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    pub derived: bool,
    pub waves: Vec<PassageWave>,
    /// (stack, app, Region, wave number): records this change adds.
    pub dns_waits: Vec<(String, String, String, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PassageWave {
    pub number: usize,
    /// (Region, cluster, whether its files change).
    pub regions: Vec<(String, String, bool)>,
}

/// The passage of the change from `base` to `head` (`changed`: the
/// clusters whose rendered files differ). None without a rollout.
pub fn passage(
    base: Option<&crate::model::Plan>,
    head: &crate::model::Plan,
    changed: &[String],
) -> Option<Passage> {
    let r = head.rollout.as_ref()?;
    let waves = r
        .waves
        .iter()
        .enumerate()
        .map(|(i, w)| PassageWave {
            number: i + 1,
            regions: w
                .regions
                .iter()
                .map(|x| {
                    (
                        x.region.clone(),
                        x.cluster.clone(),
                        x.clusters.iter().any(|c| changed.contains(c)),
                    )
                })
                .collect(),
        })
        .collect();
    let had = |app: &str, region: &str| base.is_some_and(|b| b.entry(app, region).is_some());
    let dns_waits = head
        .stacks
        .iter()
        .flat_map(|s| s.entries.iter().map(move |e| (s, e)))
        .filter(|(_, e)| !had(&e.record.app, &e.record.region))
        .map(|(s, e)| {
            (
                s.name.clone(),
                e.record.app.clone(),
                e.record.region.clone(),
                r.wave_of(&e.record.region).map_or(0, |w| w + 1),
            )
        })
        .collect();
    Some(Passage {
        derived: r.derived,
        waves,
        dns_waits,
    })
}

impl Passage {
    /// Plain text, for the terminal.
    pub fn text(&self) -> String {
        let mut out = format!(
            "\nrollout: {} waves ({}), each after the one before baked green (`gen rollout`)\n",
            self.waves.len(),
            if self.derived {
                "gen's default order"
            } else {
                "rollout.waves"
            }
        );
        for w in &self.waves {
            let regions: Vec<String> = w
                .regions
                .iter()
                .map(|(r, c, changes)| {
                    format!(
                        "{r} ({c}: {})",
                        if *changes { "changes" } else { "no change" }
                    )
                })
                .collect();
            out.push_str(&format!("  wave {}: {}\n", w.number, regions.join(", ")));
        }
        for (stack, app, region, wave) in &self.dns_waits {
            out.push_str(&format!(
                "  {stack} waits for wave {wave}: the new record of {app} in {region} (run `gen rollout` before `gen deploy`)\n"
            ));
        }
        out
    }

    /// Markdown, for a pull-request comment.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "\n### Rollout\n\n{} waves ({}), each after the one before baked green:\n\n| Wave | Region | Cluster | Changes |\n|---|---|---|---|\n",
            self.waves.len(),
            if self.derived {
                "gen's default order"
            } else {
                "`rollout.waves`"
            }
        );
        for w in &self.waves {
            for (r, c, changes) in &w.regions {
                out.push_str(&format!(
                    "| {} | {r} | {c} | {} |\n",
                    w.number,
                    if *changes { "yes" } else { "no" }
                ));
            }
        }
        if !self.dns_waits.is_empty() {
            out.push_str("\nDNS follows the clusters: run `gen rollout` before `gen deploy`.\n\n");
            for (stack, app, region, wave) in &self.dns_waits {
                out.push_str(&format!(
                    "- `{stack}` waits for wave {wave}: the new record of `{app}` in {region}\n"
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::plan_of;

    const SPEC: &str = "version: 1
name: t
dns: {zone: example.com}
regions:
  - {name: eu-west-1, cluster: c1}
  - {name: eu-central-1, cluster: c2}
  - {name: us-east-1, cluster: c3}
rollout:
  source: {url: ssh://git@example.com/r.git}
  waves: [[us-east-1], [eu-central-1, eu-west-1]]
apps:
  - {name: a, host: a.example.com, image: i, health: {path: /a}}
";

    fn heads(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(r, c)| (format!("rollout/t/{r}"), c.to_string()))
            .collect()
    }

    fn actions(c: &Course) -> Vec<Action> {
        c.waves.iter().map(|w| w.action).collect()
    }

    #[test]
    fn a_new_target_moves_every_wave_in_order() {
        let plan = plan_of(SPEC);
        let r = plan.rollout.as_ref().unwrap();
        let h = heads(&[
            ("eu-west-1", "old"),
            ("eu-central-1", "old"),
            ("us-east-1", "old"),
        ]);
        let c = course(r, &h, "new");
        assert_eq!(actions(&c), [Action::Move, Action::Move]);
        assert_eq!(c.waves[1].branches.len(), 2);
        assert!(!c.finished());
        assert_eq!(c.missing().count(), 0);
    }

    #[test]
    fn a_run_cut_short_watches_the_last_moved_wave_again() {
        let plan = plan_of(SPEC);
        let r = plan.rollout.as_ref().unwrap();
        let h = heads(&[
            ("eu-west-1", "old"),
            ("eu-central-1", "old"),
            ("us-east-1", "new"),
        ]);
        assert_eq!(
            actions(&course(r, &h, "new")),
            [Action::Rewatch, Action::Move]
        );
        // Half a wave moved (a push the remote took in part) is behind.
        let h = heads(&[
            ("eu-west-1", "new"),
            ("eu-central-1", "old"),
            ("us-east-1", "new"),
        ]);
        assert_eq!(
            actions(&course(r, &h, "new")),
            [Action::Rewatch, Action::Move]
        );
        let h = heads(&[
            ("eu-west-1", "new"),
            ("eu-central-1", "new"),
            ("us-east-1", "new"),
        ]);
        let c = course(r, &h, "new");
        assert_eq!(actions(&c), [Action::Done, Action::Done]);
        assert!(c.finished());
    }

    #[test]
    fn a_new_apps_records_wait_for_the_wave_of_each_region() {
        let base = plan_of(SPEC);
        let head = plan_of(&format!(
            "{SPEC}  - {{name: b, host: b.example.com, image: i, health: {{path: /b}}}}\n"
        ));
        let p = passage(Some(&base), &head, &["c3".to_string()]).unwrap();
        assert_eq!(
            p.waves[0].regions,
            [("us-east-1".to_string(), "c3".to_string(), true)]
        );
        assert!(!p.waves[1].regions[0].2);
        let waits: Vec<(&str, usize)> = p.dns_waits.iter().map(|w| (w.2.as_str(), w.3)).collect();
        assert_eq!(
            waits,
            [("eu-west-1", 2), ("eu-central-1", 2), ("us-east-1", 1)]
        );
        assert!(p.dns_waits.iter().all(|w| w.0 == "t-dns-b" && w.1 == "b"));
        assert!(
            p.text()
                .contains("t-dns-b waits for wave 1: the new record of b in us-east-1")
        );
        // No change of records: nothing waits.
        assert!(
            passage(Some(&head), &head, &[])
                .unwrap()
                .dns_waits
                .is_empty()
        );
    }

    #[test]
    fn missing_branches_start_where_their_clusters_run() {
        let plan = plan_of(SPEC);
        let r = plan.rollout.as_ref().unwrap();
        let c = course(r, &heads(&[("us-east-1", "old")]), "new");
        let missing: Vec<&str> = c.missing().map(|b| b.region.as_str()).collect();
        assert_eq!(missing, ["eu-central-1", "eu-west-1"]);
        let running: BTreeMap<String, String> =
            [("eu-central-1".to_string(), "c2run".to_string())].into();
        assert_eq!(starts(&c, &running).unwrap_err(), ["eu-west-1"]);
        let running: BTreeMap<String, String> = [
            ("eu-central-1".to_string(), "c2run".to_string()),
            ("eu-west-1".to_string(), "c1run".to_string()),
        ]
        .into();
        let s = starts(&c, &running).unwrap();
        assert_eq!(s[0].1, "c2run");
        assert_eq!(s[1].0.branch, "rollout/t/eu-west-1");
    }
}
