//! Escaping for the XML formats (JUnit, Checkstyle): text and attribute values.

/// `text` made safe for element content or a double-quoted attribute value.
///
/// Markup characters become entities; tab, line feed and carriage return become character
/// references, so they survive attribute-value normalisation; characters XML 1.0 forbids even
/// as references (other C0 controls, U+FFFE, U+FFFF) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `text` made safe for element content that people read as lines: like [`escape`], but line
/// feeds, tabs and quotes stay as they are (only attribute values need them as references).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_controls_and_newlines() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\tx\ny\r\u{1b}\u{fffe}é"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#9;x&#10;y&#13;\u{fffd}\u{fffd}é"
        );
        assert_eq!(
            escape_text("it's \"one\" & <two>\nthree\r\u{7}"),
            "it's \"one\" &amp; &lt;two&gt;\nthree&#13;\u{fffd}"
        );
    }
}
