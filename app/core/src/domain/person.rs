//! Facts about a person that need more than a length check.

use super::values::{parsed_string, FieldError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

parsed_string!(
    /// A Swedish personal identity number (personnummer) or coordination number
    /// (samordningsnummer, day of birth + 60), stored as 12 digits `YYYYMMDDNNNC`.
    ///
    /// Ten-digit forms are refused: their century is a guess, and a wrong guess files a
    /// record under another person.
    IdentityNumber
);

impl IdentityNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        if !text.is_ascii() {
            return Err(FieldError::IdentityNumberFormat);
        }
        let digits: String = match text.len() {
            12 => text.to_owned(),
            13 if matches!(&text[8..9], "-" | "+") => format!("{}{}", &text[..8], &text[9..]),
            _ => return Err(FieldError::IdentityNumberFormat),
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::IdentityNumberFormat);
        }
        let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().unwrap_or(0);
        let day = number(6..8);
        let day = if day > 60 { day - 60 } else { day };
        NaiveDate::from_ymd_opt(number(0..4) as i32, number(4..6), day)
            .ok_or(FieldError::IdentityNumberDate)?;
        if luhn_valid(&digits[2..]) {
            Ok(Self(digits))
        } else {
            Err(FieldError::IdentityNumberChecksum)
        }
    }

    /// A coordination number is given to people not (yet) registered as living in Sweden.
    pub fn is_coordination_number(&self) -> bool {
        self.0[6..8].parse::<u32>().is_ok_and(|day| day > 60)
    }
}

/// The Luhn check the Tax Agency uses: doubling every other digit from the left.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Gender as the funders' reports count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Woman,
    Man,
    NonBinary,
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gender::Woman => "woman",
            Gender::Man => "man",
            Gender::NonBinary => "non_binary",
        })
    }
}

// Native only: proptest does not run on wasm32-unknown-unknown.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Appends the Luhn check digit to `YYYYMMDDNNN`.
    fn with_check_digit(first_eleven: &str) -> String {
        (0..10)
            .map(|check| format!("{first_eleven}{check}"))
            .find(|candidate| luhn_valid(&candidate[2..]))
            .unwrap()
    }

    #[test]
    fn known_numbers_are_accepted_in_both_written_forms() {
        // The Tax Agency's published test number 19811218-9876.
        let plain = IdentityNumber::parse("198112189876").unwrap();
        let dashed = IdentityNumber::parse("19811218-9876").unwrap();
        assert_eq!(plain, dashed);
        assert_eq!(plain.as_str(), "198112189876");
        assert!(!plain.is_coordination_number());
        // Coordination number: day 18 + 60.
        let coordination = IdentityNumber::parse(&with_check_digit("19811278987")).unwrap();
        assert!(coordination.is_coordination_number());
    }

    #[test]
    fn each_kind_of_mistake_gets_its_own_message() {
        assert_eq!(
            IdentityNumber::parse("811218-9876"),
            Err(FieldError::IdentityNumberFormat)
        );
        assert_eq!(
            IdentityNumber::parse("19811218-9875"),
            Err(FieldError::IdentityNumberChecksum)
        );
        assert_eq!(
            IdentityNumber::parse(&with_check_digit("19811332987")),
            Err(FieldError::IdentityNumberDate)
        );
        assert_eq!(
            IdentityNumber::parse("1981121x9876"),
            Err(FieldError::IdentityNumberFormat)
        );
    }

    proptest! {
        #[test]
        fn every_valid_date_with_its_check_digit_parses(
            year in 1930i32..2010, ordinal in 1u32..366, serial in 0u32..1000, coordination: bool
        ) {
            let date = NaiveDate::from_yo_opt(year, ordinal).unwrap();
            let day = date.format("%d").to_string().parse::<u32>().unwrap()
                + if coordination { 60 } else { 0 };
            let eleven = format!("{}{:02}{serial:03}", date.format("%Y%m"), day);
            let number = with_check_digit(&eleven);
            let parsed = IdentityNumber::parse(&number).unwrap();
            prop_assert_eq!(parsed.is_coordination_number(), coordination);
        }

        #[test]
        fn changing_one_digit_breaks_the_check(position in 2usize..12, delta in 1u32..10) {
            let number = "198112189876";
            let mut digits: Vec<u32> = number.chars().map(|c| c.to_digit(10).unwrap()).collect();
            digits[position] = (digits[position] + delta) % 10;
            let changed: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(IdentityNumber::parse(&changed).is_err());
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,20}") {
            let _ = IdentityNumber::parse(&text);
        }
    }
}
