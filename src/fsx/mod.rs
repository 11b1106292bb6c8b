//! File safety, below everything that changes files (renewal, restarts, kubeconfig refresh):
//! a failed change loses nothing.
//!
//! - [`disk`]: the [`Disk`] trait every change goes through (atomic replace: temp file,
//!   fsync, rename, fsync the directory), and moves that sync both directories.
//! - [`backup`](mod@backup): copies taken before a change and put back on failure; [`unused_dir`] keeps
//!   two runs in the same second apart.
//! - [`journal`]: the shared history file and the synced records a killed kcert leaves for
//!   the next one to act on.

pub mod backup;
pub mod disk;
pub mod journal;

pub use backup::{backup, mirror, restore, unused_dir, Backed};
pub use disk::{create_private_dir, move_file, sync_dir, sync_parent, Disk, RealDisk};
