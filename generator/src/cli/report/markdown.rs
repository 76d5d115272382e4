//! The report's Markdown view of the typed `Report`: compact, for a
//! pull-request comment, every value escaped for Markdown.

use std::fmt::Write as _;

use super::Report;
use crate::report::{Cell, Matrix, Row, region_name};

/// Text for a Markdown table cell: nothing in it opens markup or a column.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Region's symbol in the Markdown matrix: A, B, C, ...
fn symbol(m: &Matrix, region: &str) -> String {
    let i = m.regions.iter().position(|r| r == region).unwrap_or(0);
    let letter = char::from(b'A' + (i % 26) as u8);
    if i < 26 {
        letter.to_string()
    } else {
        format!("{letter}{}", i / 26)
    }
}

pub(super) fn markdown(r: &Report<'_>) -> String {
    let m = &r.matrix;
    let mut out = String::new();
    let _ = writeln!(out, "### Failover report: {}\n", md(r.name));
    if let Some((waves, derived)) = &r.rollout {
        let order: Vec<String> = waves
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let names: Vec<String> = w.iter().map(|x| md(x)).collect();
                format!("{}. {}", i + 1, names.join(", "))
            })
            .collect();
        let _ = writeln!(
            out,
            "Rollout order ({}): {}.\n",
            if *derived {
                "gen's default"
            } else {
                "rollout.waves"
            },
            order.join(" → ")
        );
    }
    // The order of a switch with databases: they come before traffic.
    for (scenario, orders) in &m.switch_orders {
        for o in orders.iter().filter(|o| o.has_databases()) {
            let _ = writeln!(
                out,
                "{}: {} ({}): {}.\n",
                md(scenario),
                md(&o.plan),
                md(&o.workflow),
                md(&o.line().replace(" -> ", " → "))
            );
        }
    }
    // Against a base, only the hosts whose answers differ.
    let rows: Vec<&Row> = match &r.base {
        None => m.rows.iter().collect(),
        Some(b) => {
            let rows: Vec<&Row> = m.rows.iter().filter(|r| r.changed()).collect();
            let _ = write!(
                out,
                "Against {}: {} of {} hosts answer differently in some scenario",
                md(&b.rev),
                rows.len(),
                m.rows.len()
            );
            if rows.is_empty() {
                out.push_str("; every other answer is the same");
            }
            out.push_str(".\n");
            if !m.gone.is_empty() {
                let gone: Vec<String> = m.gone.iter().map(|h| md(h)).collect();
                let _ = writeln!(out, "No longer answering: {}.", gone.join(", "));
            }
            out.push('\n');
            if rows.is_empty() {
                return out;
            }
            rows
        }
    };
    let legend: Vec<String> = m
        .regions
        .iter()
        .map(|reg| format!("**{}** = {}", symbol(m, reg), md(reg)))
        .collect();
    let _ = writeln!(
        out,
        "{}; bold: moved from the calm answer; ⚠: a danger (fails open, or answers from where the app is down){}.\n",
        legend.join(", "),
        if r.base.is_some() {
            "; (was X): what answered at the base"
        } else {
            ""
        }
    );
    let symbols = |regions: &[String]| -> String {
        if regions.is_empty() {
            "none".to_string()
        } else {
            // With geographic routing, the locations each Region answers.
            regions
                .iter()
                .map(|r| {
                    let places = r.find(" {").map_or("", |i| &r[i + 1..]);
                    format!("{}{}", symbol(m, region_name(r)), md(places))
                })
                .collect::<Vec<_>>()
                .join("+")
        }
    };
    let was = |was: Option<&[String]>| match was {
        Some(w) => format!(" (was {})", symbols(w)),
        None => String::new(),
    };
    let cell = |c: &Cell| -> String {
        let mut text = symbols(&c.regions);
        if c.moved {
            text = format!("**{text}**");
        }
        if c.danger.is_some() {
            text = format!("⚠ {text}");
        }
        text + &was(c.was.as_deref())
    };
    // One table per few hosts, so each stays readable.
    let table = |rows: &[&Row]| -> String {
        let mut out = String::from("| scenario |");
        for row in rows {
            let _ = write!(out, " {} |", md(&row.host));
        }
        out.push_str("\n|---|");
        for _ in rows {
            out.push_str("---|");
        }
        out.push('\n');
        out.push_str("| nothing fails |");
        for row in rows {
            let _ = write!(
                out,
                " {}{} |",
                symbols(&row.calm),
                was(row.calm_was.as_deref())
            );
        }
        out.push('\n');
        for (i, s) in m.scenarios.iter().enumerate() {
            let _ = write!(out, "| {} |", md(s));
            for row in rows {
                let _ = write!(out, " {} |", cell(&row.cells[i]));
            }
            out.push('\n');
        }
        out
    };
    let tables: Vec<String> = rows.chunks(HOSTS_PER_TABLE).map(table).collect();
    if out.len() + tables.iter().map(String::len).sum::<usize>() <= COMMENT_BUDGET {
        out.push_str(&tables.join("\n"));
        return out;
    }
    // Too long for one comment: the hosts with a danger first, as many
    // tables as fit, and what was left out.
    let danger = |r: &Row| r.cells.iter().any(|c| c.danger.is_some());
    let mut ordered = rows.clone();
    ordered.sort_by_key(|r| !danger(r));
    let mut shown = 0;
    for (k, chunk) in ordered.chunks(HOSTS_PER_TABLE).enumerate() {
        let t = table(chunk);
        if out.len() + t.len() + 1 > COMMENT_BUDGET {
            break;
        }
        if k > 0 {
            out.push('\n');
        }
        out.push_str(&t);
        shown += chunk.len();
    }
    let left = &ordered[shown..];
    let _ = writeln!(
        out,
        "\n{} more hosts left out ({} of them with a danger) to keep this under a comment's 65,536 characters; `gen report` writes every host to its HTML page.",
        left.len(),
        left.iter().filter(|r| danger(r)).count()
    );
    out
}

/// Hosts per Markdown table.
const HOSTS_PER_TABLE: usize = 8;

/// A pull-request comment holds at most 65,536 characters ("Body is too
/// long (maximum is 65536 characters)", GitHub's answer to a longer one);
/// the budget is in bytes, which are never fewer, and leaves room for the
/// note of what was left out.
const COMMENT_BUDGET: usize = 65_536 - 1_024;
