//! The inventory as Prometheus metrics: x509-certificate-exporter's series (names, types and
//! labels, so its dashboards and alerts work unchanged) and kcert's own (chain, key, wrong
//! CA, served versus disk, health, problems, the scan itself). Encoded by
//! `prometheus-client` in the OpenMetrics text format.
//!
//! [`Exposition::build`] does the work once per scan: the series that do not move with the
//! clock are encoded then, and the three that do (`expired`, `expires_in_seconds`,
//! `valid_since_seconds`) as a [`timed::Template`] that [`Exposition::render`] fills with the
//! scrape's values.

mod labels;
mod sources;
mod timed;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

pub use labels::{decimal_serial, CertLabels, Pairs, CERT_LABELS};
pub use sources::{is_read_error, read_error_reason, SourceHealth, SourceState};

use crate::pki::{Health, Inventory, ProblemKind, Severity};
use crate::runtime::{served_by_cert, ProbeResult, ServedState};

/// The content type of [`Exposition::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What one scan produced, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct MetricsInput<'a> {
    pub inv: &'a Inventory,
    /// `None`: not probed, so no `kcert_cert_served_matches_disk`.
    pub probes: Option<&'a [ProbeResult]>,
    pub sources: &'a SourceHealth,
    pub scan_duration: Duration,
    pub scanned_at: DateTime<Utc>,
}

/// One certificate's series values.
#[derive(Debug, Clone)]
struct CertRow {
    labels: CertLabels,
    not_before: i64,
    not_after: i64,
    chain_ok: bool,
    key_match: Option<bool>,
    wrong_ca: bool,
    served: Option<bool>,
    health: Health,
}

/// Everything the series are made of, owned, so the scan's inventory can be dropped.
#[derive(Debug, Default)]
struct Model {
    certs: Vec<CertRow>,
    unreadable: Vec<CertLabels>,
    read_errors: u64,
    sources: Vec<SourceState>,
    errors: Vec<(String, &'static str, u64)>,
    problems: [u64; 3],
    scan_duration: f64,
    scanned_at: i64,
    probed: bool,
}

/// A scan's metrics, ready to serve.
#[derive(Debug, Clone)]
pub struct Exposition {
    model: Arc<Model>,
    /// The clock-independent families, already encoded (most of a scrape's bytes: shared,
    /// never copied, by [`Exposition::render_parts`]).
    fixed: Bytes,
    /// The clock-dependent families without their values (`None`: encoded at each scrape).
    timed: Option<Arc<timed::Template>>,
}

impl Exposition {
    pub fn build(input: &MetricsInput<'_>) -> Exposition {
        Exposition::build_from(Arc::new(model(input)))
    }

    fn build_from(model: Arc<Model>) -> Exposition {
        let mut fixed = String::with_capacity(model.certs.len() * 3000 + 4096);
        encode(&mut fixed, Fixed(model.clone()));
        Exposition {
            timed: timed::Template::build(&model).map(Arc::new),
            model,
            fixed: Bytes::from(fixed),
        }
    }

    /// The whole exposition at `now`, ending with `# EOF`.
    pub fn render(&self, now: DateTime<Utc>) -> String {
        let (fixed, rest) = self.render_parts(now);
        let mut out = String::with_capacity(fixed.len() + rest.len());
        // Both parts are UTF-8 text written by the encoder.
        out.push_str(&String::from_utf8_lossy(&fixed));
        out.push_str(&String::from_utf8_lossy(&rest));
        out
    }

    /// [`Exposition::render`] as two buffers to send one after the other: the scan's fixed
    /// families (shared, not copied) and the clock-bound ones with `# EOF`.
    pub fn render_parts(&self, now: DateTime<Utc>) -> (Bytes, Bytes) {
        let now = now.timestamp_millis();
        let timed_len = self.timed.as_deref().map_or(0, |t| t.len_hint());
        let mut out = String::with_capacity(timed_len + 64);
        match self.timed.as_deref() {
            Some(template) => template.render(&self.model, now, &mut out),
            None => self.encode_timed(now, &mut out),
        }
        let _ = prometheus_client::encoding::text::encode_eof(&mut out);
        (self.fixed.clone(), Bytes::from(out))
    }

    /// The timed families encoded by `prometheus-client` at `now` (milliseconds).
    fn encode_timed(&self, now: i64, out: &mut String) {
        encode(
            out,
            Timed {
                model: self.model.clone(),
                now,
            },
        );
    }

    /// How many certificates have series.
    pub fn certificates(&self) -> usize {
        self.model.certs.len()
    }
}

fn encode(out: &mut String, collector: impl Collector) {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(collector));
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode_registry(out, &registry);
}

