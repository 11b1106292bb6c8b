//! Text measured in terminal cells, not chars: a wide character (CJK, most emoji) takes two
//! cells, a combining mark none. Widths come from `unicode-width`, as ratatui's own do;
//! [`clip`] is shared with the reports (`pki::format`).

use unicode_width::UnicodeWidthStr;

use crate::pki::format::fitting;
pub use crate::pki::format::{clip, tail};

/// Where an overlong token may break, best first: after a path's `/`, then after a flag's or
/// name's `-`, `.`, `_`, `:`, `=` or `,`. Hex and words without any break anywhere.
const BREAKS: [&[char]; 2] = [&['/'], &['-', '.', '_', ':', '=', ',']];

/// Fewer characters than this after a break (`current.` / `pem`) read badly: an earlier
/// break is taken when there is one.
const SHORT_TAIL: usize = 4;

/// Byte length of the start of `word` to put on a line of `width` cells: up to its last
/// break point that fits, else as much as fits (at least one character).
fn cut(word: &str, width: usize) -> usize {
    // At least one character per line, even one wider than the line.
    let fit = fitting(word, width).max(word.chars().next().map_or(0, char::len_utf8));
    BREAKS
        .iter()
        .find_map(|set| {
            // Each break position, just after a break character that is not the first.
            let breaks: Vec<usize> = word[..fit]
                .match_indices(*set)
                .map(|(i, _)| i + 1)
                .filter(|&i| i > 1)
                .collect();
            let long_tail = breaks
                .iter()
                .rev()
                .find(|&&i| word[i..].chars().count() >= SHORT_TAIL);
            long_tail.or(breaks.last()).copied()
        })
        .unwrap_or(fit)
}

/// Greedy word wrap to `width` cells. A word longer than a line (a path, a flag, a
/// fingerprint) starts on a line of its own and is split at a path or name boundary when it
/// has one ([`BREAKS`]).
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
            let at = cut(word, width);
            out.push(word[..at].to_string());
            word = &word[at..];
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
    fn flags_and_names_break_at_their_dashes_and_dots_not_mid_word() {
        assert_eq!(
            wrap("kube-controller-manager --authentication-kubeconfig", 25),
            ["kube-controller-manager", "--authentication-", "kubeconfig"]
        );
        assert_eq!(
            wrap("/var/lib/kubelet/pki/kubelet-client-current.pem", 25),
            ["/var/lib/kubelet/pki/", "kubelet-client-", "current.pem"]
        );
        assert_eq!(
            wrap("DNS:kubernetes.default.svc.cluster.local", 25),
            ["DNS:kubernetes.default.", "svc.cluster.local"]
        );
        assert_eq!(
            wrap("DNS:kubernetes.default.svc", 25),
            ["DNS:kubernetes.", "default.svc"]
        );
        assert_eq!(wrap("--x", 2), ["--", "x"]);
        assert_eq!(
            wrap("a bc-d", 5),
            ["a", "bc-d"],
            "a word that fits a line is not cut"
        );
    }

    #[test]
    fn clip_ellipsis_counts_in_the_width() {
        assert_eq!(
            clip("kube-controller-manager.kubeconfig", 27),
            "kube-controller-manager.ku…"
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
