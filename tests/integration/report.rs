//! `gen report`: the same answers as `gen simulate`, cell by cell, in a page
//! that needs nothing from the network, and every value escaped.

use crate::util::*;

/// A copy of the bundled example, rendered.
fn example() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace().join("gitops-repo/gen.yaml"),
        d.path().join("gen.yaml"),
    )
    .unwrap();
    let lock = workspace().join("gitops-repo/gen.lock");
    if lock.exists() {
        std::fs::copy(lock, d.path().join("gen.lock")).unwrap();
    }
    let o = run_gen(d.path(), &["render"]);
    assert!(o.status.success(), "{}", stderr(&o));
    d
}

/// The example in a git repository: a first commit without a spec
/// (`main~1`), then the example's spec (`main`); then `change` made to the
/// spec and rendered, not committed.
fn example_changed(change: impl Fn(&str) -> String) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(d.path().join("README.md"), "x\n").unwrap();
    git(d.path(), &["add", "README.md"]);
    git(d.path(), &["commit", "-q", "-m", "first"]);
    let spec = std::fs::read_to_string(workspace().join("gitops-repo/gen.yaml")).unwrap();
    std::fs::write(d.path().join("gen.yaml"), &spec).unwrap();
    let lock = workspace().join("gitops-repo/gen.lock");
    if lock.exists() {
        std::fs::copy(lock, d.path().join("gen.lock")).unwrap();
    }
    git(d.path(), &["add", "."]);
    git(d.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(d.path().join("gen.yaml"), change(&spec)).unwrap();
    let o = run_gen(d.path(), &["render", "--no-commit"]);
    assert!(o.status.success(), "{}", stderr(&o));
    d
}

/// Every matrix cell's answer at the base, where it differs: (host,
/// scenario index) → its Regions.
fn was_of(page: &str) -> std::collections::BTreeMap<(String, usize), String> {
    let mut out = std::collections::BTreeMap::new();
    for td in page.split("<td ").skip(1) {
        let td = &td[..td.find("</td>").unwrap_or(td.len())];
        let tag = &td[..td.find('>').unwrap_or(td.len())];
        if let (Some(h), Some(s), Some(w)) = (
            attr(tag, "data-host"),
            attr(tag, "data-scenario"),
            td.find("<div class=\"was\"")
                .and_then(|i| attr(&td[i..], "data-was")),
        ) {
            out.insert((unescape(h), s.parse::<usize>().unwrap()), unescape(w));
        }
    }
    out
}

/// The value of attribute `name` in an HTML tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Every matrix cell of a page: (host, scenario index) → its Regions.
fn cells_of(page: &str) -> std::collections::BTreeMap<(String, usize), String> {
    let mut cells = std::collections::BTreeMap::new();
    for tag in page.split("<td ").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        if let (Some(h), Some(s), Some(r)) = (
            attr(tag, "data-host"),
            attr(tag, "data-scenario"),
            attr(tag, "data-regions"),
        ) {
            cells.insert((unescape(h), s.parse::<usize>().unwrap()), unescape(r));
        }
    }
    cells
}

/// The matrix's scenario columns, in order (after "host" and "nothing fails").
fn columns_of(page: &str) -> Vec<String> {
    let head = &page[page.find("<thead>").unwrap()..page.find("</thead>").unwrap()];
    head.split("<th>")
        .skip(3)
        .map(|c| unescape(&c[..c.find("</th>").unwrap()]))
        .collect()
}

