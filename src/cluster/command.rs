//! `kcert csr list|approve|deny|doctor` for scripts. Exit codes: 0 done, 1 at least one
//! action failed (doctor: warnings), 2 (doctor) something is broken, 3 the cluster could not
//! be used at all.

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams};

use super::actions::{approve, deny, ActionError};
use super::bounded::{list_csrs, ListError};
use super::connect::{connect, Connection};
use super::nodes::NodeIndex;
use super::output;
use super::source::{Access, Locations};
use super::view::CsrView;
use super::watch::{build_views, PAGE_SIZE};
use crate::cli::{ClusterArgs, CsrArgs, CsrCommand, OutputFormat, ReportFormat};
use crate::pki::{Severity, Thresholds};

pub const EXIT_OK: u8 = 0;
pub const EXIT_ACTION_FAILED: u8 = 1;
pub const EXIT_WARNINGS: u8 = 1;
pub const EXIT_BROKEN: u8 = 2;
pub const EXIT_CANNOT_RUN: u8 = 3;

impl From<&ClusterArgs> for Access {
    fn from(a: &ClusterArgs) -> Access {
        Access {
            kubeconfig: a.kubeconfig.clone(),
            context: a.context.clone(),
            timeout: Duration::from_secs(a.timeout.max(1)),
            apiserver_cert: None,
        }
    }
}

/// Run a `kcert csr` command against the real environment's kubeconfig locations; ages and
/// expiries are reckoned from `now` (the hidden `--now`), else the wall clock.
pub fn run(
    args: &CsrArgs,
    now: Option<DateTime<Utc>>,
    stdout_is_tty: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "kcert: cannot start: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    runtime.block_on(run_async(
        args,
        &Locations::from_env(),
        now,
        stdout_is_tty,
        out,
        err,
    ))
}

/// [`run`] with explicit kubeconfig locations, on the caller's runtime.
pub async fn run_async(
    args: &CsrArgs,
    loc: &Locations,
    now: Option<DateTime<Utc>>,
    stdout_is_tty: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let conn = match connect(&Access::from(&args.cluster), loc).await {
        Ok(c) => c,
        Err(d) => {
            let _ = writeln!(err, "kcert: {}", d.banner());
            return EXIT_CANNOT_RUN;
        }
    };
    let now = now.unwrap_or_else(Utc::now);
    let code = match &args.command {
        CsrCommand::List {
            output,
            pending,
            color,
        } => {
            list(
                &conn,
                now,
                *output,
                *pending,
                color.enabled(stdout_is_tty),
                out,
                err,
            )
            .await
        }
        CsrCommand::Approve { names, all_valid } => {
            approve_cmd(&conn, names, *all_valid, out, err).await
        }
        CsrCommand::Deny { names, reason } => deny_cmd(&conn, names, reason, out, err).await,
        CsrCommand::Doctor { output } => doctor_cmd(&conn, now, *output, out, err).await,
    };
    let _ = out.flush();
    code
}

/// Every CSR, judged against the current Node list (when Nodes can be read).
async fn load(conn: &Connection) -> Result<Vec<CsrView>, ListError> {
    let nodes_api: Api<k8s_openapi::api::core::v1::Node> = Api::all(conn.client.clone());
    let all = ListParams::default();
    let nodes = match tokio::time::timeout(conn.timeout, nodes_api.list(&all)).await {
        Ok(Ok(l)) => NodeIndex::from_nodes(&l.items),
        Ok(Err(_)) | Err(_) => NodeIndex::unreadable(),
    };
    let (items, _) = list_csrs(&conn.csrs(), PAGE_SIZE, conn.timeout).await?;
    Ok(build_views(&items, &nodes, &Default::default()))
}

async fn list(
    conn: &Connection,
    now: DateTime<Utc>,
    format: OutputFormat,
    pending: bool,
    color: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut views = match load(conn).await {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(err, "kcert: {}", conn.diagnose_list(&e).await.banner());
            return EXIT_CANNOT_RUN;
        }
    };
    if pending {
        views.retain(CsrView::is_pending);
    }
    let text = match format {
        OutputFormat::Json => {
            serde_json::to_string_pretty(&output::json(&views, now)).unwrap_or_default() + "\n"
        }
        OutputFormat::Table if views.is_empty() => {
            let _ = writeln!(err, "No resources found");
            return EXIT_OK;
        }
        OutputFormat::Table => output::table(&views, now, color),
    };
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => EXIT_CANNOT_RUN,
        _ => EXIT_OK,
    }
}

fn report(
    result: Result<super::ActionOutcome, ActionError>,
    name: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> bool {
    match result {
        Ok(o) => {
            let _ = writeln!(
                out,
                "certificatesigningrequest.certificates.k8s.io/{name} {}",
                o.word()
            );
            true
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            false
        }
    }
}

async fn approve_cmd(
    conn: &Connection,
    names: &[String],
    all_valid: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let views = match load(conn).await {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(err, "kcert: {}", conn.diagnose_list(&e).await.banner());
            return EXIT_CANNOT_RUN;
        }
    };
    let targets: Vec<String> = if all_valid {
        views
            .iter()
            .filter(|v| v.is_approvable())
            .map(|v| v.name.clone())
            .collect()
    } else {
        names.to_vec()
    };
    if targets.is_empty() {
        let _ = writeln!(
            err,
            "No pending CSR passes kcert's checks: nothing approved"
        );
        return EXIT_OK;
    }
    let api: Api<CertificateSigningRequest> = conn.csrs();
    let mut ok = true;
    for name in &targets {
        // An explicit name is the operator's decision; kcert only says what it found.
        if let Some(v) = views.iter().find(|v| &v.name == name) {
            for c in v.verdict.failures() {
                let _ = writeln!(
                    err,
                    "warning: {name}: {} check failed: {}",
                    c.rule, c.reason
                );
            }
        }
        ok &= report(approve(&api, name).await, name, out, err);
    }
    if ok {
        EXIT_OK
    } else {
        EXIT_ACTION_FAILED
    }
}

async fn deny_cmd(
    conn: &Connection,
    names: &[String],
    reason: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let api = conn.csrs();
    let mut ok = true;
    for name in names {
        ok &= report(deny(&api, name, reason).await, name, out, err);
    }
    if ok {
        EXIT_OK
    } else {
        EXIT_ACTION_FAILED
    }
}

async fn doctor_cmd(
    conn: &Connection,
    now: DateTime<Utc>,
    format: ReportFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    // CSRs are what kcert needs at the least: without them the cluster is not usable.
    let (views, facts) = futures::join!(load(conn), super::doctor::gather(conn));
    let views = match views {
        Ok(v) => v,
        Err(e) => {
            let _ = writeln!(err, "kcert: {}", conn.diagnose_list(&e).await.banner());
            return EXIT_CANNOT_RUN;
        }
    };
    let report = super::doctor::diagnose(&facts, &views, now, Thresholds::default());
    let text = match format {
        ReportFormat::Json => {
            let mut v = serde_json::Map::new();
            v.insert("kind".into(), "CsrDoctorReport".into());
            if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(&report) {
                v.extend(fields);
            }
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        ReportFormat::Text => super::doctor_text::text(&report),
    };
    if let Err(e) = out.write_all(text.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return EXIT_CANNOT_RUN;
        }
    }
    match report.worst() {
        Some(Severity::Error) => EXIT_BROKEN,
        Some(Severity::Warning) => EXIT_WARNINGS,
        _ => EXIT_OK,
    }
}
