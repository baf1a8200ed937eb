//! Medians, ratios and markdown tables.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::clients::Kind;
use crate::scenario::{Counts, Outcome, Scenario};

/// Every measurement of one server: scenario -> client -> one outcome per round.
#[derive(Default)]
pub struct ServerRuns {
    pub name: String,
    pub runs: Vec<(Scenario, BTreeMap<Kind, Vec<Outcome>>)>,
}

/// The summary of one client's rounds.
#[derive(Debug, Clone)]
pub enum Summary {
    Median { median: f64, min: f64, max: f64 },
    NotSupported,
    Failed(String),
}

impl Summary {
    pub fn median(&self) -> Option<f64> {
        match self {
            Summary::Median { median, .. } => Some(*median),
            _ => None,
        }
    }
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn summarize(outcomes: &[Outcome]) -> Summary {
    let mut rates = Vec::new();
    for o in outcomes {
        match o {
            Outcome::Rate(r, _) => rates.push(*r),
            Outcome::NotSupported => return Summary::NotSupported,
            Outcome::Failed(e) => return Summary::Failed(e.clone()),
        }
    }
    if rates.is_empty() {
        return Summary::NotSupported;
    }
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rates.iter().copied().fold(0.0, f64::max);
    Summary::Median {
        median: median(&mut rates),
        min,
        max,
    }
}

/// `12345.6` -> `12,346`.
pub fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x);
    let neg = s.starts_with('-');
    let digits: Vec<char> = s.trim_start_matches('-').chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

impl ServerRuns {
    pub fn summary(&self, s: Scenario, k: Kind) -> Option<Summary> {
        let (_, m) = self.runs.iter().find(|(x, _)| *x == s)?;
        m.get(&k).map(|v| summarize(v))
    }

    pub fn median(&self, s: Scenario, k: Kind) -> Option<f64> {
        self.summary(s, k)?.median()
    }

    /// The best median among the peers (every client but wirequest and raw).
    pub fn best_peer(&self, s: Scenario) -> Option<(Kind, f64)> {
        Kind::ALL
            .into_iter()
            .filter(|k| !matches!(k, Kind::Wirequest | Kind::Raw))
            .filter_map(|k| self.median(s, k).map(|m| (k, m)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Median connections the bench's server accepted per measurement.
    pub fn connections(&self, s: Scenario, k: Kind) -> Option<f64> {
        let (_, m) = self.runs.iter().find(|(x, _)| *x == s)?;
        let mut v: Vec<f64> = m
            .get(&k)?
            .iter()
            .filter_map(|o| match o {
                Outcome::Rate(_, c) => Some(*c as f64),
                _ => None,
            })
            .collect();
        (!v.is_empty()).then(|| median(&mut v))
    }

    /// Connections opened per scenario and client (only meaningful on the bench's server).
    pub fn connection_table(&self, kinds: &[Kind], counts: &Counts) -> String {
        let mut out = String::from(
            "Connections the server accepted during one timed run (median):\n\n| scenario |",
        );
        for k in kinds {
            let _ = write!(out, " {} |", k.name());
        }
        out.push_str("\n| --- |");
        for _ in kinds {
            out.push_str(" ---: |");
        }
        out.push('\n');
        for (s, _) in &self.runs {
            let _ = write!(out, "| {} |", s.label(counts));
            for k in kinds {
                let cell = self.connections(*s, *k).map_or(String::new(), thousands);
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        out
    }

    /// Three tables: medians, ratios to ureq, ratios to raw.
    pub fn tables(&self, kinds: &[Kind], counts: &Counts) -> String {
        let mut out = String::new();
        let header = |out: &mut String, first: &str| {
            let _ = write!(out, "| {first} |");
            for k in kinds {
                let _ = write!(out, " {} |", k.name());
            }
            out.push('\n');
            out.push_str("| --- |");
            for _ in kinds {
                out.push_str(" ---: |");
            }
            out.push('\n');
        };
        let _ = writeln!(out, "Medians (req/s or MiB/s; higher is better):\n");
        header(&mut out, "scenario");
        for (s, _) in &self.runs {
            let _ = write!(out, "| {} ({}) |", s.label(counts), s.unit());
            for k in kinds {
                let cell = match self.summary(*s, *k) {
                    Some(Summary::Median { median, .. }) => thousands(median),
                    Some(Summary::NotSupported) => "n/a".into(),
                    Some(Summary::Failed(_)) => "err".into(),
                    None => "".into(),
                };
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        for (base, title) in [
            (Kind::Ureq, "Ratio to ureq (above 1: faster than ureq):"),
            (
                Kind::Raw,
                "Ratio to the raw-socket limit (1 = as fast as fixed bytes on a socket):",
            ),
        ] {
            if !kinds.contains(&base) {
                continue;
            }
            let _ = writeln!(out, "\n{title}\n");
            header(&mut out, "scenario");
            for (s, _) in &self.runs {
                let _ = write!(out, "| {} |", s.label(counts));
                let b = self.median(*s, base);
                for k in kinds {
                    let cell = match (self.median(*s, *k), b) {
                        (Some(x), Some(b)) if b > 0.0 => format!("{:.2}", x / b),
                        _ => "".into(),
                    };
                    let _ = write!(out, " {cell} |");
                }
                out.push('\n');
            }
        }
        let mut failures = String::new();
        for (s, m) in &self.runs {
            for (k, v) in m {
                if let Summary::Failed(e) = summarize(v) {
                    let _ = writeln!(failures, "- {} / {}: {e}", s.id(), k.name());
                }
            }
        }
        if !failures.is_empty() {
            let _ = writeln!(out, "\nFailures:\n\n{failures}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1234.0), "1,234");
        assert_eq!(thousands(1234567.8), "1,234,568");
    }

    #[test]
    fn summary_is_the_median_and_failures_win() {
        let s = summarize(&[
            Outcome::Rate(3.0, 0),
            Outcome::Rate(1.0, 0),
            Outcome::Rate(2.0, 0),
        ]);
        assert_eq!(s.median(), Some(2.0));
        let f = summarize(&[Outcome::Rate(3.0, 0), Outcome::Failed("x".into())]);
        assert!(matches!(f, Summary::Failed(_)));
    }
}
