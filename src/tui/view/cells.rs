//! Text measured in terminal cells, not chars: a wide character (CJK, most emoji) takes two
//! cells, a combining mark none. Widths come from `unicode-width`, as ratatui's own do;
//! [`clip`] is shared with the reports (`pki::format`).

use unicode_width::UnicodeWidthStr;

use crate::pki::format::fitting;
pub use crate::pki::format::{clip, tail};

/// Greedy word wrap to `width` cells. Words longer than a line (paths, fingerprints) are split,
/// after a `/` when there is one.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let sep = usize::from(!cur.is_empty());
        if cur.width() + sep + word.width() <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        let mut word = word;
        while word.width() > width {
            // At least one character per line, even one wider than the line.
            let fit = fitting(word, width).max(word.chars().next().map_or(0, char::len_utf8));
            let cut = word[..fit]
                .rfind('/')
                .filter(|&i| i > 0)
                .map_or(fit, |i| i + 1);
            out.push(word[..cut].to_string());
            word = &word[cut..];
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_then_slashes_then_anywhere() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("x abcdefgh", 4), ["x", "abcd", "efgh"]);
        assert_eq!(
            wrap("etc/kubernetes/pki/ca.crt", 16),
            ["etc/kubernetes/", "pki/ca.crt"]
        );
    }

    #[test]
    fn wide_characters_count_two_cells() {
        assert_eq!(wrap("証明書 ok", 6), ["証明書", "ok"]);
        assert_eq!(wrap("証明書の期限", 4), ["証明", "書の", "期限"]);
        assert_eq!(
            wrap("証", 1),
            ["証"],
            "never stuck on a character wider than the line"
        );
        assert_eq!(clip("証明書の期限", 5), "証明…");
        assert_eq!(clip("証明書", 6), "証明書");
        assert_eq!(tail("ab証明", 5), "b証明");
        assert_eq!(tail("ab証明", 4), "証明");
        assert_eq!(tail("ab", 4), "ab");
    }

    #[test]
    fn clip_marks_what_it_cut() {
        assert_eq!(clip("csr-serving-worker-1", 8), "csr-ser…");
        assert_eq!(clip("short", 8), "short");
    }
}
