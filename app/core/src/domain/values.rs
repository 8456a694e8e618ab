//! Small values the records are made of. Each is parsed once, at the edge; a value that
//! exists is valid, so the rest of the code never checks again.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a field's value was refused, in words the person who typed it can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("must be 1 to {max} characters on one line")]
    ShortText { max: usize },
    #[error("must be at most {max} characters")]
    Note { max: usize },
    #[error("is not a phone number: use 7 to 15 digits, optionally starting with +")]
    Phone,
    #[error("is not an e-mail address like name@example.se")]
    Email,
    #[error("is not a language code: use ISO 639 codes such as sv, ar, so, ti, prs")]
    Language,
    #[error("is not a Swedish postal code: five digits, like 581 83")]
    PostalCode,
    #[error("is not a percentage from 0 to 100")]
    Percent,
    #[error(
        "is not a Swedish personal or coordination number: write all 12 digits, YYYYMMDD-NNNN"
    )]
    IdentityNumberFormat,
    #[error("has a wrong check digit: check the last four digits")]
    IdentityNumberChecksum,
    #[error("does not contain a real date of birth")]
    IdentityNumberDate,
    #[error("must be a time of day HH:MM")]
    TimeOfDay,
    #[error("must be a day between {} and {}", day::FIRST_YEAR, day::LAST_YEAR)]
    DayOutOfRange,
}

/// Defines a string newtype whose only constructor is `parse`, and wires serde through it.
macro_rules! parsed_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use parsed_string;

parsed_string!(
    /// A name, title or label: trimmed, 1–200 characters, one line.
    ShortText
);

impl ShortText {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        let length = text.chars().count();
        if (1..=Self::MAX).contains(&length) && !text.chars().any(char::is_control) {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::ShortText { max: Self::MAX })
        }
    }
}

parsed_string!(
    /// Free text written by a professional (notes of a check-in, a review): up to 5,000
    /// characters, several lines allowed, may be empty.
    #[derive(Default)]
    Note
);

impl Note {
    pub const MAX: usize = 5000;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        let allowed = |c: char| !c.is_control() || "\n\r\t".contains(c);
        if text.chars().count() <= Self::MAX && text.chars().all(allowed) {
            Ok(Self(text.replace("\r\n", "\n")))
        } else {
            Err(FieldError::Note { max: Self::MAX })
        }
    }
}

parsed_string!(
    /// A phone number as people write it (`070-123 45 67`, `+46 70 123 45 67`), kept as typed
    /// after checking that it has a plausible number of digits.
    PhoneNumber
);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let shape_ok = text
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
        if shape_ok && (7..=15).contains(&digits) {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::Phone)
        }
    }
}

parsed_string!(
    /// An e-mail address, lower-cased. Checked for shape only: whether it reaches someone is
    /// learnt by writing to it.
    Email
);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = raw.trim().to_lowercase();
        let valid = text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && match text.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(text))
        } else {
            Err(FieldError::Email)
        }
    }
}

parsed_string!(
    /// A language as an ISO 639-1 or 639-3 code, lower case (`sv`, `ar`, `so`, `ti`, `prs`).
    LanguageCode
);

impl LanguageCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_lowercase();
        if (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase()) {
            Ok(Self(code))
        } else {
            Err(FieldError::Language)
        }
    }
}

parsed_string!(
    /// A Swedish postal code, stored as `NNN NN`.
    PostalCode
);

impl PostalCode {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 5 && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(format!("{} {}", &digits[..3], &digits[3..])))
        } else {
            Err(FieldError::PostalCode)
        }
    }
}

/// A whole percentage, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Percent(u8);

