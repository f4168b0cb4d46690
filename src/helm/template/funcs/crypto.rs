//! Functions whose real output changes per run (the clock, generated keys and certificates,
//! password hashes): here they return fixed placeholders, so a run is repeatable and nothing
//! secret is made. A linter needs the shape of the output, not its randomness.

use std::collections::BTreeMap;

use super::Call;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::value::Value;

/// `now`: a fixed instant (2026-01-01 00:00:00 UTC), printed as Go prints a `time.Time`.
pub(super) const FIXED_NOW: &str = "2026-01-01 00:00:00 +0000 UTC";

/// The fixed instant in seconds since the Unix epoch (what `unixEpoch now` prints).
const FIXED_UNIX: i64 = 1_767_225_600;

/// `date layout time`: the fixed instant in Go's reference-time layout (whatever time is given).
pub(super) fn date(call: &Call<'_>, args: &[Value]) -> Value {
    let layout = args.first().map(convert::string).unwrap_or_default();
    if call.name.starts_with("html") {
        return Value::string(formatted("2006-01-02"));
    }
    Value::string(formatted(&layout))
}

/// A method of Go's `time.Time` called on the fixed instant (`now.Unix`, `now.Format "2006"`):
/// `now` is a string here, and these are the methods charts call on it. None when `name` is
/// not one of them.
pub(in crate::helm::template) fn now_method(name: &str, args: &[Value]) -> Option<Value> {
    let value = match (name, args) {
        ("Unix", []) => Value::int(FIXED_UNIX),
        ("UnixMilli", []) => Value::int(FIXED_UNIX * 1_000),
        ("UnixMicro", []) => Value::int(FIXED_UNIX * 1_000_000),
        ("UnixNano", []) => Value::int(FIXED_UNIX * 1_000_000_000),
        ("Year", []) => Value::int(2026),
        ("Day" | "YearDay", []) => Value::int(1),
        ("Hour" | "Minute" | "Second" | "Nanosecond", []) => Value::int(0),
        ("Month", []) => Value::string("January"),
        ("Weekday", []) => Value::string("Thursday"),
        ("String", []) => Value::string(FIXED_NOW),
        ("UTC" | "Local" | "Round" | "Truncate", _) => Value::string(FIXED_NOW),
        ("Format", [layout]) => Value::string(formatted(&convert::string(layout))),
        _ => return None,
    };
    Some(value)
}

/// True for the value `now` gives.
pub(in crate::helm::template) fn is_now(text: &str) -> bool {
    text == FIXED_NOW
}

/// The fixed instant in Go's reference-time layout.
fn formatted(layout: &str) -> String {
    // Longest tokens first, so `2006` is not read as `2` then `006`.
    const TOKENS: &[(&str, &str)] = &[
        ("Monday", "Thursday"),
        ("January", "January"),
        ("2006", "2026"),
        ("-07:00", "+00:00"),
        ("-0700", "+0000"),
        ("Z07:00", "Z"),
        ("MST", "UTC"),
        ("Mon", "Thu"),
        ("Jan", "Jan"),
        ("01", "01"),
        ("02", "01"),
        ("_2", " 1"),
        ("15", "00"),
        ("03", "12"),
        ("04", "00"),
        ("05", "00"),
        ("06", "26"),
        ("PM", "AM"),
        ("pm", "am"),
        ("1", "1"),
        ("2", "1"),
        ("3", "12"),
        ("4", "0"),
        ("5", "0"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (token, value) in TOKENS {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(value);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

const PLACEHOLDER_CERT: &str =
    "-----BEGIN CERTIFICATE-----\nADMINLINT-PLACEHOLDER-CERTIFICATE\n-----END CERTIFICATE-----\n";
const PLACEHOLDER_KEY: &str =
    "-----BEGIN RSA PRIVATE KEY-----\nADMINLINT-PLACEHOLDER-KEY\n-----END RSA PRIVATE KEY-----\n";

/// `genCA`, `genSignedCert`, `genPrivateKey`, …: placeholders with the fields charts read.
pub(super) fn generate(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let _ = args;
    if call.name == "genPrivateKey" {
        return Ok(Value::string(PLACEHOLDER_KEY));
    }
    let mut map = BTreeMap::new();
    map.insert("Cert".to_string(), Value::string(PLACEHOLDER_CERT));
    map.insert("Key".to_string(), Value::string(PLACEHOLDER_KEY));
    Ok(Value::map(map))
}

/// `htpasswd`, `bcrypt`, `derivePassword`, `encryptAES`, `decryptAES`: a fixed placeholder.
pub(super) fn secret(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let _ = args;
    Ok(Value::string(format!(
        "adminlint-placeholder-{}",
        call.name
    )))
}