fn model(input: &MetricsInput<'_>) -> Model {
    let inv = input.inv;
    let health = inv.healths();
    let by_cert = inv.problems_by_cert();
    let served = input.probes.map(|p| (p, served_by_cert(inv, p)));
    let certs = inv
        .certs
        .iter()
        .enumerate()
        // A kubelet rotation file `*-current.pem` no longer points at is history, not a
        // certificate in use: no series, so no expiry alert for it.
        .filter(|(_, c)| !c.superseded)
        .map(|(id, c)| CertRow {
            labels: CertLabels::of(c),
            not_before: c.not_before.timestamp(),
            not_after: c.not_after.timestamp(),
            chain_ok: c.chain.is_ok(),
            key_match: c.key_match,
            wrong_ca: by_cert[id]
                .iter()
                .any(|&p| inv.problems[p].kind == ProblemKind::WrongCa),
            served: served
                .as_ref()
                .and_then(|(results, by)| served_matches(by[id].iter().map(|&i| &results[i]))),
            health: health[id],
        })
        .collect();
    let mut unreadable: Vec<CertLabels> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in inv
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::File && is_read_error(p))
    {
        if seen.insert(p.path.clone()) {
            unreadable.push(CertLabels::of_file(&p.path));
        }
    }
    let mut problems = [0u64; 3];
    for p in &inv.problems {
        problems[severity_index(p.severity)] += 1;
    }
    let sources = &input.sources;
    Model {
        certs,
        unreadable,
        read_errors: sources.last_errors,
        errors: sources
            .errors
            .iter()
            .map(|(&(i, reason), &n)| (sources.states[i].name.clone(), reason, n))
            .collect(),
        sources: sources.states.clone(),
        problems,
        scan_duration: input.scan_duration.as_secs_f64(),
        scanned_at: input.scanned_at.timestamp(),
        probed: input.probes.is_some(),
    }
}

/// Whether what is served is the file: `Some(false)` when any listener serves another
/// certificate; `None` when nothing answered with one to compare.
fn served_matches<'a>(results: impl Iterator<Item = &'a ProbeResult>) -> Option<bool> {
    let mut answer = None;
    for r in results {
        match r.state {
            ServedState::Current => answer = Some(answer.unwrap_or(true)),
            ServedState::Stale | ServedState::Different => return Some(false),
            _ => {}
        }
    }
    answer
}

const SEVERITIES: [&str; 3] = ["info", "warning", "error"];

fn severity_index(s: Severity) -> usize {
    match s {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    }
}

fn health_value(h: Health) -> i64 {
    match h {
        Health::Ok => 0,
        Health::Warning => 1,
        Health::Critical => 2,
    }
}

