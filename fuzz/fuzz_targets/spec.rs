//! Fuzz target: any text as gen.yaml through load, validate, plan, explain,
//! review and render (the property is `cases::spec`).
#![no_main]

#[path = "../cases.rs"]
#[allow(dead_code)] // each target uses one of the cases
mod cases;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    cases::spec(data);
});
