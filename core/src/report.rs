//! The failover picture `gen report` draws: for each host and each failure
//! scenario, the Regions that answer, whether that moved from the calm
//! answer, and whether the answer is a danger (Route 53 failing open, or an
//! answer from where the app is down). Computed from the same `World` and
//! scenarios as `gen simulate`, so both always say the same.

use serde::Serialize;

use crate::simulate::{Answer, Scenario, SwitchOrder, World};

#[derive(Debug, Serialize)]
pub struct Matrix {
    /// Every Region that answers anywhere, in the order the colours follow.
    pub regions: Vec<String>,
    /// Each scenario's description, in column order.
    pub scenarios: Vec<String>,
    pub rows: Vec<Row>,
    /// Against a base: the hosts that answered there and answer no more.
    pub gone: Vec<String>,
    /// Each Region switch column's workflows, step by step: the order in
    /// which a switch promotes databases and moves traffic.
    pub switch_orders: Vec<(String, Vec<SwitchOrder>)>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub host: String,
    pub app: Option<String>,
    /// What answers when nothing fails.
    pub calm: Vec<String>,
    pub cells: Vec<Cell>,
    /// Against a base: what answered there when nothing failed, when that
    /// differs (`Some(vec![])`: the host did not answer at all).
    pub calm_was: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    /// The Regions answering, as `gen simulate` writes them (a weighted
    /// set's with their weights).
    pub regions: Vec<String>,
    pub moved: bool,
    /// Why the answer is a danger, when it is.
    pub danger: Option<String>,
    /// The Route 53 rule that decided.
    pub rule: String,
    /// Against a base: what answered there in the same scenario, when that
    /// differs.
    pub was: Option<Vec<String>>,
}

pub use crate::simulate::region_name;

impl Row {
    /// Against a base: whether any answer differs from the base's.
    pub fn changed(&self) -> bool {
        self.calm_was.is_some() || self.cells.iter().any(|c| c.was.is_some())
    }
}

impl Cell {
    /// The Region names alone (without weights).
    pub fn region_names(&self) -> Vec<&str> {
        self.regions.iter().map(|r| region_name(r)).collect()
    }
}

/// The report's scenarios: `gen simulate`'s defaults, then, with ARC, each
/// Region's routing controls Off, and with Region switch plans, a switch to
/// each Region they hold.
pub fn scenarios(world: &World) -> Vec<Scenario> {
    let mut out = crate::simulate::default_scenarios(world);
    out.extend(gated(world));
    out
}

/// The scenarios of ARC (each Region's routing controls Off) and of Region
/// switch (a switch to each Region the plans hold).
fn gated(world: &World) -> Vec<Scenario> {
    let mut out = Vec::new();
    if world.has_routing_controls() {
        for r in world.regions() {
            let mut s = Scenario::default();
            s.arc_off.insert(r);
            out.push(s);
        }
    }
    for r in world.regions() {
        if let Some((plans, off)) = world.switch_to(&r) {
            out.push(Scenario {
                controls_off: off,
                switched_to: Some((r, plans)),
                ..Default::default()
            });
        }
    }
    out
}

/// What one column of the matrix asks of each host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The same scenario for every host.
    Fixed(Scenario),
    /// The host's own app down in this Region.
    OwnApp(String),
    /// The ALB that carries the host's app down in this Region.
    OwnAlb(String),
}

impl Column {
    /// The scenario this column asks of a host whose app is `app`; None
    /// when it asks nothing of it (its app does not run in the Region).
    pub fn scenario(&self, world: &World, app: Option<&str>) -> Option<Scenario> {
        let mut s = Scenario::default();
        match self {
            Column::Fixed(f) => return Some(f.clone()),
            Column::OwnApp(r) => {
                let app = app.filter(|a| world.runs_in(a, r))?;
                s.apps_down.insert((app.to_string(), r.clone()));
            }
            Column::OwnAlb(r) => {
                let app = app.filter(|a| world.runs_in(a, r))?;
                s.albs_down
                    .insert((world.app_alb.get(app)?.clone(), r.clone()));
            }
        }
        Some(s)
    }
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Column::Fixed(s) => write!(f, "{s}"),
            Column::OwnApp(r) => write!(f, "its app down in {r}"),
            Column::OwnAlb(r) => write!(f, "its ALB down in {r}"),
        }
    }
}

/// Apps up to which the report asks every scenario of every host (the
/// full matrix); past them, each host's own failures (`compact`).
pub const FULL_UP_TO_APPS: usize = 20;

/// Every scenario of `scenarios`, asked of every host: columns grow with
/// the apps, cells with their square.
pub fn full(world: &World) -> Vec<Column> {
    scenarios(world).into_iter().map(Column::Fixed).collect()
}

