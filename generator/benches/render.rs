//! Benchmark: `gen render` of a generated spec with 1,000 apps in 3 Regions
//! (validate, plan, render, write, commit), against the floor of merely
//! writing the same files and committing them with the git command line.
//!
//! Run: `cargo bench -p generator --bench render` (add `-- --apps N` to
//! change the size). Prints wall time (median of the runs) and peak memory
//! (max RSS) of each side, in the same run on the same machine.

// A benchmark reports on the terminal, and measures its child with wait4(2).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn main() {
    let mut apps = 1000usize;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--apps") {
        apps = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--apps N");
    }
    let regions = ["eu-west-1", "eu-central-1", "us-east-1"];
    let spec = spec(apps, &regions);
    println!(
        "gen render benchmark: {apps} apps x {} Regions, {} runs each (median shown)",
        regions.len(),
        RUNS
    );

    let mut gen_runs = Vec::new();
    let mut noop_runs = Vec::new();
    let mut floor_runs = Vec::new();
    // Files to write for the floor: gen's own output, rendered once up front.
    let reference = tempfile::tempdir().expect("tempdir");
    std::fs::write(reference.path().join("gen.yaml"), &spec).expect("write spec");
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
                std::fs::write(dir.path().join("gen.yaml"), &spec).expect("write spec");
                gen_runs.push(measure(
                    Command::new(env!("CARGO_BIN_EXE_gen"))
                        .arg("render")
                        .current_dir(dir.path()),
                ));
                // The same again: nothing changed, nothing committed.
                noop_runs.push(measure(
                    Command::new(env!("CARGO_BIN_EXE_gen"))
                        .arg("render")
                        .current_dir(dir.path()),
                ));
            } else {
                // The floor: the same files, held in memory beforehand,
                // written and committed with git (init, add -A, commit).
                let start = Instant::now();
                for (path, bytes) in &files {
                    let full = dir.path().join(path);
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
                    let (t, rss) = measure(git(dir.path()).args(args));
                    time += t;
                    peak = peak.max(rss);
                }
                floor_runs.push((time, peak));
            }
            keep.push(dir);
        }
    }

    let (gen_t, gen_rss) = median(&mut gen_runs);
    let (noop_t, noop_rss) = median(&mut noop_runs);
    let (floor_t, floor_rss) = median(&mut floor_runs);
    println!("files rendered: {files_count} (plus gen.yaml)");
    println!("{:<52} {:>10} {:>14}", "", "wall time", "peak memory");
    println!(
        "{:<52} {:>9.3}s {:>11.1} MB",
        "gen render (validate, render, write, commit)",
        gen_t.as_secs_f64(),
        mb(gen_rss)
    );
    println!(
        "{:<52} {:>9.3}s {:>11.1} MB",
        "gen render again (no change, no commit)",
        noop_t.as_secs_f64(),
        mb(noop_rss)
    );
    println!(
        "{:<52} {:>9.3}s {:>11.1} MB",
        "floor: write files + git init/add/commit",
        floor_t.as_secs_f64(),
        mb(floor_rss)
    );
    let ratio = gen_t.as_secs_f64() / floor_t.as_secs_f64();
    println!(
        "ratio gen / floor: {ratio:.2}x (target: at most 2x); gen peak memory {:.1} MB (target: under 200 MB)",
        mb(gen_rss)
    );
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

/// Run to completion; wall time and peak resident memory (KiB) of the child.
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
    (elapsed, usage.ru_maxrss as u64)
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

/// A spec with `apps` apps, routing policies mixed as in real use.
fn spec(apps: usize, regions: &[&str]) -> String {
    let mut s = String::from(
        "version: 1\nname: bench\ndns:\n  zone: example.com\n  zoneId: Z0123456789EXAMPLE\nregions:\n",
    );
    for (i, r) in regions.iter().enumerate() {
        s.push_str(&format!("  - name: {r}\n    cluster: cluster{i}\n    albDnsName: bench-{i}.{r}.elb.amazonaws.com\n"));
    }
    s.push_str("apps:\n");
    for i in 0..apps {
        let routing = match i % 3 {
            0 => "latency".to_string(),
            1 => format!(
                "{{weighted: {{{}}}}}",
                regions
                    .iter()
                    .enumerate()
                    .map(|(j, r)| format!("{r}: {}", if j == 0 { 100 } else { 0 }))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!("{{failover: {{primary: {}}}}}", regions[0]),
        };
        s.push_str(&format!(
            "  - name: app{i}\n    host: app{i}.example.com\n    image: registry.example.com/app{i}:1.{i}\n    env: {{APP_NAME: app{i}, HEALTH: app{i}health}}\n    health: {{path: /app{i}health}}\n    routing: {routing}\n"
        ));
    }
    s
}
