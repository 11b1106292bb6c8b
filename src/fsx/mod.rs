//! File safety, below everything that changes files (renewal, restore, restarts, kubeconfig
//! refresh): a failed or killed change loses nothing, leaks nothing and is never redirected.
//!
//! - [`disk`]: the [`Disk`] trait every change goes through: private `O_EXCL` temp files
//!   with random names, final mode and owner set before the rename, fsync of file and
//!   directory.
//! - [`dirs`]: directories kcert creates, 0700 whatever the umask, never through a symlink.
//! - [`backup`](mod@backup): copies taken before a change and put back on failure;
//!   [`unused_dir`] keeps two runs in the same second apart.
//! - [`lock`]: one writer at a time.
//! - [`journal`]: the history file and the synced records a killed kcert leaves for the next.
//! - [`txn`]: a multi-file change with a write-ahead journal, and its recovery (the journal
//!   format is documented there).
//! - [`failpoint`]: `KCERT_FAILPOINT`, for crash tests of the real binary.

pub mod backup;
pub mod dirs;
pub mod disk;
pub mod failpoint;
pub mod journal;
pub mod lock;
pub mod txn;

pub use backup::{backup, mirror, restore, unused_dir, Backed};
pub use disk::{move_file, sync_dir, sync_parent, Disk, Perms, RealDisk, Staged};
pub use lock::{Lock, LockError};
