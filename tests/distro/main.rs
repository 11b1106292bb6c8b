//! Every common node, not only kubeadm's: k3s, RKE2, MicroK8s, kubespray and the hard way —
//! generated as each distribution writes its files (the source is cited in each module), and
//! the real public k3s, RKE2 and hard-way files in the shared fixtures.

#[path = "../common/mod.rs"]
mod common;
// The byte-exact tree snapshots of the renewal tests.
#[allow(dead_code)]
#[path = "../renew/util.rs"]
mod renew_util;

mod demo;
mod hard_way;
mod k3s;
mod k3s_renew;
mod kubespray;
mod microk8s;
mod real;
mod rke2;
mod util;
