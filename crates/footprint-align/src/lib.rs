//! Community-team alignment: each LSOA's registered patients apportioned to team areas, and how the
//! teams and the PCNs serving their residents line up.
//!
//! Apportionment ([`apportion_by_area`], [`apportion_by_points`], [`apportion_by_lookup`]) gives, for every
//! LSOA code of the registrations, the share of its residents in each team ([`LsoaTeams`]); [`align`] turns
//! registrations into whole patients per team, LSOA and PCN (largest remainder, so every patient is
//! counted once) and measures teams, PCNs and team–PCN pairs; [`write`] renders the outputs.
//!
//! Invariant: every patient of the registrations is in a team, in no team, or unknown
//! ([`AlignAccounting`]), whatever the apportionment.

mod apportion;
mod interior;
mod measures;
pub mod write;

pub use apportion::{LsoaTeams, apportion_by_area, apportion_by_lookup, apportion_by_points, teams_from_lookup};
pub use measures::{AlignAccounting, Alignment, PairMeasures, PcnMeasures, SplitLsoa, TeamMeasures, align};
