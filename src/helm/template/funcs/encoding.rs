//! sprig's `b64enc` / `b64dec` and the digests `sha256sum`, `sha1sum`, `adler32sum`.

use std::cell::RefCell;

use super::Call;
use super::convert;
use crate::digest;
use crate::fast_hash::FastMap;
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
        "sha256sum" => sha256_hex(&text),
        "sha1sum" => digest::hex(&digest::sha1(bytes)),
        _ => digest::adler32(bytes).to_string(),
    }))
}

thread_local! {
    /// The `sha256sum` of texts hashed lately on this thread, by text: a chart hashes the same
    /// rendered ConfigMap into the `checksum/config` annotation of each of its workloads (one
    /// corpus chart hashed one `include` 305 times), and SHA-256 costs far more than a lookup.
    static SHA256_MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// Digests by text, emptied when the texts held pass [`Memo::MAX_BYTES`].
#[derive(Default)]
struct Memo {
    digests: FastMap<String, String>,
    bytes: usize,
}

impl Memo {
    /// Enough for a chart's few hashed texts; a language server's thread keeps no more.
    const MAX_BYTES: usize = 1 << 20;
}

fn sha256_hex(text: &str) -> String {
    SHA256_MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(known) = memo.digests.get(text) {
            return known.clone();
        }
        let digest = digest::hex(&digest::sha256(text.as_bytes()));
        if text.len() <= Memo::MAX_BYTES {
            if memo.bytes + text.len() > Memo::MAX_BYTES {
                memo.digests.clear();
                memo.bytes = 0;
            }
            memo.bytes += text.len();
            memo.digests.insert(text.to_string(), digest.clone());
        }
        digest
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_digest_is_the_digest_of_the_same_text() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex("abc"), abc);
        assert_eq!(sha256_hex("abc"), abc, "from the memo");
        assert_ne!(sha256_hex("abd"), abc);
        // A text past the memo's size is hashed and not kept; the memo still answers after.
        let large = "x".repeat(Memo::MAX_BYTES + 1);
        assert_eq!(
            sha256_hex(&large),
            digest::hex(&digest::sha256(large.as_bytes()))
        );
        assert_eq!(sha256_hex("abc"), abc);
        SHA256_MEMO.with(|memo| assert!(memo.borrow().bytes <= Memo::MAX_BYTES));
    }
}
