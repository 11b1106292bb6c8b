//! `/var/lib/kubelet/pki` as a kubelet leaves it (reference §5), plus `kubelet.conf` pointing
//! at the rotated client certificate the way kubeadm's kubelet-finalize phase rewrites it.

use std::path::{Path, PathBuf};

use chrono::Duration;

use super::certs::{Authority, Story};
use super::kubeconfig::{self, Credentials};
use super::{files, DemoError};
use crate::sign::{
    cert_to_pem, issue, CertTemplate, ExtendedKeyUsagePurpose as Eku, Issuer, KeySpec, PrivateKey,
    Subject,
};

/// Fault name of the kubelet client certificate (the one `kubelet.conf` uses).
pub(super) const CLIENT: &str = "kubelet.conf";
/// Fault name of the kubelet's self-signed serving certificate.
pub(super) const SERVING: &str = "kubelet.crt";

/// Writes the client pem, its `-current` symlink and the self-signed serving pair into
/// `kubelet_pki`, then `kubelet.conf` into `etc`. Returns the symlink path.
pub(super) fn write(
    story: &Story<'_>,
    kubelet_pki: &Path,
    etc: &Path,
    server: &str,
    ca: &Authority,
    wrong: &Authority,
) -> Result<PathBuf, DemoError> {
    let node = &story.spec.node_name;
    let current = kubelet_pki.join("kubelet-client-current.pem");

    // Client: CSR approved and signed by kube-controller-manager; the kubelet always makes a
    // fresh ECDSA P-256 key and stores certificate then key in one dated file.
    let lifetime = Duration::days(365);
    let rotated = story.issued_at(CLIENT, story.spec.now - Duration::days(100), lifetime);
    let key = PrivateKey::generate(KeySpec::EcdsaP256)?;
    let mut t = CertTemplate::new(
        Subject::new(&format!("system:node:{node}"), &["system:nodes"])?,
        rotated - Duration::minutes(5),
        rotated + lifetime,
    );
    t.usages = vec![Eku::ClientAuth];
    let cert = story.sign(CLIENT, &t, &key, ca, wrong)?;
    let key = story.written_key(CLIENT, key)?;
    let dated = kubelet_pki.join(format!(
        "kubelet-client-{}.pem",
        crate::pki::format::kubelet_stamp(rotated)
    ));
    files::write(
        &dated,
        cert_to_pem(&cert) + &key.to_native_pem()?,
        files::PRIVATE,
    )?;
    files::symlink(&dated, &current)?;

    write_serving(story, kubelet_pki)?;

    kubeconfig::write(
        &etc.join("kubelet.conf"),
        server,
        &cert_to_pem(&ca.cert),
        &format!("system:node:{node}"),
        Credentials::File(&current),
    )?;
    Ok(current)
}

/// `/var/lib/kubelet/config.yaml` as kubeadm v1.31 writes it: client certificate rotation on,
/// serving certificate self-signed (no `serverTLSBootstrap`), the cluster CA as client CA.
pub(super) fn write_config(
    kubelet_dir: &Path,
    pki: &Path,
    manifests: &Path,
) -> Result<(), DemoError> {
    let text = format!(
        "apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: {pki}/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: \"\"
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: \"0\"
    text:
      infoBufferSize: \"0\"
  verbosity: 0
memorySwap: {{}}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
resolvConf: /run/systemd/resolve/resolv.conf
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: {manifests}
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
",
        pki = pki.display(),
        manifests = manifests.display(),
    );
    files::write(&kubelet_dir.join("config.yaml"), text, files::PUBLIC)
}

/// client-go's `GenerateSelfSignedCertKey`: a throwaway CA `<host>-ca@<unix>` signs the leaf
/// `<host>@<unix>`; `kubelet.crt` holds leaf then CA. (The kubelet uses RSA-2048; the demo uses
/// the tree's key type to stay fast.)
fn write_serving(story: &Story<'_>, kubelet_pki: &Path) -> Result<(), DemoError> {
    let node = &story.spec.node_name;
    let lifetime = Duration::days(365);
    let not_before = story.issued_at(SERVING, story.renewed - Duration::hours(1), lifetime);
    let not_after = not_before + lifetime;
    let created = (not_before + Duration::hours(1)).timestamp();

    let ca_key = PrivateKey::generate(story.spec.key)?;
    let mut ca_t = CertTemplate::new(
        Subject::new(&format!("{node}-ca@{created}"), &[])?,
        not_before,
        not_after,
    );
    ca_t.is_ca = true;
    let ca = issue(&ca_t, &ca_key, Issuer::SelfSigned)?;

    let key = PrivateKey::generate(story.spec.key)?;
    let mut t = CertTemplate::new(
        Subject::new(&format!("{node}@{created}"), &[])?,
        not_before,
        not_after,
    );
    t.usages = vec![Eku::ServerAuth];
    match node.parse() {
        Ok(ip) => t.ip_addresses = vec![ip],
        Err(_) => t.dns_names = vec![node.clone()],
    }
    let cert = issue(
        &t,
        &key,
        Issuer::Ca {
            cert_der: &ca,
            key: &ca_key,
        },
    )?;
    let key = story.written_key(SERVING, key)?;
    files::write(
        &kubelet_pki.join("kubelet.crt"),
        cert_to_pem(&cert) + &cert_to_pem(&ca),
        files::PUBLIC,
    )?;
    files::write(
        &kubelet_pki.join("kubelet.key"),
        key.to_native_pem()?,
        files::PRIVATE,
    )
}
