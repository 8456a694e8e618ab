//! Accounts: who signs in, and as what.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A random name for a session, in a cookie the page can read (the session cookie is
/// HttpOnly): a sign-out that waits on the device remembers it, and is dropped once the
/// browser holds another session, which its sign-in already ended on the server.
pub const SESSION_TAG_COOKIE: &str = "lotsa_session_tag";

/// The value of the cookie `name` in a `Cookie` header (or `document.cookie`), if it is
/// there and not empty.
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    cookies
        .split(';')
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(found, value)| *found == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// Why a value was refused, in words the person who typed it can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the user name must be 3 to 64 characters: letters a–z, digits, '.', '-' or '_'")]
    Username,
    #[error("the password must be at least {min} and at most {max} characters")]
    PasswordLength { min: usize, max: usize },
    #[error("the name must be 1 to 100 characters, without control characters")]
    DisplayName,
}

/// A sign-in name: 3–64 characters of `a-z`, `0-9`, `.`, `-`, `_`, stored in lower case so
/// that `Anna.K` and `anna.k` are the same account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        if (3..=64).contains(&name.len()) && name.chars().all(allowed) {
            Ok(Self(name))
        } else {
            Err(ValidationError::Username)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Username> for String {
    fn from(name: Username) -> Self {
        name.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed. Never printed: its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LENGTH: usize = 10;
    pub const MAX_LENGTH: usize = 256;

    /// A new password must be long enough to resist guessing (length beats composition
    /// rules, as NIST SP 800-63B says), and short enough to hash cheaply.
    pub fn parse_new(raw: &str) -> Result<Self, ValidationError> {
        let length = raw.chars().count();
        if (Self::MIN_LENGTH..=Self::MAX_LENGTH).contains(&length) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError::PasswordLength {
                min: Self::MIN_LENGTH,
                max: Self::MAX_LENGTH,
            })
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// The name shown to other users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if (1..=100).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(ValidationError::DisplayName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<DisplayName> for String {
    fn from(name: DisplayName) -> Self {
        name.0
    }
}

/// What a user may do in the programme. One person may hold several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProjectLeader,
    CaseManager,
    EmploymentOfficer,
    Supervisor,
    Participant,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::ProjectLeader,
        Role::CaseManager,
        Role::EmploymentOfficer,
        Role::Supervisor,
        Role::Participant,
    ];

    /// The name used in the API, the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProjectLeader => "project_leader",
            Role::CaseManager => "case_manager",
            Role::EmploymentOfficer => "employment_officer",
            Role::Supervisor => "supervisor",
            Role::Participant => "participant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; the roles are project_leader, case_manager, employment_officer, supervisor, participant")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == raw.trim())
            .ok_or_else(|| UnknownRole(raw.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_read_from_among_others_and_an_empty_one_is_none() {
        let cookies = "lotsa_language=sv; lotsa_session_tag=abc; lotsa_session=t=1";
        assert_eq!(cookie_value(cookies, SESSION_TAG_COOKIE), Some("abc"));
        assert_eq!(cookie_value(cookies, "lotsa_session"), Some("t=1"));
        assert_eq!(cookie_value(cookies, "lotsa"), None);
        assert_eq!(cookie_value("lotsa_session_tag=", SESSION_TAG_COOKIE), None);
        assert_eq!(cookie_value("", SESSION_TAG_COOKIE), None);
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("  Anna.K ").unwrap().as_str(), "anna.k");
        for bad in ["", "ab", "anna k", "anna@kommun.se", "åsa", &"a".repeat(65)] {
            assert_eq!(
                Username::parse(bad),
                Err(ValidationError::Username),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_need_a_sensible_length_and_stay_secret() {
        assert!(Password::parse_new("short").is_err());
        assert!(Password::parse_new(&"x".repeat(257)).is_err());
        let password = Password::parse_new("korrekt häst batteri").unwrap();
        assert_eq!(password.expose(), "korrekt häst batteri");
        assert!(!format!("{password:?}").contains("häst"));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        let error = "admin".parse::<Role>().unwrap_err();
        assert!(error.to_string().contains("case_manager"));
    }

    #[test]
    fn display_names_refuse_blank_and_control_characters() {
        assert_eq!(
            DisplayName::parse(" Anna Karlsson ").unwrap().as_str(),
            "Anna Karlsson"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("Anna\nKarlsson").is_err());
    }
}
