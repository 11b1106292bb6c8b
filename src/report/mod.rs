//! `kcert check` output and exit codes.