/// One family: its descriptor, then one sample per label set.
fn family<'s, L: EncodeLabelSet + 's, M: EncodeMetric>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    series: impl IntoIterator<Item = (L, M)>,
) -> std::fmt::Result {
    let mut series = series.into_iter().peekable();
    let Some((_, first)) = series.peek() else {
        return Ok(());
    };
    let kind: MetricType = first.metric_type();
    let mut metric = enc.encode_descriptor(name, help, None, kind)?;
    for (labels, value) in series {
        value.encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

/// A family of one series without labels.
fn single(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: impl EncodeMetric,
) -> std::fmt::Result {
    value.encode(enc.encode_descriptor(name, help, None, value.metric_type())?)
}

fn flag(b: bool) -> ConstGauge<i64> {
    ConstGauge::new(i64::from(b))
}

/// The families that do not move with the clock, encoded once per scan.
#[derive(Debug)]
struct Fixed(Arc<Model>);

impl Collector for Fixed {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let m = &self.0;
        let certs = || m.certs.iter();
        let gauge = |v: i64| ConstGauge::new(v);
        family(
            &mut enc,
            "x509_cert_not_before",
            "Unix timestamp of the certificate's NotBefore.",
            certs().map(|c| (&c.labels, gauge(c.not_before))),
        )?;
        family(
            &mut enc,
            "x509_cert_not_after",
            "Unix timestamp of the certificate's NotAfter.",
            certs().map(|c| (&c.labels, gauge(c.not_after))),
        )?;
        family(
            &mut enc,
            "x509_cert_error",
            "1 when a file that should hold a certificate could not be read or parsed.",
            certs()
                .map(|c| (&c.labels, gauge(0)))
                .chain(m.unreadable.iter().map(|l| (l, gauge(1)))),
        )?;
        family(
            &mut enc,
            "kcert_cert_chain_ok",
            "1 when the certificate verifies under a CA found on the node (or is self-signed).",
            certs().map(|c| (&c.labels, flag(c.chain_ok))),
        )?;
        family(
            &mut enc,
            "kcert_cert_key_match",
            "1 when the private key beside the certificate has its public key; absent without a key.",
            certs().filter_map(|c| c.key_match.map(|k| (&c.labels, flag(k)))),
        )?;
        family(
            &mut enc,
            "kcert_cert_wrong_ca",
            "1 when the certificate is signed by a CA other than the one its role requires.",
            certs().map(|c| (&c.labels, flag(c.wrong_ca))),
        )?;
        if m.probed {
            family(
                &mut enc,
                "kcert_cert_served_matches_disk",
                "1 when every component serving this file serves this certificate (--probe).",
                certs().filter_map(|c| c.served.map(|s| (&c.labels, flag(s)))),
            )?;
        }
        family(
            &mut enc,
            "kcert_cert_health",
            "kcert's verdict at the last scan: 0 ok, 1 warning, 2 critical.",
            certs().map(|c| (&c.labels, gauge(health_value(c.health)))),
        )?;
        single(
            &mut enc,
            "x509_read_errors",
            "Files that could not be read or parsed in the last scan (x509-certificate-exporter v3).",
            gauge(m.read_errors as i64),
        )?;
        family(
            &mut enc,
            "x509_source_up",
            "1 when the source (a scanned root) was read in the last scan.",
            m.sources.iter().filter_map(|s| {
                s.up.map(|up| {
                    (
                        Pairs(vec![("source_kind", "file"), ("source_name", &s.name)]),
                        flag(up),
                    )
                })
            }),
        )?;
        family(
            &mut enc,
            "x509_source_bundles",
            "Files under the source that hold at least one certificate.",
            m.sources.iter().filter(|s| s.up == Some(true)).map(|s| {
                let labels = Pairs(vec![("source_kind", "file"), ("source_name", &s.name)]);
                (labels, gauge(s.bundles as i64))
            }),
        )?;
        family(
            &mut enc,
            "x509_source_errors",
            "Read errors by source and reason, counted over every scan since the start.",
            m.errors.iter().map(|(name, reason, n)| {
                let labels = Pairs(vec![
                    ("source_kind", "file"),
                    ("source_name", name),
                    ("reason", reason),
                ]);
                (labels, ConstCounter::new(*n))
            }),
        )?;
        family(
            &mut enc,
            "kcert_problems",
            "Problems found in the last scan, by severity.",
            SEVERITIES
                .iter()
                .zip(m.problems)
                .map(|(s, n)| (Pairs(vec![("severity", s)]), gauge(n as i64))),
        )?;
        single(
            &mut enc,
            "kcert_scan_duration_seconds",
            "How long the last scan took.",
            ConstGauge::new(m.scan_duration),
        )?;
        single(
            &mut enc,
            "kcert_last_scan_timestamp_seconds",
            "Unix time the last scan finished.",
            gauge(m.scanned_at),
        )?;
        let build = Pairs(vec![
            ("version", env!("CARGO_PKG_VERSION")),
            ("implementation", "kcert"),
            ("go_os", std::env::consts::OS),
            ("go_arch", std::env::consts::ARCH),
        ]);
        family(
            &mut enc,
            "x509_exporter_build_info",
            "Constant 1; the labels say which exporter this is (kcert, compatible series).",
            [(build, gauge(1))],
        )
    }
}

/// The three families computed at the scrape's clock.
#[derive(Debug)]
struct Timed {
    model: Arc<Model>,
    /// Milliseconds since the epoch.
    now: i64,
}

impl Collector for Timed {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let certs = || self.model.certs.iter();
        let now = self.now;
        family(
            &mut enc,
            "x509_cert_expired",
            "1 when the certificate's NotAfter has passed.",
            certs().map(|c| (&c.labels, ConstGauge::new(c.expired(now)))),
        )?;
        family(
            &mut enc,
            "x509_cert_expires_in_seconds",
            "Seconds until NotAfter; negative once expired.",
            certs().map(|c| (&c.labels, ConstGauge::new(c.expires_in(now)))),
        )?;
        family(
            &mut enc,
            "x509_cert_valid_since_seconds",
            "Seconds since NotBefore; negative while not yet valid.",
            certs().map(|c| (&c.labels, ConstGauge::new(c.valid_since(now)))),
        )
    }
}

/// The timed values at `now` (milliseconds since the epoch), one place for both encoders.
impl CertRow {
    fn expired(&self, now: i64) -> i64 {
        i64::from(now > self.not_after * 1000)
    }

    fn expires_in(&self, now: i64) -> f64 {
        (self.not_after * 1000 - now) as f64 / 1000.0
    }

    fn valid_since(&self, now: i64) -> f64 {
        (now - self.not_before * 1000) as f64 / 1000.0
    }
}
