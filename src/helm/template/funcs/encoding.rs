//! sprig's `b64enc` / `b64dec` and the digests `sha256sum`, `sha1sum`, `adler32sum`.

use super::Call;
use super::convert;
use crate::digest;
use crate::helm::template::TemplateError;
use crate::helm::template::value::Value;

pub(super) fn b64enc(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    Ok(
        Value::string(digest::base64(convert::string(&args[0]).as_bytes()))
            .with_origin(args[0].origin()),
    )
}

pub(super) fn b64dec(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    // sprig returns the decoding error's text as the result rather than failing.
    let text = match digest::base64_decode(&convert::string(&args[0])) {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => "illegal base64 data at input byte 0".to_string(),
    };
    Ok(Value::string(text).with_origin(args[0].origin()))
}

pub(super) fn hash(call: &Call<'_>, args: &[Value]) -> Result<Value, TemplateError> {
    call.arity(args, 1)?;
    let text = convert::string(&args[0]);
    let bytes = text.as_bytes();
    Ok(Value::string(match call.name {
        "sha256sum" => digest::hex(&digest::sha256(bytes)),
        "sha1sum" => digest::hex(&digest::sha1(bytes)),
        _ => digest::adler32(bytes).to_string(),
    }))
}
