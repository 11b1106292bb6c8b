//! `kcert csr list|approve|deny|doctor` for scripts: 0 done, 1 at least one action failed
//! (doctor: warnings), 2 (doctor) something is broken, 3 the cluster could not be used at
//! all. The cluster module does the work; this prints it like kubectl.

use std::io::{IsTerminal, Write};

use chrono::{DateTime, Utc};
use color_eyre::eyre::Result;
use kcert::cluster::bounded::ListError;
use kcert::cluster::{self, approve, caution, deny, snapshot, Access, Connection, Locations};

use crate::cli::{CsrArgs, CsrCommand, OutputFormat, ReportFormat};
use crate::exit::ExitStatus;
use crate::out::{say, Stdout};
use crate::runtime;

/// Run a `kcert csr` command against the real environment's kubeconfig locations; ages and
/// expiries are reckoned from `now` (the hidden `--now`), else the wall clock.
pub fn run(args: &CsrArgs, now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let now = now.unwrap_or_else(Utc::now);
    Ok(runtime()?.block_on(run_async(args, &Locations::from_env(), now)))
}

async fn run_async(args: &CsrArgs, loc: &Locations, now: DateTime<Utc>) -> ExitStatus {
    let conn = match cluster::connect(&Access::from(&args.cluster), loc).await {
        Ok(c) => c,
        Err(d) => {
            eprintln!("kcert: {}", d.banner());
            return ExitStatus::CouldNotRun;
        }
    };
    let result = match &args.command {
        CsrCommand::List {
            output,
            pending,
            color,
        } => {
            let color = color.enabled(std::io::stdout().is_terminal());
            list(&conn, now, *output, *pending, color).await
        }
        CsrCommand::Approve {
            names,
            all_valid,
            force,
        } => approve_cmd(&conn, now, names, *all_valid, *force).await,
        CsrCommand::Deny { names, reason } => {
            deny_cmd(&conn, names, reason.as_deref().unwrap_or("")).await
        }
        CsrCommand::Doctor { output } => doctor_cmd(&conn, now, *output).await,
    };
    let _ = Stdout.flush();
    match result {
        Ok(status) => status,
        Err(e) => {
            eprintln!("kcert: {}", conn.diagnose_list(&e).await.banner());
            ExitStatus::CouldNotRun
        }
    }
}

async fn list(
    conn: &Connection,
    now: DateTime<Utc>,
    format: OutputFormat,
    pending: bool,
    color: bool,
) -> Result<ExitStatus, ListError> {
    let mut views = snapshot::csrs(conn, now).await?;
    if pending {
        views.retain(cluster::CsrView::is_pending);
    }
    let text = match format {
        OutputFormat::Json => {
            serde_json::to_string_pretty(&cluster::output::json(&views, now)).unwrap_or_default()
                + "\n"
        }
        OutputFormat::Table if views.is_empty() => {
            eprintln!("No resources found");
            return Ok(ExitStatus::Ok);
        }
        OutputFormat::Table => cluster::output::table(&views, now, color),
    };
    let _ = Stdout.write_all(text.as_bytes());
    Ok(ExitStatus::Ok)
}

/// kubectl's line for a CSR acted on, or its error; whether it went as asked.
fn report(result: Result<cluster::ActionOutcome, cluster::ActionError>, name: &str) -> bool {
    match result {
        Ok(o) => {
            say!(
                "certificatesigningrequest.certificates.k8s.io/{name} {}",
                o.word()
            );
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

async fn approve_cmd(
    conn: &Connection,
    now: DateTime<Utc>,
    names: &[String],
    all_valid: bool,
    force: bool,
) -> Result<ExitStatus, ListError> {
    let views = snapshot::csrs(conn, now).await?;
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
        eprintln!("No pending CSR passes kcert's checks: nothing approved");
        return Ok(ExitStatus::Ok);
    }
    let api = conn.csrs();
    let mut ok = true;
    for name in &targets {
        // A CSR that fails a check is approved only when the operator insists.
        match views.iter().find(|v| &v.name == name).and_then(caution) {
            Some(c) if !force => {
                eprintln!("error: {name} was not approved: {c}; pass --force to approve it anyway");
                ok = false;
                continue;
            }
            Some(c) => {
                for f in &c.failures {
                    eprintln!("warning: {name}: approved with --force: {f}");
                }
            }
            None => {}
        }
        ok &= report(approve(&api, name).await, name);
    }
    Ok(ExitStatus::done(ok))
}

async fn deny_cmd(
    conn: &Connection,
    names: &[String],
    reason: &str,
) -> Result<ExitStatus, ListError> {
    let api = conn.csrs();
    let mut ok = true;
    for name in names {
        ok &= report(deny(&api, name, reason).await, name);
    }
    Ok(ExitStatus::done(ok))
}

async fn doctor_cmd(
    conn: &Connection,
    now: DateTime<Utc>,
    format: ReportFormat,
) -> Result<ExitStatus, ListError> {
    let report = snapshot::doctor(conn, now).await?;
    let text = match format {
        ReportFormat::Json => {
            let mut v = serde_json::Map::new();
            v.insert("kind".into(), "CsrDoctorReport".into());
            if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(&report) {
                v.extend(fields);
            }
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        ReportFormat::Text => cluster::doctor_text::text(&report),
    };
    let _ = Stdout.write_all(text.as_bytes());
    Ok(ExitStatus::of_worst(report.worst()))
}
