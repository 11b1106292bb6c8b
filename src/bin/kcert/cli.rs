//! Command-line interface: what the operator types.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use kcert::runtime::NodeOverrides;

use crate::exit::ExitStatus;

/// Inspect and renew a Kubernetes node's certificates.
///
/// With no command, opens the terminal UI on the default roots (or the PATHs given).
#[derive(Debug, Parser)]
#[command(
    name = "kcert",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "On an error, KCERT_DEBUG=1 (or --debug) adds where it happened and a backtrace."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub scan: ScanArgs,

    #[command(flatten)]
    pub cluster: UiClusterArgs,

    /// Pretend the current time is this RFC 3339 instant (for reproducible output).
    #[arg(long, global = true, hide = true, env = "KCERT_NOW")]
    pub now: Option<DateTime<Utc>>,

    /// On errors and panics, the developer's report: where it happened, and the backtrace
    /// (also KCERT_DEBUG=1). Read before parsing, in `errors::debug_requested`.
    #[arg(long, global = true, hide = true)]
    pub debug: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every certificate and problem; exit 0 ok, 1 warning, 2 critical, 3 could not run.
    Check(CheckArgs),
    /// Open the terminal UI (the default when no command is given).
    Tui(TuiArgs),
    /// Write a demo node (kubeadm by default, or k3s or MicroK8s) into a temporary directory
    /// and open the UI on it; kubeadm's comes with a demo API server holding a dozen CSRs.
    Demo(DemoArgs),
    /// Renew leaf certificates and kubeconfigs like `kubeadm certs renew`, with backups; a CA
    /// only when named (ca, etcd-ca, front-proxy-ca), re-signed with its own key, every copy
    /// on the node updated.
    Renew(RenewArgs),
    /// Put back the files of a renewal from its backup (default: the last renewal).
    Restore(RestoreArgs),
    /// A cluster CA across nodes: import a CA renewed elsewhere, plan its rotation.
    #[command(subcommand)]
    Ca(CaCommand),
    /// Connect to each component on this node and compare the certificate it serves with the
    /// file on disk; exit 0 all current, 1 something to act on, 2 serving an expired certificate.
    Probe(ProbeArgs),
    /// Restart a static pod (move its manifest out and back) and wait until it serves the
    /// certificate on disk.
    Restart(RestartArgs),
    /// Find the certificates a Go x509 "expired or not yet valid" error line is about.
    Explain(ExplainArgs),
    /// List, approve or deny the live cluster's CertificateSigningRequests.
    Csr(CsrArgs),
    /// Scan on start, every --interval and on SIGHUP, and serve the last scan over HTTP:
    /// /metrics (Prometheus, x509-certificate-exporter's series and kcert's), /report (the
    /// JSON of `check -o json`) and /healthz. Runs until stopped; bad files never stop it.
    Serve(ServeArgs),
    /// Every node's report through the API server (the kcert DaemonSet's pods): worst
    /// health, soonest expiry and problems per node; exit codes like check, over the fleet.
    Fleet(FleetArgs),
}

/// Roots and thresholds shared by every command that scans.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Files or directories to scan instead of the defaults.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Days before expiry that count as a warning.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn: i64,

    /// Days before expiry that count as critical.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub crit: i64,

    /// When to use colours (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The terminal UI's arguments: what to scan, and which cluster the CSR tab watches.
#[derive(Debug, Clone, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    #[command(flatten)]
    pub cluster: UiClusterArgs,
}

/// The cluster behind the UI's CSR tab. Connecting happens in the background: the local PKI
/// tab never waits for it.
#[derive(Debug, Clone, Default, Args)]
pub struct UiClusterArgs {
    /// Kubeconfig for the CSR tab (default: $KUBECONFIG, ~/.kube/config,
    /// /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Context of the kubeconfig to use (default: its current-context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Address and port to serve on (the DaemonSet gives the pod's address).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9793")]
    pub listen: std::net::SocketAddr,

    /// Time between scans: `90s`, `5m`, `1h`.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub interval: std::time::Duration,

    /// Read no private key at all (no key match: keys are otherwise read only to compare
    /// their public half with the certificate's).
    #[arg(long)]
    pub no_keys: bool,

    #[command(flatten)]
    pub probing: ProbeFlags,

    #[command(flatten)]
    pub node: NodeArgs,
}

/// `--probe` and its timeout (`check`, `serve`).
#[derive(Debug, Clone, Args)]
pub struct ProbeFlags {
    /// Also connect to the components on this node (loopback and --node-address only) and
    /// compare what they serve with the files; off by default so nothing but files is read.
    #[arg(long)]
    pub probe: bool,

