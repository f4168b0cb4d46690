//! sprig's number functions: conversions (`int`, `int64`, `float64`, `atoi`), integer and float
//! arithmetic (`add` … `max`, `addf` …), and sequences (`until`, `untilStep`, `seq`).

use super::Call;
use super::convert;
use crate::helm::template::TemplateError;
use crate::helm::template::exec::Exec;
use crate::helm::template::value::Value;

pub(super) fn convert(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let value = &args[0];
    Ok(match call.name {
        "float64" => Value::float(convert::float(value)),
        "atoi" => Value::int(convert::string(value).trim().parse().unwrap_or(0)),
        "toDecimal" => Value::int(i64::from_str_radix(&convert::string(value), 8).unwrap_or(0)),
        _ => Value::int(convert::int(value)),
    }
    .with_origin(value.origin()))
}

pub(super) fn arithmetic(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    let ints = || args.iter().map(convert::int);
    let floats = || args.iter().map(convert::float);
    let two = |call: &Call<'_>| call.arity(args, 2);
    Ok(match call.name {
        "add" => Value::int(ints().fold(0i64, i64::wrapping_add)),
        "add1" => {
            call.arity(args, 1)?;
            Value::int(convert::int(&args[0]).wrapping_add(1))
        }
        "sub" => {
            two(call)?;
            Value::int(convert::int(&args[0]).wrapping_sub(convert::int(&args[1])))
        }
        "mul" => {
            call.at_least(args, 1)?;
            Value::int(ints().fold(1i64, i64::wrapping_mul))
        }
        "div" | "mod" => {
            two(call)?;
            let (a, b) = (convert::int(&args[0]), convert::int(&args[1]));
            if b == 0 {
                return Err(call.error("runtime error: integer divide by zero"));
            }
            Value::int(if call.name == "div" {
                a.wrapping_div(b)
            } else {
                a.wrapping_rem(b)
            })
        }
        "max" => {
            call.at_least(args, 1)?;
            Value::int(ints().max().unwrap_or(0))
        }
        "min" => {
            call.at_least(args, 1)?;
            Value::int(ints().min().unwrap_or(0))
        }
        "addf" => Value::float(floats().sum()),
        "add1f" => {
            call.arity(args, 1)?;
            Value::float(convert::float(&args[0]) + 1.0)
        }
        "subf" => {
            call.at_least(args, 1)?;
            let first = convert::float(&args[0]);
            Value::float(floats().skip(1).fold(first, |a, b| a - b))
        }
        "mulf" => {
            call.at_least(args, 1)?;
            Value::float(floats().product())
        }
        "divf" => {
            call.at_least(args, 1)?;
            let first = convert::float(&args[0]);
            Value::float(floats().skip(1).fold(first, |a, b| a / b))
        }
        "maxf" => Value::float(floats().fold(f64::NEG_INFINITY, f64::max)),
        "minf" => Value::float(floats().fold(f64::INFINITY, f64::min)),
        "floor" => {
            call.arity(args, 1)?;
            Value::float(convert::float(&args[0]).floor())
        }
        "ceil" => {
            call.arity(args, 1)?;
            Value::float(convert::float(&args[0]).ceil())
        }
        _ => {
            // round value precision [roundOn]
            call.at_least(args, 2)?;
            let value = convert::float(&args[0]);
            let precision = convert::int(&args[1]).clamp(0, 15) as i32;
            let round_on = args.get(2).map_or(0.5, convert::float);
            let scale = 10f64.powi(precision);
            let scaled = value * scale;
            let floor = scaled.floor();
            let rounded = if scaled - floor >= round_on {
                floor + 1.0
            } else {
                floor
            };
            Value::float(rounded / scale)
        }
    })
}

/// `until n`, `untilStep start stop step`, `seq …`: the length is paid for in evaluation steps
/// before the list is built, so `until 1000000000` is a budget error, not an allocation.
pub(super) fn sequence(
    exec: &mut Exec<'_>,
    call: &Call<'_>,
    args: &[Value],
) -> Result<Value, TemplateError> {
    let (start, stop, step) = match call.name {
        "until" => {
            call.arity(args, 1)?;
            let n = convert::int(&args[0]);
            (0, n, if n < 0 { -1 } else { 1 })
        }
        "untilStep" => {
            call.arity(args, 3)?;
            (
                convert::int(&args[0]),
                convert::int(&args[1]),
                convert::int(&args[2]),
            )
        }
        _ => {
            // seq: like GNU seq, `seq last`, `seq first last`, `seq first step last`; a string.
            let ints: Vec<i64> = args.iter().map(convert::int).collect();
            let (first, step, last) = match ints.as_slice() {
                [last] => (1, 1, *last),
                [first, last] => (*first, if first <= last { 1 } else { -1 }, *last),
                [first, step, last] => (*first, *step, *last),
                _ => return Err(call.error("seq takes one to three arguments")),
            };
            let end = if step > 0 {
                last.saturating_add(1)
            } else {
                last.saturating_sub(1)
            };
            let items = steps(exec, call, first, end, step)?;
            let text: Vec<String> = items.iter().map(i64::to_string).collect();
            return Ok(Value::string(text.join(" ")));
        }
    };
    let items = steps(exec, call, start, stop, step)?;
    Ok(Value::list(items.into_iter().map(Value::int).collect()))
}

fn steps(
    exec: &mut Exec<'_>,
    call: &Call<'_>,
    start: i64,
    stop: i64,
    step: i64,
) -> Result<Vec<i64>, TemplateError> {
    if step == 0 || (step > 0 && start >= stop) || (step < 0 && start <= stop) {
        return Ok(Vec::new());
    }
    let count = ((i128::from(stop) - i128::from(start)).abs() + i128::from(step).abs() - 1)
        / i128::from(step).abs();
    exec.spend(u64::try_from(count).unwrap_or(u64::MAX), call.span)?;
    let mut items = Vec::with_capacity(count as usize);
    let mut at = start;
    while (step > 0 && at < stop) || (step < 0 && at > stop) {
        items.push(at);
        match at.checked_add(step) {
            Some(next) => at = next,
            None => break,
        }
    }
    Ok(items)
}
