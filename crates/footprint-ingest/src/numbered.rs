//! LSOA codes by their number: a flat table for the codes of the censuses, cheaper than hashing them.

/// Ids by the number of a census LSOA code (`E01` or `W01` and six digits, as every LSOA code of the
/// 2011 and 2021 censuses is): a flat table, about 300 KB for the 36,000 codes of a census (8 MB at
/// most).
#[derive(Clone, Debug, Default)]
pub(crate) struct ByNumber(Vec<u32>);

impl ByNumber {
    /// The number of `code` when it is exactly a census LSOA code (no spaces), English and Welsh
    /// numbers interleaved.
    pub(crate) fn number(code: &[u8]) -> Option<usize> {
        let welsh = match code.get(..3)? {
            b"E01" => 0,
            b"W01" => 1,
            _ => return None,
        };
        let digits = &code[3..];
        (digits.len() == 6 && digits.iter().all(u8::is_ascii_digit))
            .then(|| 2 * digits.iter().fold(0, |n, &d| n * 10 + usize::from(d - b'0')) + welsh)
    }

    /// The id of the code numbered `number`, if one was inserted.
    pub(crate) fn get(&self, number: usize) -> Option<u32> {
        self.0.get(number).copied().filter(|&id| id != u32::MAX)
    }

    /// Gives the code numbered `number` the id `id` (not `u32::MAX`).
    pub(crate) fn insert(&mut self, number: usize, id: u32) {
        if self.0.len() <= number {
            self.0.resize(number + 1, u32::MAX);
        }
        self.0[number] = id;
    }
}

#[cfg(test)]
mod tests {
    use super::ByNumber;

    fn check(code: &str, expected: Option<usize>) {
        assert_eq!(ByNumber::number(code.as_bytes()), expected, "{code}");
    }

    #[test]
    fn census_codes_and_only_those_have_numbers() {
        check("E01000003", Some(6));
        check("W01000003", Some(7));
        check("E01033768", Some(67_536));
        for other in ["E0100003", "E010000033", "E01 00003", "e01000003", "E02000003", "S01000003", "", "E01"] {
            check(other, None);
        }
        let mut table = ByNumber::default();
        table.insert(7, 4);
        assert_eq!((table.get(7), table.get(6), table.get(1 << 30)), (Some(4), None, None));
    }
}
