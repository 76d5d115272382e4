//! `cargo bench -p gen-core --bench load`: the memory a spec's load takes.
//! A spec of 10,000 apps in 5 Regions (the render benchmark's large one) is
//! loaded (one pass of the YAML parser into the raw spec) and validated
//! into the checked spec, in one process whose allocator counts the bytes
//! live at once; the peak is compared with the spec's own size (bar: at
//! most 20 times its bytes), then the same for 1,000 apps in 3 Regions,
//! each with the load's peak alone and, for scale, that of a tree of the
//! whole document (serde_yaml's values, what the load once read first).

#![allow(clippy::print_stdout)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "../../generator/benches/common/mod.rs"]
mod common;

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[allow(unsafe_code)]
// SAFETY: every call is passed on to the system allocator unchanged; the
// counters only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let now = if new_size >= layout.size() {
                LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size()
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed)
                    - (layout.size() - new_size)
            };
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The peak of bytes live while `f` runs, above what was live before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - before)
}

fn main() {
    let mb = |b: usize| b as f64 / 1e6;
    for (apps, regions) in [
        (
            10_000,
            &[
                "eu-west-1",
                "eu-central-1",
                "us-east-1",
                "us-west-2",
                "ap-southeast-2",
            ][..],
        ),
        (1_000, &["eu-west-1", "eu-central-1", "us-east-1"][..]),
    ] {
        let text = common::spec(apps, regions, "Z0123456789EXAMPLE");
        let ((checked, loaded), peak) = peak_of(|| {
            let loaded = gen_core::spec::load(&text, "gen.yaml").expect("the spec loads");
            let outcome = gen_core::validate::validate(&loaded);
            (outcome.spec.expect("the spec is valid"), loaded)
        });
        let ratio = peak as f64 / text.len() as f64;
        println!(
            "{apps} apps x {} Regions: spec {:.2} MB, load and validate peak {:.1} MB = {ratio:.1}x its bytes (bar: at most 20x): {}",
            regions.len(),
            mb(text.len()),
            mb(peak),
            if ratio <= 20.0 { "met" } else { "NOT MET" }
        );
        drop((checked, loaded));
        let (l, load) = peak_of(|| gen_core::spec::load(&text, "gen.yaml").map(|l| l.raw));
        drop(l);
        let (v, values) = peak_of(|| serde_yaml::from_str::<serde_yaml::Value>(&text));
        drop(v);
        println!(
            "  the load alone {:.1} MB ({:.1}x); a tree of the document would take {:.1} MB ({:.1}x)",
            mb(load),
            load as f64 / text.len() as f64,
            mb(values),
            values as f64 / text.len() as f64,
        );
    }
}