    /// Per-endpoint timeout for --probe, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000, requires = "probe")]
    pub probe_timeout: u64,
}

impl ProbeFlags {
    /// What to probe, when asked to.
    pub fn spec(&self, node: &NodeArgs) -> Option<kcert::runtime::ProbeSpec> {
        self.probe.then(|| kcert::runtime::ProbeSpec {
            addresses: node.node_addresses.clone(),
            timeout: std::time::Duration::from_millis(self.probe_timeout),
        })
    }
}

/// `30s`, `5m`, `1h`, `250ms`, or plain seconds; at least one second.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 90s, 5m or 1h"))?;
    let secs = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "ms" => Some(n / 1000),
        _ => return Err(format!("'{text}': the unit must be ms, s, m or h")),
    };
    match secs {
        Some(s) if s >= 1 => Ok(std::time::Duration::from_secs(s)),
        Some(_) => Err(format!("'{text}' is too short: at least 1s")),
        None => Err(format!("'{text}' is too long")),
    }
}

#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,

    /// Namespace of the kcert DaemonSet.
    #[arg(long, short = 'n', value_name = "NS", default_value = "kcert")]
    pub namespace: String,

    /// Label selector of its pods.
    #[arg(
        long,
        short = 'l',
        value_name = "SELECTOR",
        default_value = "app.kubernetes.io/name=kcert"
    )]
    pub selector: String,

    /// The port `kcert serve` listens on in the pods.
    #[arg(long, value_name = "PORT", default_value_t = 9793)]
    pub port: u16,

    /// Seconds to wait for one node's report.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub node_timeout: u64,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Output format: `table` fits a terminal's width (all columns when piped), `wide` has
    /// every column.
    #[arg(long, short = 'o', value_enum, default_value_t = CheckFormat::Table)]
    pub output: CheckFormat,

    #[command(flatten)]
    pub probing: ProbeFlags,

    #[command(flatten)]
    pub node: NodeArgs,

    #[command(flatten)]
    pub user: UserKubeconfigArg,
}

/// Where the node's runtime configuration is; every path is a parameter.
#[derive(Debug, Clone, Default, Args)]
pub struct NodeArgs {
    /// Read the node below DIR (DIR/etc/kubernetes, DIR/var/lib/kubelet) instead of `/`;
    /// by default found under the scanned PATHs, or `/` when none are given.
    #[arg(long, value_name = "DIR")]
    pub node_root: Option<PathBuf>,

    /// The static pod manifests directory (default <kubernetes dir>/manifests).
    #[arg(long, value_name = "DIR")]
    pub manifests: Option<PathBuf>,

    /// The kubelet's KubeletConfiguration file (default /var/lib/kubelet/config.yaml).
    #[arg(long, value_name = "FILE")]
    pub kubelet_config: Option<PathBuf>,

    /// Also probe components on this address of the node (repeatable); loopback always is.
    #[arg(long = "node-address", value_name = "IP")]
    pub node_addresses: Vec<std::net::IpAddr>,
}

/// The operator's kubeconfig, for the commands that compare it with admin.conf.
#[derive(Debug, Clone, Default, Args)]
pub struct UserKubeconfigArg {
    /// The kubeconfig to compare with admin.conf (default $KUBECONFIG or ~/.kube/config
    /// when reading the real node).
    #[arg(long, value_name = "FILE")]
    pub user_kubeconfig: Option<PathBuf>,
}