impl Percent {
    pub fn new(value: u8) -> Result<Self, FieldError> {
        if value <= 100 {
            Ok(Self(value))
        } else {
            Err(FieldError::Percent)
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Percent {
    type Error = FieldError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Percent> for u8 {
    fn from(value: Percent) -> Self {
        value.0
    }
}

/// A street address in Sweden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub street: ShortText,
    pub postal_code: PostalCode,
    pub city: ShortText,
}

/// How to reach someone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: ShortText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_trimmed_and_single_line() {
        assert_eq!(
            ShortText::parse("  Solgården ").unwrap().as_str(),
            "Solgården"
        );
        for bad in ["", "   ", "två\nrader", &"x".repeat(201)] {
            assert!(ShortText::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn notes_may_be_empty_and_have_lines_but_not_other_control_characters() {
        assert_eq!(Note::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert!(Note::parse("").is_ok());
        assert!(Note::parse("bell\u{7}").is_err());
        assert!(Note::parse(&"x".repeat(5001)).is_err());
    }

    #[test]
    fn phone_numbers_as_people_write_them() {
        for good in [
            "070-123 45 67",
            "+46 70 123 45 67",
            "013-20 60 00",
            "(013) 206000",
        ] {
            assert!(PhoneNumber::parse(good).is_ok(), "{good:?}");
        }
        for bad in ["", "12345", "070-ABC", "46+70123456", &"1".repeat(16)] {
            assert_eq!(PhoneNumber::parse(bad), Err(FieldError::Phone), "{bad:?}");
        }
    }

    #[test]
    fn emails_are_lower_cased_and_shape_checked() {
        assert_eq!(
            Email::parse(" Anna.Karlsson@Linkoping.SE ")
                .unwrap()
                .as_str(),
            "anna.karlsson@linkoping.se"
        );
        for bad in [
            "anna",
            "anna@",
            "@kommun.se",
            "anna@kommun",
            "a b@kommun.se",
            "a@b@c.se",
        ] {
            assert_eq!(Email::parse(bad), Err(FieldError::Email), "{bad:?}");
        }
    }

    #[test]
    fn language_codes_and_postal_codes_are_normalised() {
        assert_eq!(LanguageCode::parse("AR").unwrap().as_str(), "ar");
        assert!(LanguageCode::parse("arabic").is_err());
        assert_eq!(PostalCode::parse("58183").unwrap().as_str(), "581 83");
        assert!(PostalCode::parse("5818").is_err());
        assert!(Percent::new(101).is_err());
    }

    #[test]
    fn serde_goes_through_parse() {
        let error = serde_json::from_str::<Email>("\"nope\"").unwrap_err();
        assert!(error.to_string().contains("e-mail"), "{error}");
        let email: Email = serde_json::from_str("\"A@B.SE\"").unwrap();
        assert_eq!(email.as_str(), "a@b.se");
    }
}

/// Calendar days as records hold them: chrono's own range reaches ±262,000 years, where
/// date arithmetic (a placement's supervision window, a weekly schedule) overflows. No day
/// a programme records lies outside 1900–2200, so a day outside it is refused when parsed.
pub mod day {
    use chrono::{Datelike, NaiveDate};
    use serde::{de::Error, Deserialize, Deserializer};

    pub const FIRST_YEAR: i32 = 1900;
    pub const LAST_YEAR: i32 = 2200;

    /// Whether `day` is one a record may hold.
    pub fn in_range(day: NaiveDate) -> bool {
        (FIRST_YEAR..=LAST_YEAR).contains(&day.year())
    }

    fn checked<E: Error>(day: NaiveDate) -> Result<NaiveDate, E> {
        if in_range(day) {
            Ok(day)
        } else {
            Err(E::custom(super::FieldError::DayOutOfRange))
        }
    }

    /// `#[serde(deserialize_with = "day::required")]`
    pub fn required<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        checked(NaiveDate::deserialize(deserializer)?)
    }

    /// `#[serde(default, deserialize_with = "day::optional")]`
    pub fn optional<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        Option::<NaiveDate>::deserialize(deserializer)?
            .map(checked)
            .transpose()
    }
}
