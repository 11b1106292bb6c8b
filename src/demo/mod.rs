//! A realistic kubeadm control-plane tree with planted faults, for `kcert demo` and tests.
