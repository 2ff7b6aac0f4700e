//! `centroid_vs_lookup.csv`: the LSOAs the two assignment paths place differently.

use std::fmt::Write;

use footprint_index::PathDifference;

/// The differences as CSV (`lsoa,lookup_area,centroid_area,patients,how,metres_from_lookup_area`).
#[must_use]
pub fn differences_csv(differences: &[PathDifference]) -> String {
    let mut s = String::from("lsoa,lookup_area,centroid_area,patients,how,metres_from_lookup_area\n");
    for d in differences {
        let metres = d.metres_from_lookup_area.map(|m| format!("{m:.1}")).unwrap_or_default();
        let _ = writeln!(s, "{},{},{},{},{},{}", d.lsoa, d.lookup_area, d.centroid_area, d.patients, d.how, metres);
    }
    s
}
