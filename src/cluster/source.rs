//! Which kubeconfig and context to use, in the order an operator on a control-plane node
//! expects: flags, `$KUBECONFIG`, `~/.kube/config`, then kubeadm's `admin.conf` and
//! `super-admin.conf` (only when readable, i.e. usually as root).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::Kubeconfig;

use super::diagnose::Diagnosis;

/// What the operator asked for (`--kubeconfig`, `--context`).
#[derive(Debug, Clone)]
pub struct Access {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// How long to wait for the API server before calling it a timeout.
    pub timeout: Duration,
    /// The local `apiserver.crt` to compare with the served certificate; by default
    /// `pki/apiserver.crt` beside the kubeconfig (kubeadm's layout).
    pub apiserver_cert: Option<PathBuf>,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            kubeconfig: None,
            context: None,
            timeout: Duration::from_secs(10),
            apiserver_cert: None,
        }
    }
}

/// Where default kubeconfigs live. A parameter so that tests never read the real ones.
#[derive(Debug, Clone)]
pub struct Locations {
    /// The value of `$KUBECONFIG` (a path list).
    pub kubeconfig_env: Option<OsString>,
    pub home: Option<PathBuf>,
    /// `/etc/kubernetes`.
    pub kubernetes_dir: PathBuf,
}

impl Locations {
    /// The real environment of this process.
    pub fn from_env() -> Self {
        Locations {
            kubeconfig_env: std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()),
            home: std::env::var_os("HOME").map(PathBuf::from),
            kubernetes_dir: PathBuf::from("/etc/kubernetes"),
        }
    }

    /// Nothing but the given `/etc/kubernetes` stand-in.
    pub fn isolated(kubernetes_dir: impl Into<PathBuf>) -> Self {
        Locations {
            kubeconfig_env: None,
            home: None,
            kubernetes_dir: kubernetes_dir.into(),
        }
    }
}

/// The kubeconfig that was chosen and what its context points at.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// Files merged in order (several only for a `$KUBECONFIG` list).
    pub paths: Vec<PathBuf>,
    pub kubeconfig: Kubeconfig,
    pub context: String,
    pub server: String,
    pub user: String,
    /// The file that defines the context's user: the one to renew when its certificate expired.
    pub user_file: PathBuf,
    /// The local `apiserver.crt` to compare a served certificate with, when one is known.
    pub apiserver_cert: Option<PathBuf>,
}

/// A regular file kcert can open (never a FIFO, whose open or read would hang).
fn readable(p: &Path) -> bool {
    crate::pki::open::open_regular(p).is_ok()
}

/// Why a file the kubeconfig names cannot be used, or `None` when it is a regular file.
fn not_regular(p: &Path) -> Option<String> {
    match crate::pki::open::open_regular(p) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("no such file".into()),
        Err(e) => Some(e.to_string()),
    }
}

/// The files the context's user and cluster name must be regular files: kube reads them
/// while building the client, and a FIFO there would hang it.
fn check_references(merged: &Kubeconfig, user: &str, cluster: &str) -> Result<(), String> {
    let auth = merged
        .auth_infos
        .iter()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_ref());
    let ca = merged
        .clusters
        .iter()
        .find(|c| c.name == cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.certificate_authority.as_deref());
    let named = [
        (
            "client-certificate",
            auth.and_then(|a| a.client_certificate.as_deref()),
        ),
        ("client-key", auth.and_then(|a| a.client_key.as_deref())),
        ("tokenFile", auth.and_then(|a| a.token_file.as_deref())),
        ("certificate-authority", ca),
    ];
    for (field, path) in named {
        if let Some(why) = path.and_then(|p| not_regular(Path::new(p))) {
            return Err(format!("its {field} {}: {why}", path.unwrap_or_default()));
        }
    }
    Ok(())
}

/// The kubeconfig files to load, in order, and every place that was tried.
pub fn candidates(access: &Access, loc: &Locations) -> Result<Vec<PathBuf>, Diagnosis> {
    if let Some(p) = &access.kubeconfig {
        return Ok(vec![p.clone()]);
    }
    let mut tried = Vec::new();
    if let Some(env) = &loc.kubeconfig_env {
        let listed: Vec<PathBuf> = std::env::split_paths(env)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let present: Vec<PathBuf> = listed.iter().filter(|p| p.exists()).cloned().collect();
        if !present.is_empty() {
            return Ok(present);
        }
        tried.extend(listed);
    }
    let mut fallbacks = Vec::new();
    if let Some(home) = &loc.home {
        fallbacks.push(home.join(".kube").join("config"));
    }
    fallbacks.push(loc.kubernetes_dir.join("admin.conf"));
    fallbacks.push(loc.kubernetes_dir.join("super-admin.conf"));
    for p in fallbacks {
        if readable(&p) {
            return Ok(vec![p]);
        }
        tried.push(p);
    }
    Err(Diagnosis::NoKubeconfig { tried })
}

/// Load the kubeconfig(s) and resolve the context.
pub fn choose(access: &Access, loc: &Locations) -> Result<Chosen, Diagnosis> {
    let paths = candidates(access, loc)?;
    let mut loaded = Vec::new();
    for p in &paths {
        if let Some(why) = not_regular(p) {
            return Err(Diagnosis::BadKubeconfig {
                path: p.clone(),
                reason: why,
            });
        }
        let k = Kubeconfig::read_from(p).map_err(|e| Diagnosis::BadKubeconfig {
            path: p.clone(),
            reason: error_chain(&e),
        })?;
        loaded.push((p.clone(), k));
    }
    let first = paths[0].clone();
    let mut merged = Kubeconfig::default();
    for (p, k) in &loaded {
        merged = merged
            .merge(k.clone())
            .map_err(|e| Diagnosis::BadKubeconfig {
                path: p.clone(),
                reason: error_chain(&e),
            })?;
    }
    let bad = |reason: String| Diagnosis::BadKubeconfig {
        path: first.clone(),
        reason,
    };
    let context = access
        .context
        .clone()
        .or_else(|| merged.current_context.clone().filter(|c| !c.is_empty()))
        .ok_or_else(|| bad("no current-context and no --context given".into()))?;
    let ctx = merged
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| {
            let known: Vec<&str> = merged.contexts.iter().map(|c| c.name.as_str()).collect();
            bad(format!(
                "context \"{context}\" not found (contexts: {})",
                known.join(", ")
            ))
        })?;
    let server = merged
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .ok_or_else(|| bad(format!("cluster \"{}\" has no server", ctx.cluster)))?;
    let user = ctx.user.clone().unwrap_or_default();
    check_references(&merged, &user, &ctx.cluster).map_err(bad)?;
    let user_file = loaded
        .iter()
        .find(|(_, k)| k.auth_infos.iter().any(|a| a.name == user))
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| first.clone());
    let apiserver_cert = access.apiserver_cert.clone().or_else(|| {
        let p = user_file.parent()?.join("pki").join("apiserver.crt");
        p.exists().then_some(p)
    });
    Ok(Chosen {
        paths,
        kubeconfig: merged,
        context,
        server,
        user,
        user_file,
        apiserver_cert,
    })
}

/// `outer: inner: innermost`, for messages built from error chains.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}
