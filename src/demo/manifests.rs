//! Static pod manifests as kubeadm v1.31 writes them (reference §9), with every certificate,
//! key and kubeconfig flag naming a file of the demo tree by absolute path.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use super::{files, DemoError};

/// Writes the four control-plane manifests into `dir`.
pub(super) fn write(
    dir: &Path,
    root: &Path,
    etc: &Path,
    pki: &Path,
    node: &str,
    advertise: IpAddr,
) -> Result<(), DemoError> {
    let (etc, pki) = (etc.display(), pki.display());
    let api = SocketAddr::new(advertise, 6443);
    let client = SocketAddr::new(advertise, 2379);
    let peer = SocketAddr::new(advertise, 2380);
    let local_etcd = if advertise.is_ipv6() {
        "[::1]:2379"
    } else {
        "127.0.0.1:2379"
    };
    let data_dir = root.join("var/lib/etcd");
    let data_dir = data_dir.display();

    let apiserver = format!(
        "{header}
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: {api}
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address={advertise}
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --client-ca-file={pki}/ca.crt
    - --enable-admission-plugins=NodeRestriction
    - --enable-bootstrap-token-auth=true
    - --etcd-cafile={pki}/etcd/ca.crt
    - --etcd-certfile={pki}/apiserver-etcd-client.crt
    - --etcd-keyfile={pki}/apiserver-etcd-client.key
    - --etcd-servers=https://{local_etcd}
    - --kubelet-client-certificate={pki}/apiserver-kubelet-client.crt
    - --kubelet-client-key={pki}/apiserver-kubelet-client.key
    - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
    - --proxy-client-cert-file={pki}/front-proxy-client.crt
    - --proxy-client-key-file={pki}/front-proxy-client.key
    - --requestheader-allowed-names=front-proxy-client
    - --requestheader-client-ca-file={pki}/front-proxy-ca.crt
    - --requestheader-extra-headers-prefix=X-Remote-Extra-
    - --requestheader-group-headers=X-Remote-Group
    - --requestheader-username-headers=X-Remote-User
    - --secure-port=6443
    - --service-account-issuer=https://kubernetes.default.svc.cluster.local
    - --service-account-key-file={pki}/sa.pub
    - --service-account-signing-key-file={pki}/sa.key
    - --service-cluster-ip-range=10.96.0.0/12
    - --tls-cert-file={pki}/apiserver.crt
    - --tls-private-key-file={pki}/apiserver.key
    image: registry.k8s.io/kube-apiserver:v1.31.4
    imagePullPolicy: IfNotPresent
{liveness}
    name: kube-apiserver
    resources:
      requests:
        cpu: 250m
{startup}
    volumeMounts:
{ca_mounts}
    - mountPath: {pki}
      name: k8s-certs
      readOnly: true
{pod}
  volumes:
{ca_volumes}
  - hostPath:
      path: {pki}
      type: DirectoryOrCreate
    name: k8s-certs
status: {{}}
",
        header = HEADER,
        liveness = probe(
            "livenessProbe",
            8,
            &advertise.to_string(),
            "/livez",
            6443,
            "HTTPS"
        ),
        startup = probe(
            "startupProbe",
            24,
            &advertise.to_string(),
            "/livez",
            6443,
            "HTTPS"
        ),
        ca_mounts = CA_MOUNTS,
        ca_volumes = CA_VOLUMES,
        pod = POD,
    );

    let controller_manager = format!(
        "{HEADER}
  labels:
    component: kube-controller-manager
    tier: control-plane
  name: kube-controller-manager
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-controller-manager
    - --authentication-kubeconfig={etc}/controller-manager.conf
    - --authorization-kubeconfig={etc}/controller-manager.conf
    - --bind-address=127.0.0.1
    - --client-ca-file={pki}/ca.crt
    - --cluster-name=kubernetes
    - --cluster-signing-cert-file={pki}/ca.crt
    - --cluster-signing-key-file={pki}/ca.key
    - --controllers=*,bootstrapsigner,tokencleaner
    - --kubeconfig={etc}/controller-manager.conf
    - --leader-elect=true
    - --requestheader-client-ca-file={pki}/front-proxy-ca.crt
    - --root-ca-file={pki}/ca.crt
    - --service-account-private-key-file={pki}/sa.key
    - --use-service-account-credentials=true
    image: registry.k8s.io/kube-controller-manager:v1.31.4
    imagePullPolicy: IfNotPresent
{liveness}
    name: kube-controller-manager
    resources:
      requests:
        cpu: 200m
{startup}
    volumeMounts:
{CA_MOUNTS}
    - mountPath: {pki}
      name: k8s-certs
      readOnly: true
    - mountPath: {etc}/controller-manager.conf
      name: kubeconfig
      readOnly: true
{POD}
  volumes:
{CA_VOLUMES}
  - hostPath:
      path: {pki}
      type: DirectoryOrCreate
    name: k8s-certs
  - hostPath:
      path: {etc}/controller-manager.conf
      type: FileOrCreate
    name: kubeconfig
status: {{}}
",
        liveness = probe("livenessProbe", 8, "127.0.0.1", "/healthz", 10257, "HTTPS"),
        startup = probe("startupProbe", 24, "127.0.0.1", "/healthz", 10257, "HTTPS"),
    );

    let scheduler = format!(
        "{HEADER}
  labels:
    component: kube-scheduler
    tier: control-plane
  name: kube-scheduler
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-scheduler
    - --authentication-kubeconfig={etc}/scheduler.conf
    - --authorization-kubeconfig={etc}/scheduler.conf
    - --bind-address=127.0.0.1
    - --kubeconfig={etc}/scheduler.conf
    - --leader-elect=true
    image: registry.k8s.io/kube-scheduler:v1.31.4
    imagePullPolicy: IfNotPresent
{liveness}
    name: kube-scheduler
    resources:
      requests:
        cpu: 100m
{startup}
    volumeMounts:
    - mountPath: {etc}/scheduler.conf
      name: kubeconfig
      readOnly: true
{POD}
  volumes:
  - hostPath:
      path: {etc}/scheduler.conf
      type: FileOrCreate
    name: kubeconfig
status: {{}}
",
        liveness = probe("livenessProbe", 8, "127.0.0.1", "/livez", 10259, "HTTPS"),
        startup = probe("startupProbe", 24, "127.0.0.1", "/livez", 10259, "HTTPS"),
    );

    let etcd = format!(
        "{HEADER}
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://{client}
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://{client}
    - --cert-file={pki}/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir={data_dir}
    - --experimental-initial-corrupt-check=true
    - --experimental-watch-progress-notify-interval=5s
    - --initial-advertise-peer-urls=https://{peer}
    - --initial-cluster={node}=https://{peer}
    - --key-file={pki}/etcd/server.key
    - --listen-client-urls=https://{local_etcd},https://{client}
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://{peer}
    - --name={node}
    - --peer-cert-file={pki}/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file={pki}/etcd/peer.key
    - --peer-trusted-ca-file={pki}/etcd/ca.crt
    - --snapshot-count=10000
    - --trusted-ca-file={pki}/etcd/ca.crt
    image: registry.k8s.io/etcd:3.5.15-0
    imagePullPolicy: IfNotPresent
{liveness}
    name: etcd
    resources:
      requests:
        cpu: 100m
        memory: 100Mi
{startup}
    volumeMounts:
    - mountPath: {data_dir}
      name: etcd-data
    - mountPath: {pki}/etcd
      name: etcd-certs
{POD}
  volumes:
  - hostPath:
      path: {pki}/etcd
      type: DirectoryOrCreate
    name: etcd-certs
  - hostPath:
      path: {data_dir}
      type: DirectoryOrCreate
    name: etcd-data
status: {{}}
",
        liveness = probe("livenessProbe", 8, "127.0.0.1", "/livez", 2381, "HTTP"),
        startup = probe("startupProbe", 24, "127.0.0.1", "/livez", 2381, "HTTP"),
    );

    for (name, text) in [
        ("kube-apiserver.yaml", apiserver),
        ("kube-controller-manager.yaml", controller_manager),
        ("kube-scheduler.yaml", scheduler),
        ("etcd.yaml", etcd),
    ] {
        // kubeadm's WriteStaticPodToDisk uses 0600.
        files::write(&dir.join(name), text, files::PRIVATE)?;
    }
    Ok(())
}

const HEADER: &str = "apiVersion: v1
kind: Pod
metadata:";

const POD: &str = "  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault";

const CA_MOUNTS: &str = "    - mountPath: /etc/ssl/certs
      name: ca-certs
      readOnly: true
    - mountPath: /etc/ca-certificates
      name: etc-ca-certificates
      readOnly: true";

const CA_VOLUMES: &str = "  - hostPath:
      path: /etc/ssl/certs
      type: DirectoryOrCreate
    name: ca-certs
  - hostPath:
      path: /etc/ca-certificates
      type: DirectoryOrCreate
    name: etc-ca-certificates";

/// kubeadm's liveness and startup probes: same target, different failure thresholds.
fn probe(kind: &str, failures: u32, host: &str, path: &str, port: u16, scheme: &str) -> String {
    format!(
        "    {kind}:
      failureThreshold: {failures}
      httpGet:
        host: {host}
        path: {path}
        port: {port}
        scheme: {scheme}
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15"
    )
}
