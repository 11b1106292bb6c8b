//! A scan's result arriving, and served versus on disk: probe results arrive after the scan
//! they were made for and are kept only while that scan is the one shown.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{App, Counts, Loaded, PkiTab, ScanState};
use crate::pki::CertId;
use crate::runtime::{served_by_cert, ProbeResult, ServedState, Targets};
use crate::tui::action::{Cmd, Scanned};
use crate::tui::tree::Forest;

/// What the listeners served, mapped onto the certificates of one scan.
#[derive(Debug, Clone)]
pub struct Served {
    pub results: Vec<ProbeResult>,
    /// Per certificate: indices into `results` of the listeners serving its file.
    pub by_cert: Vec<Vec<usize>>,
}

impl Served {
    /// The listeners serving certificate `id`.
    pub fn of(&self, id: CertId) -> impl Iterator<Item = &ProbeResult> {
        self.by_cert
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.results[i])
    }

    /// The state that matters most for `id`: restart needed first, then a different
    /// certificate, a silent listener, then serving as on disk.
    pub fn worst(&self, id: CertId) -> Option<ServedState> {
        self.of(id).map(|r| r.state).max_by_key(|s| rank(*s))
    }
}

fn rank(s: ServedState) -> u8 {
    match s {
        ServedState::Stale => 6,
        ServedState::Different => 5,
        ServedState::FileUnreadable => 4,
        ServedState::Failed | ServedState::Timeout => 3,
        ServedState::NotListening => 2,
        ServedState::Current => 1,
        ServedState::NoFile => 0,
    }
}

impl Loaded {
    /// Whether a probe for this scan is still out.
    pub fn probing(&self) -> bool {
        self.served.is_none() && !self.targets.endpoints.is_empty()
    }
}

impl PkiTab {
    /// Take a scan's result; ask for the listeners to be probed when there are any. The
    /// caller reveals the cursors.
    pub(super) fn loaded(&mut self, scanned: Scanned, now: DateTime<Utc>) -> Option<Cmd> {
        self.scan = ScanState::Done;
        let Scanned {
            inv,
            findings,
            targets,
            replaced,
        } = scanned;
        let forest = Forest::build(&inv);
        let counts = Counts::of(&inv, &forest, now);
        self.generations += 1;
        let generation = self.generations;
        let probe = (self.probe && !targets.endpoints.is_empty()).then(|| Cmd::Probe {
            generation,
            endpoints: targets.endpoints.clone(),
        });
        self.data = Some(Loaded {
            inv: Arc::new(inv),
            forest,
            counts,
            findings,
            targets: if self.probe {
                targets
            } else {
                Targets::default()
            },
            served: None,
            replaced,
            generation,
        });
        self.rebuild(now);
        probe
    }

    /// Keep probe results only for the scan on screen: an older scan's answer is dropped.
    pub(super) fn probed(&mut self, generation: u64, results: Vec<ProbeResult>) {
        let Some(d) = &mut self.data else { return };
        if d.generation != generation {
            return;
        }
        let by_cert = served_by_cert(&d.inv, &results);
        d.served = Some(Served { results, by_cert });
    }
}

impl App {
    pub(super) fn loaded(&mut self, scanned: Scanned) -> Option<Cmd> {
        let probe = self.pki.loaded(scanned, self.now);
        self.reveal();
        probe
    }
}
