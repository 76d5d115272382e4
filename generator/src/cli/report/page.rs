//! The report's HTML view of the typed `Report`: a self-contained page,
//! every value escaped for HTML (`markdown.rs` is the other view).

use std::fmt::Write as _;

use super::{Base, Report};
use crate::report::{Cell, Matrix, region_name};

/// Text for HTML: element content and attribute values alike.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Colour-blind-safe hues (Okabe-Ito), one per Region in order.
const COLOURS: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999",
];

fn colour_of(m: &Matrix, region: &str) -> usize {
    m.regions.iter().position(|r| r == region).unwrap_or(0) % COLOURS.len()
}

/// Each Region of an answer in its colour, joined by `+`.
fn region_spans(m: &Matrix, regions: &[String], out: &mut String) {
    for (i, r) in regions.iter().enumerate() {
        if i > 0 {
            out.push_str(" + ");
        }
        let name = region_name(r);
        let _ = write!(
            out,
            "<span class=\"reg r{}\">{}</span>",
            colour_of(m, name),
            esc(r)
        );
    }
}

fn cell_html(m: &Matrix, c: &Cell, host: &str, scenario: usize, out: &mut String) {
    let names = c.region_names();
    let mut class = String::from("cell");
    if let [one] = names.as_slice() {
        let _ = write!(class, " r{}", colour_of(m, one));
    }
    if c.moved {
        class.push_str(" moved");
    }
    if c.danger.is_some() {
        class.push_str(" danger");
    }
    if c.was.is_some() {
        class.push_str(" changed");
    }
    let title = match &c.danger {
        Some(d) => format!("{}: {d}", c.rule),
        None => c.rule.clone(),
    };
    let _ = write!(
        out,
        "<td class=\"{class}\" data-host=\"{}\" data-scenario=\"{scenario}\" data-regions=\"{}\" title=\"{}\">",
        esc(host),
        esc(&c.regions.join(" + ")),
        esc(&title)
    );
    if c.danger.is_some() {
        out.push_str("<span class=\"warn\">&#9888; </span>");
    }
    if c.regions.is_empty() {
        out.push_str("no answer");
    }
    region_spans(m, &c.regions, out);
    if c.moved {
        out.push_str(" <span class=\"tag\">moved</span>");
    }
    if let Some(d) = &c.danger {
        let _ = write!(out, "<div class=\"why\">{}</div>", esc(d));
    }
    was_html(m, c.was.as_deref(), out);
    out.push_str("</td>");
}

/// Against a base: what answered there, when it differs.
fn was_html(m: &Matrix, was: Option<&[String]>, out: &mut String) {
    let Some(was) = was else { return };
    let _ = write!(
        out,
        "<div class=\"was\" data-was=\"{}\">was: ",
        esc(&was.join(" + "))
    );
    if was.is_empty() {
        out.push_str("no answer");
    }
    region_spans(m, was, out);
    out.push_str("</div>");
}