impl NodeArgs {
    /// The library's overrides, with the user kubeconfig when the command takes one.
    pub fn overrides(&self, user: Option<&UserKubeconfigArg>) -> NodeOverrides {
        NodeOverrides {
            root: self.node_root.clone(),
            manifests: self.manifests.clone(),
            kubelet_config: self.kubelet_config.clone(),
            user_kubeconfig: user.and_then(|u| u.user_kubeconfig.clone()),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub node: NodeArgs,

    #[command(flatten)]
    pub user: UserKubeconfigArg,

    /// Per-endpoint timeout in milliseconds; endpoints are probed in parallel.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub timeout: u64,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Replace a stale copy of admin.conf in the user kubeconfig with admin.conf's current
    /// credentials, after a backup.
    #[arg(long)]
    pub refresh_kubeconfig: bool,

    /// Do not ask before --refresh-kubeconfig.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RestartArgs {
    /// kube-apiserver, kube-controller-manager, kube-scheduler or etcd (`apiserver`,
    /// `controller-manager`, `scheduler` also work).
    #[arg(value_name = "COMPONENT", required_unless_present = "recover")]
    pub component: Option<String>,

    #[command(flatten)]
    pub node: NodeArgs,

    /// Only put back a manifest an interrupted kcert left in its backup directory.
    #[arg(long)]
    pub recover: bool,

    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Where the manifest waits (default <kubernetes dir>/tmp/kcert-backup-restart-<component>-<UTC timestamp>).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    /// Seconds to wait for the component to stop serving before moving the manifest back.
    #[arg(long, value_name = "SECS", default_value_t = 90)]
    pub stop_timeout: u64,

    /// Seconds to wait for it to serve the certificate on disk afterwards.
    #[arg(long, value_name = "SECS", default_value_t = 180)]
    pub start_timeout: u64,

    /// Milliseconds between probes while waiting.
    #[arg(long, value_name = "MS", default_value_t = 500, hide = true)]
    pub poll: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The error line (quote it, or give `-` to read lines from standard input).
    #[arg(value_name = "LINE", required = true, num_args = 1..)]
    pub line: Vec<String>,

    /// Where to look for certificates (repeatable); default: kcert's default roots.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,

    #[command(flatten)]
    pub node: NodeArgs,

    #[command(flatten)]
    pub user: UserKubeconfigArg,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Write the tree here instead of a new temporary directory (kept after exit).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Which kind of node to write. k3s and MicroK8s nodes come without the demo API server:
    /// their nodes use neither CSRs nor bootstrap tokens to join.
    #[arg(long, value_enum, default_value_t = DemoLayout::Kubeadm)]
    pub layout: DemoLayout,

    /// Only write the tree and print where it is; do not open the UI (nor the demo API server).
    #[arg(long)]
    pub no_tui: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RenewArgs {
    /// kubeadm names (apiserver, etcd-peer, admin.conf, kubelet.conf, `all`; CAs: ca, etcd-ca,
    /// front-proxy-ca) or paths of certificates and kubeconfigs; a directory is where to look,
    /// like --root.
    #[arg(value_name = "NAME|PATH|DIR")]
    pub targets: Vec<String>,

    /// Settle a renewal or restore that was interrupted (kcert killed, power cut): finish it
    /// when every new file is in place and checks out, else put the old files back.
    #[arg(long, conflicts_with_all = ["targets", "all", "expiring", "dry_run"])]
    pub recover: bool,

    /// Every leaf certificate whose CA is on this node.
    #[arg(long, conflicts_with = "expiring")]
    pub all: bool,

    /// Leaves that expire within --within days (or have expired).
    #[arg(long)]
    pub expiring: bool,

    /// Days for --expiring (default: the --warn threshold).
    #[arg(long, value_name = "DAYS", requires = "expiring")]
    pub within: Option<i64>,

    /// Sign in memory and print the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Lifetime of the new certificates in days (default: 365; 3650 for a CA).
    #[arg(long, value_name = "DAYS")]
    pub validity: Option<i64>,

    /// Where to keep the backups (default /etc/kubernetes/tmp/kcert-backup-<UTC timestamp>).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    /// Algorithm of the new keys (default: the old key's).
    #[arg(long, value_name = "ALG", value_parser = ["rsa-2048", "rsa-3072", "rsa-4096", "ecdsa-p256", "ecdsa-p384"])]
    pub key_algorithm: Option<String>,

    /// Keep the existing private keys.
    #[arg(long, conflicts_with = "key_algorithm")]
    pub reuse_key: bool,

    /// Also replace kubeconfig certificate-authority-data that differs from the CA on disk.
    #[arg(long)]
    pub update_ca_data: bool,

    /// Renew in place even certificates the node's distribution renews itself (k3s, RKE2,
    /// MicroK8s), with the usual plan, backups and confirmation. Never its CAs, the files it
    /// rewrites from others (k3s.yaml) or read-only layouts (OpenShift, Talos).
    #[arg(long)]
    pub force: bool,

    /// Where to look for certificates (repeatable); default: kcert's default roots.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,

    /// Days before expiry that count as a warning (the default for --within).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn: i64,

    /// After renewing the kubernetes CA (`ca`), also put the new certificate into
    /// kube-public/cluster-info (what `kubeadm join` reads) through the API server; with
    /// --dry-run, say what would change there.
    #[arg(long, conflicts_with = "recover")]
    pub update_cluster: bool,

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CaCommand {
    /// Replace this node's copies of a CA (its file, kubeconfig CA data, bundles) with FILE,
    /// the same CA renewed with its own key on another node; anything else is refused.
    Import(CaImportArgs),
    /// The whole picture for a CA (default: kubeadm's three): its expiry, the leaves it caps,
    /// its copies on this node and who reads them, its copies in the cluster when it answers,
    /// the other nodes, and the ordered steps; nothing is run or written.
    Plan(CaPlanArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CaPlanArgs {
    /// ca, etcd-ca or front-proxy-ca (or another CA's name).
    #[arg(value_name = "CA")]
    pub names: Vec<String>,

    /// Where this node's files are (repeatable); default: kcert's default roots.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,

    /// The cluster whose copies to list (read only); without one that answers, the plan
    /// says what it could not read.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CaImportArgs {
    /// The renewed CA certificate (ca.crt from the node where `kcert renew ca` ran).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Where this node's files are (repeatable); default: kcert's default roots.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,

    /// Print the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Where to keep the backups (default /etc/kubernetes/tmp/kcert-backup-<UTC timestamp>).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    /// Also put FILE into kube-public/cluster-info through the API server, when FILE is the
    /// kubernetes CA (e.g. after a renewal whose cluster update failed).
    #[arg(long)]
    pub update_cluster: bool,

    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// A journal entry (as `kcert renew` printed it) or a backup directory; default: the
    /// last renewal not already restored.
    #[arg(value_name = "JOURNAL-ENTRY|BACKUP-DIR")]
    pub which: Option<String>,

    /// The node's tree (as for `renew --root`); default: /etc/kubernetes.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,

    /// List the files that would be put back; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// The kinds of demo node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoLayout {
    Kubeadm,
    K3s,
    Microk8s,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// `kcert check`'s formats: its table can be narrowed to the terminal; `prometheus` is
/// `kcert serve`'s metrics, for node_exporter's textfile collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Table,
    Wide,
    Json,
    Prometheus,
}

/// Prose or JSON, for reports that are not tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Resolve `auto` against `NO_COLOR` and whether the output is a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

// ---- `kcert csr` (the front end is csr.rs) ----

/// Which cluster to talk to.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// Kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, /etc/kubernetes/admin.conf,
    /// /etc/kubernetes/super-admin.conf).
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// Context of the kubeconfig to use (default: its current-context).
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,

    /// Seconds to wait for the API server.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, global = true)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct CsrArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,

    #[command(subcommand)]
    pub command: CsrCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CsrCommand {
    /// Print every CSR with kubectl's columns plus kcert's verdict.
    List {
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
        /// Only CSRs that are neither approved nor denied.
        #[arg(long)]
        pending: bool,
        /// When to use colours (NO_COLOR is honoured with auto).
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Approve the named CSRs, or every pending CSR that passes kcert's checks.
    Approve {
        #[arg(
            value_name = "NAME",
            required_unless_present = "all_valid",
            conflicts_with = "all_valid"
        )]
        names: Vec<String>,
        /// Approve every pending CSR whose verdict is valid (never one that fails a check).
        #[arg(long)]
        all_valid: bool,
        /// Approve a named CSR even though it fails kcert's checks or is dangerous; without
        /// it such a CSR is refused (exit 1) with the reason.
        #[arg(long, conflicts_with = "all_valid")]
        force: bool,
    },
    /// Say which CSRs are approved automatically (RBAC), whether a kubelet-serving approver
    /// runs, and how the bootstrap tokens stand. Exit 0 all well, 1 warnings, 2 something
    /// broken, 3 the cluster could not be used.
    Doctor {
        /// Output format.
        #[arg(long, short = 'o', value_enum, default_value_t = ReportFormat::Text)]
        output: ReportFormat,
    },
    /// Deny the named CSRs.
    Deny {
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
        /// Why: recorded in the Denied condition's message.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
}

/// What to say about `kcert WORD` when WORD is no file or directory: `kcert PATH` opens the
/// UI, so a mistyped command would otherwise open it on nothing. A word with a `/` is a path;
/// one close to a command is probably that command.
pub fn not_a_path(word: &str) -> (ExitStatus, String) {
    if word.contains('/') {
        let msg = format!("cannot scan {word}: no such file or directory");
        return (ExitStatus::CouldNotRun, msg);
    }
    let cli = <Cli as clap::CommandFactory>::command();
    let closest = cli
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name())
        .map(|name| (strsim::jaro(word, name), name))
        // clap's own threshold for its suggestions.
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let msg = match closest {
        Some((_, name)) => {
            format!("'{word}' is not a kcert command or a path; did you mean '{name}'?")
        }
        None => format!("'{word}': no such file or directory or command (see kcert --help)"),
    };
    (ExitStatus::Usage, msg)
}
