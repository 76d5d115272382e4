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

#[test]
fn values_from_the_templates_stay_text_in_the_page() {
    let d = example();
    // A hand-edited template names a host that is markup.
    let path = d.path().join("cloudformation/demo-dns-app1.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let evil = "<script>alert(1)</script>\"'&.example.com.";
    std::fs::write(
        &path,
        text.replace("\"app1.example.com.\"", &format!("{evil:?}")),
    )
    .unwrap();
    let o = run_gen(d.path(), &["report", "--out", "r.html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("r.html")).unwrap();
    assert!(!page.contains("<script"), "markup got in");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;.example.com"),
        "{page}"
    );
    let o = run_gen(d.path(), &["report", "--format", "markdown"]);
    let md = stdout(&o);
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
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
