//! The PCNs themselves: practices, list size, the MSOAs their patients live in and how concentrated
//! they are, each PCN's list-size band; and the national summary of them.

use footprint_ingest::{PcnId, PracticeMap, PracticePcn, RegistrationTable};
use serde::Serialize;

use crate::{OverlapTable, describe, ratio};

/// The recommended range of a PCN's registered patients (NHS England, 2019): 30,000 to 50,000.
pub const BAND: (u64, u64) = (30_000, 50_000);

/// A PCN's list size against the recommended range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SizeBand {
    /// Fewer than 30,000 registered patients.
    #[serde(rename = "<30k")]
    Below,
    /// 30,000 to 50,000 (both included).
    #[serde(rename = "30-50k")]
    Within,
    /// More than 50,000.
    #[serde(rename = ">50k")]
    Above,
}

impl SizeBand {
    /// The band of a list size.
    ///
    /// ```
    /// use footprint_overlap::SizeBand;
    /// assert_eq!(SizeBand::of(29_999), SizeBand::Below);
    /// assert_eq!(SizeBand::of(50_000), SizeBand::Within);
    /// assert_eq!(SizeBand::of(50_001).label(), ">50k");
    /// ```
    #[must_use]
    pub fn of(list_size: u64) -> Self {
        if list_size < BAND.0 {
            Self::Below
        } else if list_size <= BAND.1 {
            Self::Within
        } else {
            Self::Above
        }
    }

    /// As written in `pcns.csv`: `<30k`, `30-50k`, `>50k`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Below => "<30k",
            Self::Within => "30-50k",
            Self::Above => ">50k",
        }
    }
}

/// One PCN with registered patients.
#[derive(Clone, Debug, PartialEq)]
pub struct PcnRow {
    /// The PCN.
    pub pcn: PcnId,
    /// Its practices with registered patients.
    pub practices: u32,
    /// Patients registered at them (every row read, placed in an area or not).
    pub list_size: u64,
    /// MSOAs where it has any registered resident.
    pub msoas_any: u32,
    /// Per threshold: MSOAs where its share of the residents is at or above it (its threshold footprint).
    pub msoas_at_or_above: Vec<u32>,
    /// Per threshold: its patients living in those MSOAs.
    pub patients_at_or_above: Vec<u64>,
    /// The MSOA with most of its patients (ties to the smallest code), and its patients there.
    pub top: Option<(usize, u64)>,
    /// Its band.
    pub band: SizeBand,
}

impl PcnRow {
    /// A share of its list (0 for an empty list).
    #[must_use]
    pub fn list_share(&self, patients: u64) -> f64 {
        ratio(patients, self.list_size).unwrap_or(0.0)
    }
}

/// Every PCN of the map with registered patients, in code order.
#[must_use]
pub fn pcn_table(registrations: &RegistrationTable, practices: &PracticeMap, table: &OverlapTable) -> Vec<PcnRow> {
    let n = practices.pcns.len();
    let mut list = vec![0u64; n];
    let mut practice_patients = vec![0u64; registrations.practices.len()];
    for row in &registrations.rows {
        practice_patients[row.practice.index()] += u64::from(row.patients);
    }
    let mut members = vec![0u32; n];
    for (code, &patients) in registrations.practices.iter().zip(&practice_patients) {
        if let (Some(PracticePcn::Pcn(id)), true) = (practices.pcn_of(code), patients > 0) {
            members[id.index()] += 1;
            list[id.index()] += patients;
        }
    }
    let t = table.thresholds.len();
    let mut rows: Vec<PcnRow> = (0..n)
        .map(|i| PcnRow {
            pcn: PcnId(i as u32),
            practices: members[i],
            list_size: list[i],
            msoas_any: 0,
            msoas_at_or_above: vec![0; t],
            patients_at_or_above: vec![0; t],
            top: None,
            band: SizeBand::of(list[i]),
        })
        .collect();
    for (a, area) in table.areas.iter().enumerate() {
        for &(pcn, patients) in &area.pcn_patients {
            let row = &mut rows[pcn.index()];
            row.msoas_any += 1;
            for (k, threshold) in table.thresholds.iter().enumerate() {
                if threshold.is_met(patients, area.population) {
                    row.msoas_at_or_above[k] += 1;
                    row.patients_at_or_above[k] += patients;
                }
            }
            // Areas come in code order: only a strictly larger count replaces.
            if row.top.is_none_or(|(_, best)| patients > best) {
                row.top = Some((a, patients));
            }
        }
    }
    rows.retain(|r| r.list_size > 0);
    rows
}

