//! The binary's allocator. A scan makes hundreds of thousands of small allocations from
//! several threads; with mimalloc a 10,000-certificate `kcert check` takes about a sixth less
//! CPU than with glibc's malloc. Its defaults keep freed memory around for a while, which
//! would lift the peak by a third, so purging is made immediate.
//!
//! Immediate purging and transparent huge pages do not mix: mimalloc asks for huge pages on
//! its arenas, so every page it takes back after a purge faulted in a whole 2 MiB page for
//! the kernel to zero — a seventh of a 10,000-certificate scan's CPU, and more memory. kcert
//! turns them off for itself (it starts no other programs, which would inherit that).

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// Positions in `mi_option_t` of the mimalloc v3 header that libmimalloc-sys 0.1.49 builds
// (the Rust crate does not export them "for stability"; the test below pins them).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

/// Return freed memory at once, commit arena memory only when used, and no transparent huge
/// pages. mimalloc's own `MIMALLOC_PURGE_DELAY` still wins when set (for measuring). Call
/// first in main.
pub fn tune() {
    // Arenas reserved before main were already advised to use huge pages: the process-wide
    // switch covers them too. Failing (an old kernel) only leaves the speed as it was.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let purge_delay_from_env = std::env::var_os("MIMALLOC_PURGE_DELAY").is_some();
    // SAFETY: mimalloc's option setters take plain integers; called once at start-up.
    unsafe {
        libmimalloc_sys::mi_option_set(ALLOW_THP, 0);
        if !purge_delay_from_env {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        }
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_positions_are_the_ones_meant() {
        // Defaults in v3/src/options.c: purge delay 1000 ms, arena eager commit 2 (on Linux),
        // transparent huge pages allowed (1).
        // SAFETY: reading options has no preconditions.
        let (delay, eager, thp) = unsafe {
            (
                libmimalloc_sys::mi_option_get(PURGE_DELAY),
                libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT),
                libmimalloc_sys::mi_option_get(ALLOW_THP),
            )
        };
        assert_eq!(
            (delay, eager, thp),
            (1000, 2, 1),
            "mimalloc's option numbering changed"
        );
    }
}