/// Per Region: the host's own app down, the Region down, and (with several
/// ALBs) the host's own ALB down; each cluster of a Region with several;
/// then the ARC and Region switch columns.
/// Cells grow with hosts × (Regions + ALBs). Nothing is lost against the
/// full matrix: another app's failure, or another ALB's, never moves a
/// host's answer, whose records carry only its own app's checks
/// (`cli::report::tests::the_compact_matrix_loses_nothing`).
pub fn compact(world: &World) -> Vec<Column> {
    let regions = world.regions();
    let mut out: Vec<Column> = regions.iter().cloned().map(Column::OwnApp).collect();
    out.extend(regions.iter().map(|r| {
        let mut s = Scenario::default();
        s.regions_down.insert(r.clone());
        Column::Fixed(s)
    }));
    if world.albs().len() > 1 {
        out.extend(regions.iter().cloned().map(Column::OwnAlb));
    }
    // Each cluster of a Region with several: it carries every app there.
    let clusters: std::collections::BTreeSet<&String> =
        world.members.iter().map(|(_, c)| c).collect();
    out.extend(clusters.into_iter().map(|c| {
        let mut s = Scenario::default();
        s.clusters_down.insert(c.clone());
        Column::Fixed(s)
    }));
    out.extend(gated(world).into_iter().map(Column::Fixed));
    out
}

pub fn matrix(world: &World, columns: &[Column]) -> Matrix {
    let calm = Scenario::default();
    let hosts = world.hosts();
    let rows: Vec<Row> = hosts
        .iter()
        .map(|h| {
            let app = world
                .records
                .iter()
                .find(|r| &r.host == h)
                .and_then(|r| r.app.clone());
            let before = world.answer(h, &calm);
            let cells = columns
                .iter()
                .map(|c| match c.scenario(world, app.as_deref()) {
                    Some(s) => cell(world, h, app.as_deref(), &s, &before),
                    None => Cell {
                        regions: before.regions.clone(),
                        moved: false,
                        danger: None,
                        rule: "its app does not run there".to_string(),
                        was: None,
                    },
                })
                .collect();
            Row {
                host: h.clone(),
                app,
                calm: before.regions,
                cells,
                calm_was: None,
            }
        })
        .collect();
    Matrix {
        // Sorted and each once (`World::regions`).
        regions: world.regions(),
        scenarios: columns.iter().map(Column::to_string).collect(),
        rows,
        gone: Vec::new(),
        switch_orders: columns
            .iter()
            .filter_map(|c| match c {
                Column::Fixed(s) => {
                    let (to, plans) = s.switched_to.as_ref()?;
                    Some((s.to_string(), world.switch_order(to, plans)))
                }
                _ => None,
            })
            .collect(),
    }
}

/// Who answers for host `h` in scenario `s`, against the calm `before`.
fn cell(world: &World, h: &str, app: Option<&str>, s: &Scenario, before: &Answer) -> Cell {
    let a = world.answer(h, s);
    let names: Vec<&str> = a.regions.iter().map(|r| region_name(r)).collect();
    let down_there: Vec<&str> = names
        .iter()
        .copied()
        .filter(|r| s.regions_down.contains(*r) || app.is_some_and(|app| !s.app_up(world, app, r)))
        .collect();
    let danger = if a.fails_open() {
        Some(format!("fails open: {}", a.rule))
    } else if !down_there.is_empty() {
        Some(format!(
            "answers from where it is down: {}",
            down_there.join(", ")
        ))
    } else if names.is_empty() {
        Some("no answer".to_string())
    } else {
        None
    };
    Cell {
        moved: a.regions != before.regions,
        regions: a.regions,
        danger,
        rule: a.rule,
        was: None,
    }
}

/// Mark each answer that differs from what `base` (the world of a base
/// revision) answers in the same column. A fixed scenario the base also
/// has (by its description) is taken as the base has it (its own Region
/// switch plans); any other is asked of the base as it is.
pub fn against(m: &mut Matrix, columns: &[Column], base: &World) {
    let base_scenarios = scenarios(base);
    let calm = Scenario::default();
    m.gone = base
        .hosts()
        .into_iter()
        .filter(|h| !m.rows.iter().any(|r| &r.host == h))
        .collect();
    // Each fixed column's scenario as the base asks it, matched once.
    let described: Vec<String> = base_scenarios.iter().map(Scenario::to_string).collect();
    let asked: Vec<Column> = columns
        .iter()
        .map(|c| match c {
            Column::Fixed(s) => {
                let d = s.to_string();
                Column::Fixed(
                    described
                        .iter()
                        .position(|b| *b == d)
                        .map_or_else(|| s.clone(), |i| base_scenarios[i].clone()),
                )
            }
            other => other.clone(),
        })
        .collect();
    for row in &mut m.rows {
        let was = base.answer(&row.host, &calm).regions;
        if was != row.calm {
            row.calm_was = Some(was.clone());
        }
        for (cell, c) in row.cells.iter_mut().zip(&asked) {
            let then = match c.scenario(base, row.app.as_deref()) {
                Some(s) => base.answer(&row.host, &s).regions,
                None => was.clone(),
            };
            if then != cell.regions {
                cell.was = Some(then);
            }
        }
    }
}
