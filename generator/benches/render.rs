//! Benchmark: `gen render` of a platform AWS could deploy (1,000 apps over
//! shared ALBs of 40 apps each, within the default quotas, in 3 Regions),
//! against the floor of merely writing the same files and committing them
//! with the git command line; then the same repository rendered again with
//! nothing changed, and with one app changed; then 10,000 apps in 5 Regions,
//! to show the cost per app and Region stays flat.
//!
//! Run: `cargo bench -p generator --bench render` (add `-- --apps N` to
//! change the size, `-- --no-large` to skip the 10,000-app run). Prints wall
//! time (median of the runs) and peak memory (max RSS) of each side, in the
//! same run on the same machine, and each bar with its verdict.

// A benchmark reports on the terminal, and measures its child with wait4(2).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{APPS_PER_ALB, spec};

const RUNS: usize = 3;
/// One-app changes measured after each full render (so RUNS times this in all).
const ONE_APP_CHANGES: usize = 5;

fn main() {
    let mut apps = 1000usize;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--apps") {
        apps = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--apps N");
    }
    let large = !args.iter().any(|a| a == "--no-large");
    let regions = ["eu-west-1", "eu-central-1", "us-east-1"];
    let text = spec(apps, &regions, "Z0123456789EXAMPLE");
    println!(
        "gen render benchmark: {apps} apps x {} Regions over {} shared ALBs, {} runs each, {} of one app's change (median shown)",
        regions.len(),
        apps.div_ceil(APPS_PER_ALB),
        RUNS,
        RUNS * ONE_APP_CHANGES
    );

    let mut gen_runs = Vec::new();
    let (mut gen_user, mut one_user) = (Vec::new(), Vec::new());
    let mut noop_runs = Vec::new();
    let mut one_runs = Vec::new();
    let mut floor_runs = Vec::new();
    let mut touched: Vec<String> = Vec::new();
    // Files to write for the floor: gen's own output, rendered once up front.
    let reference = tempfile::tempdir().expect("tempdir");
    std::fs::write(reference.path().join("gen.yaml"), &text).expect("write spec");
    measure(
        Command::new(env!("CARGO_BIN_EXE_gen"))
            .args(["render", "--no-commit"])
            .current_dir(reference.path()),
    );
    let files = read_tree(reference.path());
    let files_count = files.len();
    // Every directory is kept until the end: deleting thousands of files just
    // before a measurement slows the file system's next inode allocations
    // (ext4 skips recently freed inodes) and would bias whichever side runs
    // next. For the same reason the two sides alternate which goes first.
    let mut keep = vec![reference];
    for pair in 0..RUNS {
        let sides: [bool; 2] = if pair % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for gen_side in sides {
            let dir = tempfile::tempdir().expect("tempdir");
            if gen_side {
                // gen: render + write + commit into a fresh directory (it creates the repository).
                std::fs::write(dir.path().join("gen.yaml"), &text).expect("write spec");
                gen_runs.push(measure(
                    Command::new(env!("CARGO_BIN_EXE_gen"))
                        .arg("render")
                        .current_dir(dir.path()),
                ));
                gen_user.push(last_user());
                // The same again: nothing changed, nothing committed.
                noop_runs.push(measure(
                    Command::new(env!("CARGO_BIN_EXE_gen"))
                        .arg("render")
                        .current_dir(dir.path()),
                ));
                // One app's image changes: its files only are written and
                // committed. Several apps in turn: a one-app run is short,
                // and its CPU time varies from run to run on a busy machine.
                let mut current = text.clone();
                for step in 0..ONE_APP_CHANGES {
                    let app = (500 + step) % apps;
                    let changed = current.replace(
                        &format!("image: registry.example.com/app{app}:1.{app}\n"),
                        &format!("image: registry.example.com/app{app}:2.{pair}\n"),
                    );
                    assert_ne!(changed, current, "the change applies");
                    std::fs::write(dir.path().join("gen.yaml"), &changed).expect("write spec");
                    current = changed;
                    one_runs.push(measure(
                        Command::new(env!("CARGO_BIN_EXE_gen"))
                            .arg("render")
                            .current_dir(dir.path()),
                    ));
                    one_user.push(last_user());
                    let out = git(dir.path())
                        .args(["show", "--name-only", "--format=", "HEAD"])
                        .output()
                        .expect("git show");
                    touched = String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .map(str::to_string)
                        .collect();
                    let own = format!("/apps/app{app}/");
                    assert!(
                        touched.iter().all(|p| p == "gen.yaml" || p.contains(&own)),
                        "the commit of one app's change touches other files: {touched:?}"
                    );
                }
            } else {
                // The floor: the same files, held in memory beforehand,
                // written and committed with git (init, add -A, commit).
                floor_runs.push(floor(dir.path(), &files));
            }
            keep.push(dir);
        }
    }

    let (gen_t, gen_rss) = median(&mut gen_runs);
    let (noop_t, noop_rss) = median(&mut noop_runs);
    let (one_t, one_rss) = median(&mut one_runs);
    let (floor_t, floor_rss) = median(&mut floor_runs);
    println!("files rendered: {files_count} (plus gen.yaml)");
    println!("{:<56} {:>10} {:>14}", "", "wall time", "peak memory");
    let row = |what: &str, t: Duration, rss: u64| {
        println!("{what:<56} {:>9.3}s {:>11.1} MB", t.as_secs_f64(), mb(rss));
    };
    row(
        "gen render (validate, render, write, commit)",
        gen_t,
        gen_rss,
    );
    row("gen render again (no change, no commit)", noop_t, noop_rss);
    row(
        "gen render after one app's change (write, commit)",
        one_t,
        one_rss,
    );
    row(
        "floor: write files + git init/add/commit",
        floor_t,
        floor_rss,
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    let full = gen_t.as_secs_f64() / floor_t.as_secs_f64();
    println!(
        "full render / floor: {full:.2}x (bar: at most 1x): {}; peak memory {:.1} MB (bar: at most 150 MB): {}",
        verdict(full <= 1.0),
        mb(gen_rss),
        verdict(mb(gen_rss) <= 150.0)
    );
    let noop = noop_t.as_secs_f64() / gen_t.as_secs_f64();
    println!(
        "no-op / full render: {:.1} % (bar: at most 10 %): {}",
        noop * 100.0,
        verdict(noop <= 0.10)
    );
    let one = one_t.as_secs_f64() / gen_t.as_secs_f64();
    println!(
        "one app's change / full render: {:.1} % (bar: at most 15 %): {}; its commit touched {} files: {}",
        one * 100.0,
        verdict(one <= 0.15),
        touched.len(),
        touched.join(", ")
    );
    let (full_user, one_app_user) = (median_of(gen_user), median_of(one_user));
    let cpu = one_app_user.as_secs_f64() / full_user.as_secs_f64();
    println!(
        "one app's change / full render, user CPU time: {:.0} ms / {:.0} ms = {:.1} % (bar: at most 10 %): {}",
        one_app_user.as_secs_f64() * 1e3,
        full_user.as_secs_f64() * 1e3,
        cpu * 100.0,
        verdict(cpu <= 0.10)
    );

    if large {
        // 10,000 apps in 5 Regions: one full render, cost per app and Region
        // against the one above.
        let regions5 = [
            "eu-west-1",
            "eu-central-1",
            "us-east-1",
            "us-west-2",
            "ap-southeast-2",
        ];
        let big_apps = 10 * apps;
        let big = spec(big_apps, &regions5, "Z0123456789EXAMPLE");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("gen.yaml"), &big).expect("write spec");
        let (t, rss) = measure(
            Command::new(env!("CARGO_BIN_EXE_gen"))
                .arg("render")
                .current_dir(dir.path()),
        );
        keep.push(dir);
        let per = |t: Duration, n: usize| t.as_secs_f64() * 1e6 / n as f64;
        let (small_per, big_per) = (
            per(gen_t, apps * regions.len()),
            per(t, big_apps * regions5.len()),
        );
        row(
            &format!("gen render, {big_apps} apps x {} Regions", regions5.len()),
            t,
            rss,
        );
        println!(
            "cost per app and Region: {small_per:.0} us at {apps} x {}, {big_per:.0} us at {big_apps} x {}: {:.2}x (bar: at most 1.3x): {}",
            regions.len(),
            regions5.len(),
            big_per / small_per,
            verdict(big_per / small_per <= 1.3)
        );
        println!(
            "peak memory at {big_apps} x {}: {:.0} MiB (bar: at most 400 MiB): {}",
            regions5.len(),
            mb(rss),
            verdict(mb(rss) <= 400.0)
        );
        println!(
            "memory per app and Region: {:.1} KB at {apps} x {}, {:.1} KB at {big_apps} x {}",
            gen_rss as f64 / (apps * regions.len()) as f64,
            regions.len(),
            rss as f64 / (big_apps * regions5.len()) as f64,
            regions5.len()
        );
    }
}

