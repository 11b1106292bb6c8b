# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kcert_global_optspecs
    string join \n warn= crit= color= kubeconfig= context= now= debug h/help V/version
end

function __fish_kcert_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kcert_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kcert_using_subcommand
    set -l cmd (__fish_kcert_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kcert -n "__fish_kcert_needs_command" -l warn -d 'Days before expiry that count as a warning' -r
complete -c kcert -n "__fish_kcert_needs_command" -l crit -d 'Days before expiry that count as critical' -r
complete -c kcert -n "__fish_kcert_needs_command" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kcert -n "__fish_kcert_needs_command" -l kubeconfig -d 'Kubeconfig for the CSR tab (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_needs_command" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_needs_command" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_needs_command" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kcert -n "__fish_kcert_needs_command" -s V -l version -d 'Print version'
complete -c kcert -n "__fish_kcert_needs_command" -a "check" -d 'Print every certificate and problem; exit 0 ok, 1 warning, 2 critical, 3 could not run'
complete -c kcert -n "__fish_kcert_needs_command" -a "tui" -d 'Open the terminal UI (the default when no command is given)'
complete -c kcert -n "__fish_kcert_needs_command" -a "demo" -d 'Write a demo node (kubeadm by default, or k3s or MicroK8s) into a temporary directory and open the UI on it; kubeadm\'s comes with a demo API server holding a dozen CSRs'
complete -c kcert -n "__fish_kcert_needs_command" -a "renew" -d 'Renew leaf certificates and kubeconfigs like `kubeadm certs renew`, with backups; a CA only when named (ca, etcd-ca, front-proxy-ca), re-signed with its own key, every copy on the node updated'
complete -c kcert -n "__fish_kcert_needs_command" -a "restore" -d 'Put back the files of a renewal from its backup (default: the last renewal)'
complete -c kcert -n "__fish_kcert_needs_command" -a "ca" -d 'A cluster CA across nodes: import a CA renewed elsewhere, plan its rotation'
complete -c kcert -n "__fish_kcert_needs_command" -a "probe" -d 'Connect to each component on this node and compare the certificate it serves with the file on disk; exit 0 all current, 1 something to act on, 2 serving an expired certificate'
complete -c kcert -n "__fish_kcert_needs_command" -a "restart" -d 'Restart a static pod (move its manifest out and back) and wait until it serves the certificate on disk'
complete -c kcert -n "__fish_kcert_needs_command" -a "explain" -d 'Find the certificates a Go x509 "expired or not yet valid" error line is about'
complete -c kcert -n "__fish_kcert_needs_command" -a "csr" -d 'List, approve or deny the live cluster\'s CertificateSigningRequests'
complete -c kcert -n "__fish_kcert_needs_command" -a "serve" -d 'Scan on start, every --interval and on SIGHUP, and serve the last scan over HTTP: /metrics (Prometheus, x509-certificate-exporter\'s series and kcert\'s), /report (the JSON of `check -o json`) and /healthz. Runs until stopped; bad files never stop it'
complete -c kcert -n "__fish_kcert_needs_command" -a "fleet" -d 'Every node\'s report through the API server (the kcert DaemonSet\'s pods): worst health, soonest expiry and problems per node; exit codes like check, over the fleet'
complete -c kcert -n "__fish_kcert_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kcert -n "__fish_kcert_using_subcommand check" -l warn -d 'Days before expiry that count as a warning' -r
complete -c kcert -n "__fish_kcert_using_subcommand check" -l crit -d 'Days before expiry that count as critical' -r
complete -c kcert -n "__fish_kcert_using_subcommand check" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kcert -n "__fish_kcert_using_subcommand check" -s o -l output -d 'Output format: `table` fits a terminal\'s width (all columns when piped), `wide` has every column' -r -f -a "table\t''
wide\t''
json\t''
prometheus\t''"
complete -c kcert -n "__fish_kcert_using_subcommand check" -l probe-timeout -d 'Per-endpoint timeout for --probe, in milliseconds' -r
complete -c kcert -n "__fish_kcert_using_subcommand check" -l node-root -d 'Read the node below DIR (DIR/etc/kubernetes, DIR/var/lib/kubelet) instead of `/`; by default found under the scanned PATHs, or `/` when none are given' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand check" -l manifests -d 'The static pod manifests directory (default <kubernetes dir>/manifests)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand check" -l kubelet-config -d 'The kubelet\'s KubeletConfiguration file (default /var/lib/kubelet/config.yaml)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand check" -l node-address -d 'Also probe components on this address of the node (repeatable); loopback always is' -r
complete -c kcert -n "__fish_kcert_using_subcommand check" -l user-kubeconfig -d 'The kubeconfig to compare with admin.conf (default $KUBECONFIG or ~/.kube/config when reading the real node)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand check" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand check" -l probe -d 'Also connect to the components on this node (loopback and --node-address only) and compare what they serve with the files; off by default so nothing but files is read'
complete -c kcert -n "__fish_kcert_using_subcommand check" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand check" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l warn -d 'Days before expiry that count as a warning' -r
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l crit -d 'Days before expiry that count as critical' -r
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l kubeconfig -d 'Kubeconfig for the CSR tab (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand tui" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand tui" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand demo" -l dir -d 'Write the tree here instead of a new temporary directory (kept after exit)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand demo" -l layout -d 'Which kind of node to write. k3s and MicroK8s nodes come without the demo API server: their nodes use neither CSRs nor bootstrap tokens to join' -r -f -a "kubeadm\t''
k3s\t''
microk8s\t''"
complete -c kcert -n "__fish_kcert_using_subcommand demo" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand demo" -l no-tui -d 'Only write the tree and print where it is; do not open the UI (nor the demo API server)'
complete -c kcert -n "__fish_kcert_using_subcommand demo" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand demo" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l within -d 'Days for --expiring (default: the --warn threshold)' -r
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l validity -d 'Lifetime of the new certificates in days (default: 365; 3650 for a CA)' -r
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l backup-dir -d 'Where to keep the backups (default /etc/kubernetes/tmp/kcert-backup-<UTC timestamp>)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l key-algorithm -d 'Algorithm of the new keys (default: the old key\'s)' -r -f -a "rsa-2048\t''
rsa-3072\t''
rsa-4096\t''
ecdsa-p256\t''
ecdsa-p384\t''"
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l root -d 'Where to look for certificates (repeatable); default: kcert\'s default roots' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l warn -d 'Days before expiry that count as a warning (the default for --within)' -r
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l recover -d 'Settle a renewal or restore that was interrupted (kcert killed, power cut): finish it when every new file is in place and checks out, else put the old files back'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l all -d 'Every leaf certificate whose CA is on this node'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l expiring -d 'Leaves that expire within --within days (or have expired)'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l dry-run -d 'Sign in memory and print the plan; change nothing'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -s y -l yes -d 'Do not ask for confirmation'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l reuse-key -d 'Keep the existing private keys'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l update-ca-data -d 'Also replace kubeconfig certificate-authority-data that differs from the CA on disk'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l force -d 'Renew in place even certificates the node\'s distribution renews itself (k3s, RKE2, MicroK8s), with the usual plan, backups and confirmation. Never its CAs, the files it rewrites from others (k3s.yaml) or read-only layouts (OpenShift, Talos)'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l update-cluster -d 'After renewing the kubernetes CA (`ca`), also put the new certificate into kube-public/cluster-info (what `kubeadm join` reads) through the API server; with --dry-run, say what would change there'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand renew" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand restore" -l root -d 'The node\'s tree (as for `renew --root`); default: /etc/kubernetes' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand restore" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand restore" -l dry-run -d 'List the files that would be put back; change nothing'
complete -c kcert -n "__fish_kcert_using_subcommand restore" -s y -l yes -d 'Do not ask for confirmation'
complete -c kcert -n "__fish_kcert_using_subcommand restore" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand restore" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and not __fish_seen_subcommand_from import plan help" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and not __fish_seen_subcommand_from import plan help" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and not __fish_seen_subcommand_from import plan help" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and not __fish_seen_subcommand_from import plan help" -f -a "import" -d 'Replace this node\'s copies of a CA (its file, kubeconfig CA data, bundles) with FILE, the same CA renewed with its own key on another node; anything else is refused'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and not __fish_seen_subcommand_from import plan help" -f -a "plan" -d 'The whole picture for a CA (default: kubeadm\'s three): its expiry, the leaves it caps, its copies on this node and who reads them, its copies in the cluster when it answers, the other nodes, and the ordered steps; nothing is run or written'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and not __fish_seen_subcommand_from import plan help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l root -d 'Where this node\'s files are (repeatable); default: kcert\'s default roots' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l backup-dir -d 'Where to keep the backups (default /etc/kubernetes/tmp/kcert-backup-<UTC timestamp>)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l dry-run -d 'Print the plan; change nothing'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -s y -l yes -d 'Do not ask for confirmation'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l update-cluster -d 'Also put FILE into kube-public/cluster-info through the API server, when FILE is the kubernetes CA (e.g. after a renewal whose cluster update failed)'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -l root -d 'Where this node\'s files are (repeatable); default: kcert\'s default roots' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from plan" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from help" -f -a "import" -d 'Replace this node\'s copies of a CA (its file, kubeconfig CA data, bundles) with FILE, the same CA renewed with its own key on another node; anything else is refused'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from help" -f -a "plan" -d 'The whole picture for a CA (default: kubeadm\'s three): its expiry, the leaves it caps, its copies on this node and who reads them, its copies in the cluster when it answers, the other nodes, and the ordered steps; nothing is run or written'
complete -c kcert -n "__fish_kcert_using_subcommand ca; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l node-root -d 'Read the node below DIR (DIR/etc/kubernetes, DIR/var/lib/kubelet) instead of `/`; by default found under the scanned PATHs, or `/` when none are given' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l manifests -d 'The static pod manifests directory (default <kubernetes dir>/manifests)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l kubelet-config -d 'The kubelet\'s KubeletConfiguration file (default /var/lib/kubelet/config.yaml)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l node-address -d 'Also probe components on this address of the node (repeatable); loopback always is' -r
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l user-kubeconfig -d 'The kubeconfig to compare with admin.conf (default $KUBECONFIG or ~/.kube/config when reading the real node)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l timeout -d 'Per-endpoint timeout in milliseconds; endpoints are probed in parallel' -r
complete -c kcert -n "__fish_kcert_using_subcommand probe" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l refresh-kubeconfig -d 'Replace a stale copy of admin.conf in the user kubeconfig with admin.conf\'s current credentials, after a backup'
complete -c kcert -n "__fish_kcert_using_subcommand probe" -s y -l yes -d 'Do not ask before --refresh-kubeconfig'
complete -c kcert -n "__fish_kcert_using_subcommand probe" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand probe" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l node-root -d 'Read the node below DIR (DIR/etc/kubernetes, DIR/var/lib/kubelet) instead of `/`; by default found under the scanned PATHs, or `/` when none are given' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l manifests -d 'The static pod manifests directory (default <kubernetes dir>/manifests)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l kubelet-config -d 'The kubelet\'s KubeletConfiguration file (default /var/lib/kubelet/config.yaml)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l node-address -d 'Also probe components on this address of the node (repeatable); loopback always is' -r
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l backup-dir -d 'Where the manifest waits (default <kubernetes dir>/tmp/kcert-backup-restart-<component>-<UTC timestamp>)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l stop-timeout -d 'Seconds to wait for the component to stop serving before moving the manifest back' -r
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l start-timeout -d 'Seconds to wait for it to serve the certificate on disk afterwards' -r
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l poll -d 'Milliseconds between probes while waiting' -r
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l recover -d 'Only put back a manifest an interrupted kcert left in its backup directory'
complete -c kcert -n "__fish_kcert_using_subcommand restart" -s y -l yes -d 'Do not ask for confirmation'
complete -c kcert -n "__fish_kcert_using_subcommand restart" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand restart" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l root -d 'Where to look for certificates (repeatable); default: kcert\'s default roots' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l node-root -d 'Read the node below DIR (DIR/etc/kubernetes, DIR/var/lib/kubelet) instead of `/`; by default found under the scanned PATHs, or `/` when none are given' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l manifests -d 'The static pod manifests directory (default <kubernetes dir>/manifests)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l kubelet-config -d 'The kubelet\'s KubeletConfiguration file (default /var/lib/kubelet/config.yaml)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l node-address -d 'Also probe components on this address of the node (repeatable); loopback always is' -r
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l user-kubeconfig -d 'The kubeconfig to compare with admin.conf (default $KUBECONFIG or ~/.kube/config when reading the real node)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand explain" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand explain" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -f -a "list" -d 'Print every CSR with kubectl\'s columns plus kcert\'s verdict'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -f -a "approve" -d 'Approve the named CSRs, or every pending CSR that passes kcert\'s checks'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -f -a "doctor" -d 'Say which CSRs are approved automatically (RBAC), whether a kubelet-serving approver runs, and how the bootstrap tokens stand. Exit 0 all well, 1 warnings, 2 something broken, 3 the cluster could not be used'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -f -a "deny" -d 'Deny the named CSRs'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and not __fish_seen_subcommand_from list approve doctor deny help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l pending -d 'Only CSRs that are neither approved nor denied'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l all-valid -d 'Approve every pending CSR whose verdict is valid (never one that fails a check)'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l force -d 'Approve a named CSR even though it fails kcert\'s checks or is dangerous; without it such a CSR is refused (exit 1) with the reason'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from approve" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from doctor" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -l reason -d 'Why: recorded in the Denied condition\'s message' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from deny" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from help" -f -a "list" -d 'Print every CSR with kubectl\'s columns plus kcert\'s verdict'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from help" -f -a "approve" -d 'Approve the named CSRs, or every pending CSR that passes kcert\'s checks'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from help" -f -a "doctor" -d 'Say which CSRs are approved automatically (RBAC), whether a kubelet-serving approver runs, and how the bootstrap tokens stand. Exit 0 all well, 1 warnings, 2 something broken, 3 the cluster could not be used'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from help" -f -a "deny" -d 'Deny the named CSRs'
complete -c kcert -n "__fish_kcert_using_subcommand csr; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l warn -d 'Days before expiry that count as a warning' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l crit -d 'Days before expiry that count as critical' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l color -d 'When to use colours (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l listen -d 'Address and port to serve on (the DaemonSet gives the pod\'s address)' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l interval -d 'Time between scans: `90s`, `5m`, `1h`' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l probe-timeout -d 'Per-endpoint timeout for --probe, in milliseconds' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l node-root -d 'Read the node below DIR (DIR/etc/kubernetes, DIR/var/lib/kubelet) instead of `/`; by default found under the scanned PATHs, or `/` when none are given' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l manifests -d 'The static pod manifests directory (default <kubernetes dir>/manifests)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l kubelet-config -d 'The kubelet\'s KubeletConfiguration file (default /var/lib/kubelet/config.yaml)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l node-address -d 'Also probe components on this address of the node (repeatable); loopback always is' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l no-keys -d 'Read no private key at all (no key match: keys are otherwise read only to compare their public half with the certificate\'s)'
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l probe -d 'Also connect to the components on this node (loopback and --node-address only) and compare what they serve with the files; off by default so nothing but files is read'
complete -c kcert -n "__fish_kcert_using_subcommand serve" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand serve" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l kubeconfig -d 'Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf)' -r -F
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l context -d 'Context of the kubeconfig to use (default: its current-context)' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l timeout -d 'Seconds to wait for the API server' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -s n -l namespace -d 'Namespace of the kcert DaemonSet' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -s l -l selector -d 'Label selector of its pods' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l port -d 'The port `kcert serve` listens on in the pods' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l node-timeout -d 'Seconds to wait for one node\'s report' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l now -d 'Pretend the current time is this RFC 3339 instant (for reproducible output)' -r
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -l debug -d 'On errors and panics, the developer\'s report: where it happened, and the backtrace (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`'
complete -c kcert -n "__fish_kcert_using_subcommand fleet" -s h -l help -d 'Print help'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "check" -d 'Print every certificate and problem; exit 0 ok, 1 warning, 2 critical, 3 could not run'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "tui" -d 'Open the terminal UI (the default when no command is given)'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "demo" -d 'Write a demo node (kubeadm by default, or k3s or MicroK8s) into a temporary directory and open the UI on it; kubeadm\'s comes with a demo API server holding a dozen CSRs'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "renew" -d 'Renew leaf certificates and kubeconfigs like `kubeadm certs renew`, with backups; a CA only when named (ca, etcd-ca, front-proxy-ca), re-signed with its own key, every copy on the node updated'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "restore" -d 'Put back the files of a renewal from its backup (default: the last renewal)'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "ca" -d 'A cluster CA across nodes: import a CA renewed elsewhere, plan its rotation'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "probe" -d 'Connect to each component on this node and compare the certificate it serves with the file on disk; exit 0 all current, 1 something to act on, 2 serving an expired certificate'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "restart" -d 'Restart a static pod (move its manifest out and back) and wait until it serves the certificate on disk'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "explain" -d 'Find the certificates a Go x509 "expired or not yet valid" error line is about'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "csr" -d 'List, approve or deny the live cluster\'s CertificateSigningRequests'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "serve" -d 'Scan on start, every --interval and on SIGHUP, and serve the last scan over HTTP: /metrics (Prometheus, x509-certificate-exporter\'s series and kcert\'s), /report (the JSON of `check -o json`) and /healthz. Runs until stopped; bad files never stop it'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "fleet" -d 'Every node\'s report through the API server (the kcert DaemonSet\'s pods): worst health, soonest expiry and problems per node; exit codes like check, over the fleet'
complete -c kcert -n "__fish_kcert_using_subcommand help; and not __fish_seen_subcommand_from check tui demo renew restore ca probe restart explain csr serve fleet help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kcert -n "__fish_kcert_using_subcommand help; and __fish_seen_subcommand_from ca" -f -a "import" -d 'Replace this node\'s copies of a CA (its file, kubeconfig CA data, bundles) with FILE, the same CA renewed with its own key on another node; anything else is refused'
complete -c kcert -n "__fish_kcert_using_subcommand help; and __fish_seen_subcommand_from ca" -f -a "plan" -d 'The whole picture for a CA (default: kubeadm\'s three): its expiry, the leaves it caps, its copies on this node and who reads them, its copies in the cluster when it answers, the other nodes, and the ordered steps; nothing is run or written'
complete -c kcert -n "__fish_kcert_using_subcommand help; and __fish_seen_subcommand_from csr" -f -a "list" -d 'Print every CSR with kubectl\'s columns plus kcert\'s verdict'
complete -c kcert -n "__fish_kcert_using_subcommand help; and __fish_seen_subcommand_from csr" -f -a "approve" -d 'Approve the named CSRs, or every pending CSR that passes kcert\'s checks'
complete -c kcert -n "__fish_kcert_using_subcommand help; and __fish_seen_subcommand_from csr" -f -a "doctor" -d 'Say which CSRs are approved automatically (RBAC), whether a kubelet-serving approver runs, and how the bootstrap tokens stand. Exit 0 all well, 1 warnings, 2 something broken, 3 the cluster could not be used'
complete -c kcert -n "__fish_kcert_using_subcommand help; and __fish_seen_subcommand_from csr" -f -a "deny" -d 'Deny the named CSRs'
