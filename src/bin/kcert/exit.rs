//! The exit policy: every command ends in one [`ExitStatus`], and only [`ExitStatus::code`]
//! turns it into a number (the monitoring-plugin convention docs/check.md documents).

use std::process::ExitCode;

use kcert::pki::Severity;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: all well; everything asked for was done.
    Ok,
    /// 1: something needs attention soon, or an action did not go as asked.
    Warning,
    /// 2: something is critical or broken (or was interrupted and put back).
    Critical,
    /// 2: the command line was not understood, like clap's own usage errors.
    Usage,
    /// 3: kcert could not do what was asked at all.
    CouldNotRun,
    /// 130: Ctrl-C (SIGINT), as a shell reports a command it interrupted.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Warning => 1,
            ExitStatus::Critical | ExitStatus::Usage => 2,
            ExitStatus::CouldNotRun => 3,
            ExitStatus::Interrupted => 130,
        }
    }

    /// The status of the worst finding: none, or only information, is ok.
    pub fn of_worst(worst: Option<Severity>) -> Self {
        match worst {
            Some(Severity::Error) => ExitStatus::Critical,
            Some(Severity::Warning) => ExitStatus::Warning,
            Some(Severity::Info) | None => ExitStatus::Ok,
        }
    }

    /// Ok when the command line was fine (help, version), else a usage error.
    pub fn usage_unless(fine: bool) -> Self {
        if fine {
            ExitStatus::Ok
        } else {
            ExitStatus::Usage
        }
    }

    /// The worse of two statuses, for a command that did two things.
    pub fn worse(self, other: ExitStatus) -> Self {
        match self.code() >= other.code() {
            true => self,
            false => other,
        }
    }

    /// Ok when every action went as asked, else a warning.
    pub fn done(all_ok: bool) -> Self {
        if all_ok {
            ExitStatus::Ok
        } else {
            ExitStatus::Warning
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_map_to_the_documented_codes() {
        assert_eq!(ExitStatus::of_worst(None).code(), 0);
        assert_eq!(ExitStatus::of_worst(Some(Severity::Info)).code(), 0);
        assert_eq!(ExitStatus::of_worst(Some(Severity::Warning)).code(), 1);
        assert_eq!(ExitStatus::of_worst(Some(Severity::Error)).code(), 2);
        assert_eq!(ExitStatus::done(false).code(), 1);
        assert_eq!(ExitStatus::CouldNotRun.code(), 3);
        assert_eq!(ExitStatus::Interrupted.code(), 130);
    }
}
