//! The whole pipeline from bytes to rendered output: any input (UTF-8 or not) is checked and
//! rendered in every format without a panic, and the JSON output is valid JSON.
#![no_main]

use adminlint::render::{Format, RenderOptions, render};
use adminlint::{CheckOptions, check};
use libfuzzer_sys::fuzz_target;

/// Every output format; a new format is one more line here.
const FORMATS: &[Format] = &[
    Format::Full,
    Format::Concise,
    Format::Json,
    Format::Sarif,
    Format::Github,
    Format::Gitlab,
    Format::Junit,
    Format::Checkstyle,
];

fuzz_target!(|data: &[u8]| {
    let report = check(&CheckOptions {
        stdin: Some(("fuzz/input.yaml".to_string(), data.to_vec())),
        ..CheckOptions::default()
    });
    for &format in FORMATS {
        let mut out = Vec::new();
        render(format, &report, &RenderOptions::default(), &mut out).unwrap();
        let text = String::from_utf8(out).expect("output is UTF-8");
        if format == Format::Json {
            let _: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        }
    }
});
