//! The small domain types every stage meets at: codes, dense ids and areas.

use std::fmt;

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub struct $name(pub String);

        impl $name {
            /// The code as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

code_type!(
    /// An ODS practice code, e.g. `A81001`.
    PracticeCode
);
code_type!(
    /// A PCN code, e.g. `U89141`.
    PcnCode
);
code_type!(
    /// An LSOA code as found in a registrations file (`E01011959`, but also `NO2011`, `W01000001`).
    LsoaCode
);
code_type!(
    /// The code of an area of the area layer, e.g. the MSOA `E02002483`.
    AreaCode
);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into its table.
            #[must_use]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index of a practice in [`crate::RegistrationTable::practices`].
    PracticeId
);
id_type!(
    /// Index of an LSOA code in [`crate::RegistrationTable::lsoas`].
    LsoaId
);
id_type!(
    /// Index of an area in [`crate::AreaLayer::areas`] (areas are sorted by code, so ids follow code order).
    AreaId
);
id_type!(
    /// Index of a PCN in [`crate::PracticeMap::pcns`] (sorted by code, so ids follow code order).
    PcnId
);

/// A PCN: its code and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcn {
    /// The code.
    pub code: PcnCode,
    /// The name as given in the practice map.
    pub name: String,
}

/// One area of the area layer (an MSOA): code, name and boundary, exactly as read.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Area {
    /// The area code.
    pub code: AreaCode,
    /// The area name (empty when the layer has no name field).
    pub name: String,
    /// The boundary, in the layer's coordinates (WGS84 longitude/latitude for GeoJSON).
    pub geometry: geo::MultiPolygon<f64>,
    /// The index of the feature in the file it came from.
    pub feature_index: usize,
}

/// A census geography: the vintage of LSOA and MSOA codes (ONS redrew the small areas for the 2021 census).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Vintage {
    /// LSOA/MSOA 2011 (32,844 and 6,791 areas in England).
    Census2011,
    /// LSOA/MSOA 2021 (33,755 and 6,856 areas in England).
    Census2021,
}

impl Vintage {
    /// Both vintages, oldest first.
    pub const ALL: [Vintage; 2] = [Vintage::Census2011, Vintage::Census2021];

    /// The census year.
    ///
    /// ```
    /// assert_eq!(footprint_ingest::Vintage::Census2021.year(), 2021);
    /// ```
    #[must_use]
    pub fn year(self) -> u16 {
        match self {
            Vintage::Census2011 => 2011,
            Vintage::Census2021 => 2021,
        }
    }

    /// The other vintage.
    #[must_use]
    pub fn other(self) -> Vintage {
        match self {
            Vintage::Census2011 => Vintage::Census2021,
            Vintage::Census2021 => Vintage::Census2011,
        }
    }
}

impl fmt::Display for Vintage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.year())
    }
}