/// Write `files` under `dir` and commit them with the git command line.
fn floor(dir: &Path, files: &[(String, Vec<u8>)]) -> (Duration, u64) {
    let start = Instant::now();
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(&full, bytes).expect("write");
    }
    let mut time = start.elapsed();
    let mut peak = 0;
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "render"],
    ] {
        let (t, rss) = measure(git(dir).args(args));
        time += t;
        peak = peak.max(rss);
    }
    (time, peak)
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
    c
}

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn median(runs: &mut [(Duration, u64)]) -> (Duration, u64) {
    runs.sort_by_key(|r| r.0);
    let t = runs[runs.len() / 2].0;
    let rss = runs.iter().map(|r| r.1).max().unwrap_or(0);
    (t, rss)
}

/// Run to completion; wall time and peak resident memory (KiB) of the
/// child, and its user CPU time in `USER` (the last run's).
fn measure(cmd: &mut Command) -> (Duration, u64) {
    let start = Instant::now();
    // Reaped by wait4 below, which also reports the child's peak memory.
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut status = 0;
    // SAFETY: rusage is plain data, zero is a valid value.
    #[allow(unsafe_code)]
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting on our own child's pid with valid pointers.
    #[allow(unsafe_code)]
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert!(pid > 0, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed with status {status}"
    );
    let user = Duration::from_secs(usage.ru_utime.tv_sec as u64)
        + Duration::from_micros(usage.ru_utime.tv_usec as u64);
    USER.with(|u| u.set(user));
    (elapsed, usage.ru_maxrss as u64)
}

std::thread_local! {
    /// The user CPU time of the last `measure`d run.
    static USER: std::cell::Cell<Duration> = const { std::cell::Cell::new(Duration::ZERO) };
}

fn last_user() -> Duration {
    USER.with(std::cell::Cell::get)
}

fn median_of(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let p = e.path();
            if e.file_name() == ".git" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}
