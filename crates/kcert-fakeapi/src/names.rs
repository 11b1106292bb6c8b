//! The names kube-apiserver and kubeadm give things, as they spell them: the built-in signers,
//! the node bootstrap roles and kubeadm's default token group.

/// Signer for kubelet serving certificates.
pub const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
/// Signer for kubelet client certificates (node bootstrap and rotation).
pub const KUBELET_CLIENT: &str = "kubernetes.io/kube-apiserver-client-kubelet";
/// Signer for any client certificate the API server will accept.
pub const APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";

/// The ClusterRole that lets a bootstrap token create CSRs.
pub const NODE_BOOTSTRAPPER: &str = "system:node-bootstrapper";
/// The ClusterRole kube-controller-manager's approver checks for a new node's client CSR.
pub const NODECLIENT: &str = "system:certificates.k8s.io:certificatesigningrequests:nodeclient";
/// The ClusterRole it checks for a node renewing its own client certificate.
pub const SELFNODECLIENT: &str =
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient";
/// The extra group of the tokens `kubeadm token create` makes.
pub const DEFAULT_NODE_TOKEN_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";