pub(super) fn html(r: &Report<'_>) -> String {
    let m = &r.matrix;
    let e = &r.explanation;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>gen report: {}</title>", esc(r.name));
    out.push_str("<style>\n");
    out.push_str(
        "body{font:14px/1.4 system-ui,sans-serif;margin:1rem;color:#222}\
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .4rem;vertical-align:top}\
thead th{position:sticky;top:0;background:#f4f4f4;font-weight:600;font-size:.8rem;max-width:9rem}\
tbody th{position:sticky;left:0;background:#fafafa;text-align:left;white-space:nowrap}\
.reg{font-weight:600;white-space:nowrap}\
.moved{outline:2px solid #222;outline-offset:-2px}\
.tag{font-size:.75rem;border:1px solid #222;border-radius:3px;padding:0 .2rem}\
.danger{background:repeating-linear-gradient(45deg,#fde0dc,#fde0dc 6px,#fff 6px,#fff 12px)}\
.warn{color:#b00020;font-weight:700}.why{font-size:.75rem;color:#b00020}\
.legend span{margin-right:1rem}\
.bar{height:.8rem;display:inline-block;vertical-align:middle}\
.track{position:relative;width:100%;min-width:12rem;background:#f4f4f4}\
.rto{position:absolute;top:0;bottom:0;border-left:2px dashed #b00020}\
.bar.fo{background:#444}.bar.fb{background:#aaa}\
.over{color:#b00020;font-weight:600}\
.changed{box-shadow:inset 0 -3px 0 #222}.was{font-size:.75rem;color:#555}\
tr.changed>th::after{content:' \\25CF'}\
@media print{.scroll{overflow:visible}thead th,tbody th{position:static}}\n",
    );
    for (i, c) in COLOURS.iter().enumerate() {
        let _ = writeln!(
            out,
            ".r{i}.reg{{color:{c}}}td.r{i}{{border-left:6px solid {c}}}.bar.r{i}{{background:{c}}}"
        );
    }
    out.push_str("</style>\n</head>\n<body>\n");
    let _ = writeln!(out, "<h1>Failover report: {}</h1>", esc(r.name));
    out.push_str("<p class=\"legend\">Regions: ");
    for reg in &m.regions {
        let _ = write!(
            out,
            "<span class=\"reg r{}\">&#9632; {}</span>",
            colour_of(m, reg),
            esc(reg)
        );
    }
    out.push_str("</p>\n<p>Each cell names the Regions Route 53 answers from in that scenario. <span class=\"tag\">moved</span>: not the calm answer. &#9888;: a danger (Route 53 fails open, or answers from where the app is down).</p>\n");
    out.push_str("<h2>What answers when something fails</h2>\n<div class=\"scroll\"><table id=\"matrix\">\n<thead><tr><th>host</th><th>nothing fails</th>");
    for s in &m.scenarios {
        let _ = write!(out, "<th>{}</th>", esc(s));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &m.rows {
        let _ = write!(
            out,
            "<tr{}><th>{}</th><td class=\"calm\">",
            if row.changed() {
                " class=\"changed\""
            } else {
                ""
            },
            esc(&row.host)
        );
        region_spans(m, &row.calm, &mut out);
        was_html(m, row.calm_was.as_deref(), &mut out);
        out.push_str("</td>");
        for (i, c) in row.cells.iter().enumerate() {
            cell_html(m, c, &row.host, i, &mut out);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    if !m.switch_orders.is_empty() {
        out.push_str("<h2>Region switch order</h2>\n<p>Each switch runs its plans' steps in order; a database step makes the database the writer where traffic goes before the traffic step moves it.</p>\n<ul id=\"switch-order\">\n");
        for (scenario, orders) in &m.switch_orders {
            for o in orders {
                let _ = writeln!(
                    out,
                    "<li>{}: {} ({}): {}</li>",
                    esc(scenario),
                    esc(&o.plan),
                    esc(&o.workflow),
                    esc(&o.line())
                );
            }
        }
        out.push_str("</ul>\n");
    }
    if let Some((waves, derived)) = &r.rollout {
        let _ = writeln!(
            out,
            "<h2>Rollout order</h2>\n<p>A change reaches the Regions wave by wave (<code>gen rollout</code>), each after the one before baked green ({}):</p>\n<ol id=\"rollout\">",
            if *derived {
                "gen's default order: the least loaded first, every app's only serving Region last"
            } else {
                "as <code>rollout.waves</code> orders them"
            }
        );
        for w in waves {
            out.push_str("<li>");
            region_spans(m, w, &mut out);
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    if let Some(b) = &r.base {
        base_html(m, b, &mut out);
    }
    // Timing bars against each app's rto.
    out.push_str("<h2>Worst-case failover and failback</h2>\n<table id=\"timings\"><thead><tr><th>app</th><th>failover</th><th>failback</th><th>rto</th><th></th></tr></thead><tbody>\n");
    let scale = e
        .apps
        .iter()
        .map(|a| a.failover_s.max(a.failback_s))
        .chain(r.rto.iter().filter_map(|(_, x)| *x))
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.1;
    for a in &e.apps {
        let rto = r
            .rto
            .iter()
            .find(|(n, _)| n == &a.app)
            .and_then(|(_, x)| *x);
        let over = rto.is_some_and(|x| a.failover_s > x);
        let _ = write!(
            out,
            "<tr><th>{}</th><td{}>{} s</td><td>{} s</td><td>{}</td><td><div class=\"track\">",
            esc(&a.app),
            if over { " class=\"over\"" } else { "" },
            a.failover_s,
            a.failback_s,
            rto.map_or("-".to_string(), |x| format!("{x} s"))
        );
        let _ = write!(
            out,
            "<span class=\"bar fo\" style=\"width:{:.1}%\" title=\"failover {} s\"></span><br><span class=\"bar fb\" style=\"width:{:.1}%\" title=\"failback {} s\"></span>",
            a.failover_s as f64 / scale * 100.0,
            a.failover_s,
            a.failback_s as f64 / scale * 100.0,
            a.failback_s
        );
        if let Some(x) = rto {
            let _ = write!(
                out,
                "<span class=\"rto\" style=\"left:{:.1}%\" title=\"rto {x} s\"></span>",
                x as f64 / scale * 100.0
            );
        }
        out.push_str("</div></td></tr>\n");
    }
    out.push_str("</tbody></table>\n<p>Bars: failover (dark, top), failback (light, bottom); the dashed line is the app's rto.</p>\n");
    // Cost and quotas.
    out.push_str("<h2>Cost and quota use</h2>\n<table id=\"cost\"><tbody>\n");
    let _ = writeln!(
        out,
        "<tr><th>Route 53 health checks</th><td>{} at about ${:.2}/month</td></tr>",
        e.health_checks, e.health_checks_usd
    );
    let _ = writeln!(
        out,
        "<tr><th>ALBs</th><td>{} at about ${:.0}/month before LCUs</td></tr>",
        e.alb_cost.albs, e.alb_cost.monthly_usd
    );
    if let Some(a) = e.arc_usd {
        let _ = writeln!(out, "<tr><th>ARC</th><td>about ${a:.0}/month</td></tr>");
    }
    for (q, used, of) in &e.quotas {
        let _ = writeln!(out, "<tr><th>{}</th><td>{used} of {of}</td></tr>", esc(q));
    }
    out.push_str("</tbody></table>\n</body>\n</html>\n");
    out
}

/// The DNS changes against the base, and what `gen deploy` will do, as
/// `gen plan` says them.
fn base_html(m: &Matrix, b: &Base, out: &mut String) {
    let _ = writeln!(out, "<h2>DNS changes against {}</h2>", esc(&b.rev));
    let changed = m.rows.iter().filter(|r| r.changed()).count();
    let _ = writeln!(
        out,
        "<p>{changed} of {} hosts answer differently from {} in some scenario (&#9679;; each such cell says what answered there).</p>",
        m.rows.len(),
        esc(&b.rev)
    );
    if b.changes.is_empty() {
        out.push_str("<p id=\"changes\">No change in DNS behaviour.</p>\n");
    } else {
        out.push_str("<table id=\"changes\"><thead><tr><th>app</th><th>Region</th><th>change</th></tr></thead><tbody>\n");
        for c in &b.changes {
            let (app, region) = c.scope();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(app),
                esc(region),
                esc(&c.to_string())
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if !b.consequences.is_empty() {
        out.push_str("<h3>What gen deploy will do</h3>\n<ul id=\"deploy\">\n");
        for c in &b.consequences {
            let _ = writeln!(out, "<li>{}</li>", esc(&c.to_string()));
        }
        out.push_str("</ul>\n");
    }
}
