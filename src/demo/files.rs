//! Writing files with the modes kubeadm and the kubelet use.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::DemoError;

/// Private keys, kubeconfigs and the kubelet's combined pem (`keyutil.WriteKey`, `clientcmd`).
pub(super) const PRIVATE: u32 = 0o600;
/// Certificates, public keys shown to everyone, manifests (`certutil.WriteCert`).
pub(super) const PUBLIC: u32 = 0o644;

/// Writes `contents` to `path` with exactly `mode` (not masked by the umask), creating parents.
pub(super) fn write(path: &Path, contents: impl AsRef<[u8]>, mode: u32) -> Result<(), DemoError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| DemoError::io(parent, e))?;
    }
    fs::write(path, contents).map_err(|e| DemoError::io(path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| DemoError::io(path, e))
}

/// Replaces whatever is at `link` with a symlink to `target`.
pub(super) fn symlink(target: &Path, link: &Path) -> Result<(), DemoError> {
    match fs::remove_file(link) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(DemoError::io(link, e)),
    }
    std::os::unix::fs::symlink(target, link).map_err(|e| DemoError::io(link, e))
}