/// One host's answer in `gen simulate --output json`, as a cell writes it.
fn after(h: &serde_json::Value) -> String {
    let regions: Vec<&str> = h["after"]["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    regions.join(" + ")
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn the_report_shows_every_answer_simulate_gives_and_loads_nothing() {
    let d = example();
    let o = run_gen(d.path(), &["report", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    // Self-contained: no script, no external resource.
    for banned in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(banned), "the page holds {banned}");
    }
    // Every cell, as (host, scenario index) → Regions.
    let cells = cells_of(&page);
    let o = run_gen(d.path(), &["simulate", "--output", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sim: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut checked = 0;
    for (i, scenario) in sim.as_array().unwrap().iter().enumerate() {
        let title = format!("<th>{}</th>", scenario["scenario"].as_str().unwrap());
        assert!(page.contains(&title), "no column {title}");
        for h in scenario["hosts"].as_array().unwrap() {
            let host = h["host"].as_str().unwrap().to_string();
            assert_eq!(
                cells.get(&(host.clone(), i)).map(String::as_str),
                Some(after(h).as_str()),
                "{host} in scenario {i} ({})",
                scenario["scenario"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} cells checked");
    assert_eq!(cells.len(), checked, "a cell that simulate does not give");
    // Legible without colour: each cell names its Regions in its text.
    assert!(page.contains(">eu-west-1</span>"), "{page}");

    // Markdown: a row per scenario, a column per host, one symbol per cell.
    let o = run_gen(d.path(), &["report", "--format", "markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows = text.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(rows, 1 + 1 + sim.as_array().unwrap().len(), "{text}");
    assert!(
        text.contains("**A** = eu-central-1, **B** = eu-west-1"),
        "{text}"
    );
}

/// Values no spec can carry, but the rendered templates (hand-edited) and a
/// branch's name can: they stay text in the page, in the file and in the DOM
/// as a browser builds it (nothing runs, no element appears), and in the
/// Markdown.
#[test]
fn values_from_the_templates_and_the_base_stay_text_in_the_page() {
    let d = example_changed(str::to_string);
    // A branch whose name is markup (git allows it), as the base.
    let rev = "<b/id=pwned>&'\"x";
    git(d.path(), &["branch", rev]);
    // A hand-edited template names a host that is markup.
    let path = d.path().join("cloudformation/demo-dns-app1.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let evil = "<script>document.title='pwned'</script><i/id=pwned>\"'&.example.com.";
    std::fs::write(
        &path,
        text.replace("\"app1.example.com.\"", &format!("{evil:?}")),
    )
    .unwrap();
    let o = run_gen(d.path(), &["report", "--base", rev, "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(
        !page.contains("<script") && !page.contains("<i/") && !page.contains("<b/"),
        "markup got in"
    );
    assert!(
        page.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;i/id=pwned&gt;&quot;&#39;&amp;.example.com"),
        "{page}"
    );
    assert!(
        page.contains("<h2>DNS changes against &lt;b/id=pwned&gt;&amp;&#39;&quot;x</h2>"),
        "{page}"
    );
    let o = run_gen(d.path(), &["report", "--base", rev, "--format", "markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("\\<script\\>document.title='pwned'\\</script\\>"),
        "{md}"
    );
    assert!(md.contains("Against \\<b/id=pwned\\>&'\"x:"), "{md}");
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped the browser half: no Chromium on PATH (install Debian's `chromium` package; scripts/test does when it can)"
        );
        return;
    };
    let url = format!("file://{}", d.path().join("r.html").display());
    let o = headless(&browser, &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(dom.contains("<table id=\"matrix\">"), "{dom}");
    // Nothing ran (the title is the page's own) and no element was made.
    assert!(dom.contains("<title>gen report: demo</title>"), "{dom}");
    assert!(
        !dom.contains("<script") && !dom.contains("id=\"pwned\""),
        "{dom}"
    );
    // The strings are there, as text (a DOM serialises text with < > & escaped).
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;i/id=pwned&gt;\"'&amp;.example.com"),
        "{dom}"
    );
    assert!(
        dom.contains("DNS changes against &lt;b/id=pwned&gt;&amp;'\"x"),
        "{dom}"
    );
}

/// Against a base revision, each cell that answers otherwise than the base
/// did says what answered there (as the base's own report has it), the DNS
/// changes are `gen plan`'s, and the Markdown keeps only the hosts that
/// changed.
#[test]
fn against_a_base_the_report_marks_what_differs_as_plan_and_the_base_say() {
    let d = example_changed(|s| {
        s.replace(
            "failover: {primary: eu-west-1}",
            "failover: {primary: eu-central-1}",
        )
    });
    let base = example();
    let o = run_gen(base.path(), &["report", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let base_cells = cells_of(&std::fs::read_to_string(base.path().join("r.html")).unwrap());
    let o = run_gen(d.path(), &["report", "--base", "main", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    let (cells, was) = (cells_of(&page), was_of(&page));
    assert_eq!(cells.len(), base_cells.len());
    for (k, now) in &cells {
        let then = &base_cells[k];
        assert_eq!(
            was.get(k),
            (then != now).then_some(then),
            "{k:?}: now {now}, at the base {then}"
        );
    }
    assert!(
        was.keys().all(|(h, _)| h == "orders.example.com") && was.len() >= 5,
        "{was:?}"
    );
    assert!(page.contains("<tr class=\"changed\"><th>orders.example.com</th>"));
    // The DNS changes, row by row, are the lines of `gen plan`.
    let table = &page[page.find("<table id=\"changes\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let rows: Vec<String> = table
        .split("<tr><td>")
        .skip(1)
        .map(|r| {
            let r = &r[..r.find("</td></tr>").unwrap()];
            let tds: Vec<String> = r.split("</td><td>").map(unescape).collect();
            let change = tds[2].replace(" → ", " -> ");
            if tds[1] == "all" {
                format!("{}: {change}", tds[0])
            } else {
                format!("{} in {}: {change}", tds[0], tds[1])
            }
        })
        .collect();
    let o = run_gen(d.path(), &["plan", "--base", "main"]);
    let plan = stdout(&o);
    let plan_lines: Vec<&str> = plan.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows, plan_lines, "{plan}");
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Markdown: only the host that changed, each changed cell with its base.
    let o = run_gen(
        d.path(),
        &["report", "--base", "main", "--format", "markdown"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("Against main: 1 of 4 hosts answer differently"),
        "{md}"
    );
    assert!(md.contains("\n| scenario | orders.example.com |\n"), "{md}");
    assert!(md.contains("| nothing fails | A (was B) |"), "{md}");
    // Against a revision without the spec, every host is new.
    let o = run_gen(
        d.path(),
        &["report", "--base", "main~1", "--format", "markdown"],
    );
    let md = stdout(&o);
    assert!(md.contains("4 of 4 hosts answer differently"), "{md}");
    assert!(
        md.contains("| B+A (was none) | B+A (was none) | A (was none) | B (was none) |"),
        "{md}"
    );
    // Nothing changed: nothing to show.
    git(d.path(), &["checkout", "-q", "gen.yaml"]);
    let o = run_gen(d.path(), &["render", "--no-commit"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_gen(
        d.path(),
        &["report", "--base", "main", "--format", "markdown"],
    );
    let md = stdout(&o);
    assert!(
        md.contains(
            "0 of 4 hosts answer differently in some scenario; every other answer is the same.\n"
        ),
        "{md}"
    );
    assert!(!md.contains("| scenario |"), "{md}");
    let o = run_gen(d.path(), &["report", "--base", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no revision `no-such-branch`"),
        "{}",
        stderr(&o)
    );
}

/// Debian's `chromium` (or another Chromium build) on PATH.
fn chromium() -> Option<String> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .into_iter()
    .find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
    .map(str::to_string)
}

fn headless(browser: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// The page as a person sees it: opened in headless Chromium, a screenshot
/// taken, and every cell of the golden `gen simulate` output of the example
/// found in the page's DOM, as the browser parsed it, with its Regions.
#[test]
fn the_example_report_shows_every_golden_answer_in_a_browser() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium on PATH (install Debian's `chromium` package; scripts/test does when it can)"
        );
        return;
    };
    let d = example();
    let o = run_gen(d.path(), &["report", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = d.path().join("r.html");
    let url = format!("file://{}", page.display());
    let shot = d.path().join("shot.png");
    let o = headless(
        &browser,
        &[
            "--window-size=1280,900",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    let o = headless(&browser, &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(dom.contains("<table id=\"matrix\">"), "{dom}");
    // The scenario columns, in order, as the browser has them.
    let columns = columns_of(&dom);
    let cells = cells_of(&dom);
    let golden =
        std::fs::read_to_string(workspace().join("tests/simulate/example-every-failure.txt"))
            .unwrap();
    let mut checked = 0;
    for block in golden.split("scenario: ").skip(1) {
        let mut lines = block.lines();
        let title = lines.next().unwrap().trim();
        let j = columns
            .iter()
            .position(|c| c == title)
            .unwrap_or_else(|| panic!("no column `{title}` in {columns:?}"));
        for row in lines.skip(1).filter(|l| !l.trim().is_empty()) {
            let parts: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            let (host, after) = (parts[0], parts[2]);
            assert_eq!(
                cells.get(&(host.to_string(), j)).map(String::as_str),
                Some(after),
                "{host} when {title}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked} cells");
}

/// With ARC, each Region's routing controls Off; with Region switch plans, a
/// switch to each Region: columns of their own, each answering as `gen
/// simulate` does for that scenario alone.
#[test]
fn the_matrix_adds_routing_control_and_region_switch_scenarios() {
    let out = tempfile::tempdir().unwrap();
    for (dir, column, args) in [
        (
            "gitops-repo/variants/arc",
            "routing controls of eu-west-1 Off",
            &["--arc-off", "eu-west-1"][..],
        ),
        (
            "tests/golden/region-switch",
            "Region switch to us-east-1",
            &["--switch-to", "us-east-1"][..],
        ),
    ] {
        let d = workspace().join(dir);
        let html = out.path().join("r.html");
        let o = run_gen(&d, &["report", "--out", html.to_str().unwrap()]);
        assert!(o.status.success(), "{dir}: {}", stderr(&o));
        let page = std::fs::read_to_string(&html).unwrap();
        let columns = columns_of(&page);
        let j = columns
            .iter()
            .position(|c| c.starts_with(column))
            .unwrap_or_else(|| panic!("{dir}: no column {column} in {columns:?}"));
        let cells = cells_of(&page);
        let mut all = vec!["simulate", "--output", "json"];
        all.extend_from_slice(args);
        let o = run_gen(&d, &all);
        assert!(o.status.success(), "{dir}: {}", stderr(&o));
        let sim: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let hosts = sim[0]["hosts"].as_array().unwrap();
        assert!(!hosts.is_empty());
        for h in hosts {
            assert_eq!(
                cells
                    .get(&(h["host"].as_str().unwrap().to_string(), j))
                    .map(String::as_str),
                Some(after(h).as_str()),
                "{dir}: {} when {column}",
                h["host"]
            );
        }
    }
}

/// The benchmarks' platform: `spec(apps, regions, zone_id)`.
#[path = "../../generator/benches/common/mod.rs"]
mod platform;

/// At 1,000 apps in three Regions the page asks each host about its own
/// failures (cells grow with hosts × (Regions + ALBs)), stays under 5 MB and
/// holds every host as a browser reads it; the Markdown fits one
/// pull-request comment, with and without a base, and says what it left out.
#[test]
fn a_platform_of_a_thousand_apps_fits_its_page_and_its_comment() {
    let regions = ["eu-west-1", "eu-central-1", "us-east-1"];
    let d = tempfile::tempdir().unwrap();
    git(d.path(), &["init", "-q", "-b", "main"]);
    // The base: every app latency-routed.
    let spec = platform::spec(1000, &regions, "Z0123456789EXAMPLE");
    let base: String = spec
        .lines()
        .map(|l| match l.strip_prefix("    routing: ") {
            Some(_) => "    routing: latency".to_string(),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(d.path().join("gen.yaml"), base + "\n").unwrap();
    git(d.path(), &["add", "gen.yaml"]);
    git(d.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(d.path().join("gen.yaml"), &spec).unwrap();
    let o = run_gen(d.path(), &["render", "--no-commit"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run_gen(d.path(), &["report", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(page.len() <= 5_000_000, "{} bytes", page.len());
    let columns = columns_of(&page);
    assert!(
        columns.len() <= 3 * regions.len() + 2,
        "{} columns: {columns:?}",
        columns.len()
    );
    assert!(
        columns.contains(&"its app down in eu-west-1".to_string()),
        "{columns:?}"
    );
    let cells = cells_of(&page);
    for i in 0..1000 {
        let host = format!("app{i}.example.com");
        assert!(cells.contains_key(&(host.clone(), 0)), "{host} is missing");
    }
    if let Some(browser) = chromium() {
        let url = format!("file://{}", d.path().join("r.html").display());
        let o = headless(&browser, &["--dump-dom", &url]);
        let dom = String::from_utf8_lossy(&o.stdout).into_owned();
        let cells = cells_of(&dom);
        let hosts: std::collections::BTreeSet<&String> = cells.keys().map(|(h, _)| h).collect();
        assert_eq!(hosts.len(), 1000, "the browser's DOM holds every host");
    } else {
        eprintln!("skipped the browser half: no Chromium on PATH");
    }

    for args in [
        &["report", "--format", "markdown"][..],
        &["report", "--format", "markdown", "--base", "HEAD"],
    ] {
        let o = run_gen(d.path(), args);
        assert!(o.status.success(), "{}", stderr(&o));
        let md = stdout(&o);
        assert!(
            md.chars().count() <= 65_536,
            "{args:?}: {} characters",
            md.chars().count()
        );
        assert!(
            md.contains("more hosts left out"),
            "{args:?}: {}",
            &md[md.len() - 300..]
        );
    }
    let o = run_gen(
        d.path(),
        &["report", "--format", "markdown", "--base", "HEAD"],
    );
    assert!(
        stdout(&o).contains("Against HEAD: 666 of 1000 hosts answer differently"),
        "{}",
        &stdout(&o)[..400]
    );
}

/// Geographic routing: each cell names the locations each Region answers,
/// as `gen simulate` does, in the page and in the Markdown. A switch with
/// databases: the page and the Markdown list each plan's steps, the
/// databases before the traffic.
#[test]
fn the_report_answers_per_location_and_orders_a_switch_with_databases() {
    let out = tempfile::tempdir().unwrap();
    let html = out.path().join("r.html");
    let d = workspace().join("tests/golden/geo");
    let o = run_gen(&d, &["report", "--out", html.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    let cells = cells_of(&page);
    let o = run_gen(&d, &["simulate", "--output", "json"]);
    let sim: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for (i, scenario) in sim.as_array().unwrap().iter().enumerate() {
        for h in scenario["hosts"].as_array().unwrap() {
            let host = h["host"].as_str().unwrap().to_string();
            assert_eq!(
                cells.get(&(host.clone(), i)).map(String::as_str),
                Some(after(h).as_str()),
                "{host} in scenario {i}"
            );
        }
    }
    let shop = cells.get(&("shop.example.com".to_string(), 0)).unwrap();
    assert!(shop.contains("eu-west-1 {GB, DE, FR, ZA, NG}"), "{shop}");
    let o = run_gen(&d, &["report", "--format", "markdown"]);
    assert!(
        stdout(&o).contains("B{GB, DE, FR, ZA, NG}"),
        "{}",
        stdout(&o)
    );

    let d = workspace().join("tests/golden/databases");
    let o = run_gen(&d, &["report", "--out", html.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    let list = &page[page.find("<ul id=\"switch-order\">").expect("the order")..];
    let line = list.lines().nth(1).unwrap();
    let (db, traffic) = (
        line.find("database-orders (AuroraGlobalDatabase)")
            .expect(line),
        line.find("-&gt; traffic").expect(line),
    );
    assert!(line.contains("scale-up") && db < traffic, "{line}");
    let o = run_gen(&d, &["report", "--format", "markdown"]);
    assert!(
        stdout(&o).contains("scale-up → database-audit (RdsPromoteReadReplica) + "),
        "{}",
        stdout(&o)
    );
}
