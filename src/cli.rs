//! Command-line interface: what the operator types.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Inspect and renew a Kubernetes node's certificates.
///
/// With no command, opens the terminal UI on the default roots (or the PATHs given).
#[derive(Debug, Parser)]
#[command(name = "kcert", version, about, args_conflicts_with_subcommands = true)]
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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every certificate and problem; exit 0 ok, 1 warning, 2 critical, 3 could not run.
    Check(CheckArgs),
    /// Open the terminal UI (the default when no command is given).
    Tui(TuiArgs),
    /// Write a demo kubeadm tree into a temporary directory, start a demo API server with a
    /// dozen CSRs, and open the UI on both.
    Demo(DemoArgs),
    /// Renew leaf certificates and kubeconfigs like `kubeadm certs renew`, with backups.
    Renew(RenewArgs),
    /// List, approve or deny the live cluster's CertificateSigningRequests.
    Csr(CsrArgs),
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
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Write the tree here instead of a new temporary directory (kept after exit).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Only write the tree and print where it is; do not open the UI (nor the demo API server).
    #[arg(long)]
    pub no_tui: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RenewArgs {
    /// kubeadm names (apiserver, etcd-peer, admin.conf, kubelet.conf, `all`) or paths of
    /// certificates and kubeconfigs.
    #[arg(value_name = "NAME|PATH", required_unless_present_any = ["all", "expiring"])]
    pub targets: Vec<String>,

    /// Every leaf certificate whose CA is on this node.
    #[arg(long, conflicts_with_all = ["targets", "expiring"])]
    pub all: bool,

    /// Leaves that expire within --within days (or have expired).
    #[arg(long, conflicts_with = "targets")]
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

    /// Lifetime of the new certificates in days.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub validity: i64,

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

    /// Where to look for certificates (repeatable); default: kcert's default roots.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,

    /// Days before expiry that count as a warning (the default for --within).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
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

// ---- `kcert csr` (owned by the cluster side; see src/cluster/command.rs) ----

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
        /// Approve every pending CSR whose verdict is valid.
        #[arg(long)]
        all_valid: bool,
    },
    /// Deny the named CSRs.
    Deny {
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
        /// Why: recorded in the Denied condition's message.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}
