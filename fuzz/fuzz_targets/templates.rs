//! Fuzz target: the rendered templates and Ingresses `gen simulate` reads
//! (the property is `cases::templates`).
#![no_main]

#[path = "../cases.rs"]
#[allow(dead_code)] // each target uses one of the cases
mod cases;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cases::templates(data);
});