/// The national summary of the PCNs (the figures of the 2020 reference analysis' chapter 6).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PcnSummary {
    /// PCNs with registered patients.
    pub pcns: u64,
    /// PCNs of the practice map with none (no practice of theirs in the registrations).
    pub pcns_without_patients: u64,
    /// The recommended range.
    pub band: [u64; 2],
    /// PCNs and their share in each band.
    pub bands: Vec<BandCount>,
    /// The distribution of list sizes.
    pub list_size: SizeStatistics,
    /// Practices per PCN.
    pub practices: PracticeStatistics,
}

/// PCNs in one band.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BandCount {
    /// The band.
    pub band: SizeBand,
    /// PCNs in it.
    pub pcns: u64,
    /// Their share of all PCNs with patients.
    pub share: f64,
}

/// Mean, median, P10, P90 and the decile ratio P90 / P10.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SizeStatistics {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
    /// P90 / P10.
    pub decile_ratio: f64,
}

/// Practices per PCN.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PracticeStatistics {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// PCNs of one practice.
    pub single_practice: u64,
    /// PCNs of more than ten practices.
    pub more_than_ten: u64,
}

/// Summarises the PCN table (quantiles of type 7, as the other statistics).
#[must_use]
pub fn pcn_summary(rows: &[PcnRow], practices: &PracticeMap) -> PcnSummary {
    let n = rows.len() as u64;
    let bands = [SizeBand::Below, SizeBand::Within, SizeBand::Above]
        .into_iter()
        .map(|band| {
            let pcns = rows.iter().filter(|r| r.band == band).count() as u64;
            BandCount { band, pcns, share: ratio(pcns, n).unwrap_or(f64::NAN) }
        })
        .collect();
    let sizes = describe_u64(&rows.iter().map(|r| r.list_size).collect::<Vec<_>>());
    let members = describe(&rows.iter().map(|r| r.practices).collect::<Vec<_>>());
    PcnSummary {
        pcns: n,
        pcns_without_patients: (practices.pcns.len() as u64).saturating_sub(n),
        band: [BAND.0, BAND.1],
        bands,
        list_size: SizeStatistics {
            mean: sizes.0,
            median: sizes.1,
            p10: sizes.2,
            p90: sizes.3,
            decile_ratio: sizes.3 / sizes.2,
        },
        practices: PracticeStatistics {
            mean: members.mean,
            median: members.median,
            single_practice: rows.iter().filter(|r| r.practices == 1).count() as u64,
            more_than_ten: rows.iter().filter(|r| r.practices > 10).count() as u64,
        },
    }
}

/// Mean, median, P10 and P90 of list sizes (type 7, from exact integer sums).
fn describe_u64(values: &[u64]) -> (f64, f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let sum: u128 = sorted.iter().map(|&v| u128::from(v)).sum();
    let mean = if sorted.is_empty() { f64::NAN } else { sum as f64 / sorted.len() as f64 };
    let q = |num, den| crate::stats::quantile(&sorted, num, den);
    (mean, q(1, 2), q(1, 10), q(9, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(list_size: u64, practices: u32) -> PcnRow {
        PcnRow {
            pcn: PcnId(0),
            practices,
            list_size,
            msoas_any: 0,
            msoas_at_or_above: Vec::new(),
            patients_at_or_above: Vec::new(),
            top: None,
            band: SizeBand::of(list_size),
        }
    }

    fn check(rows: &[PcnRow], expected: (&[u64; 3], [f64; 5], [f64; 2], [u64; 2])) {
        let s = pcn_summary(rows, &PracticeMap::default());
        let bands: Vec<u64> = s.bands.iter().map(|b| b.pcns).collect();
        let l = &s.list_size;
        let got = (
            bands.as_slice(),
            [l.mean, l.median, l.p10, l.p90, l.decile_ratio],
            [s.practices.mean, s.practices.median],
            [s.practices.single_practice, s.practices.more_than_ten],
        );
        assert_eq!(got, (&expected.0[..], expected.1, expected.2, expected.3));
    }

    #[test]
    fn national_summary_by_hand() {
        // Sizes 20,000 29,999 30,000 50,000 50,001: bands 2, 2, 1; mean 180,000/5 = 36,000; median 30,000;
        // P10 at h = 0.4: 20,000 + 0.4·9,999 = 23,999.6; P90 at h = 3.6: 50,000 + 0.6 = 50,000.6.
        // Practices 1, 1, 5, 11, 12: mean 6, median 5, two single, two over ten.
        let rows = [row(20_000, 1), row(29_999, 1), row(30_000, 5), row(50_000, 11), row(50_001, 12)];
        check(&rows, (&[2, 2, 1], [36_000.0, 30_000.0, 23_999.6, 50_000.6, 50_000.6 / 23_999.6], [6.0, 5.0], [2, 2]));
    }
}
