//! A participant: who they are, what they need, and who is responsible for them.

use super::person::{Gender, IdentityNumber};
use super::values::{day, Address, Email, LanguageCode, Note, PhoneNumber, ShortText};
use super::{RecordError, Refusal};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub id: Uuid,
    pub programme_id: Uuid,
    /// Set once the participant has accepted an invite and can sign in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    pub first_name: ShortText,
    pub last_name: ShortText,
    #[serde(deserialize_with = "day::required")]
    pub birth_date: NaiveDate,
    /// Optional: many newly arrived participants have none yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_number: Option<IdentityNumber>,
    pub gender: Gender,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Languages spoken, most comfortable first; the first is used for their schedule view.
    #[serde(default)]
    pub languages: Vec<LanguageCode>,
    /// The language an interpreter is needed in, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<LanguageCode>,
    /// Swedish for immigrants: the course level they study at, if any (its class times are
    /// schedule events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sfi_level: Option<ShortText>,
    pub status_at_entry: LabourMarketStatus,
    pub education_at_entry: EducationLevel,
    #[serde(default)]
    pub support: Vec<SupportNeed>,
    #[serde(default)]
    pub consents: Vec<Consent>,
    pub case_manager_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_officer_id: Option<Uuid>,
    /// Who was responsible before, newest last. Kept by the server, not sent by clients.
    #[serde(default)]
    pub responsible_history: Vec<Responsibility>,
    pub phase: Phase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake_round_id: Option<Uuid>,
    /// The last day an invite to sign in works while unused. Kept by the server (set when
    /// an invite is made), not sent by clients.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub invited_until: Option<NaiveDate>,
}

/// Labour-market status at entry, as EU social-fund reporting asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LabourMarketStatus {
    Unemployed,
    LongTermUnemployed,
    Inactive,
    Employed,
}

/// Highest completed education by ISCED 2011 band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    /// Primary or lower secondary (ISCED 0–2).
    Isced0To2,
    /// Upper secondary or post-secondary non-tertiary (ISCED 3–4).
    Isced3To4,
    /// Tertiary (ISCED 5–8).
    Isced5To8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Recruited,
    Introduction,
    Placement,
    Closing,
    FollowUp,
    Ended,
}

/// A practical obstacle and what was decided about it (bus card, childcare, forms, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupportNeed {
    pub kind: SupportKind,
    #[serde(default)]
    pub note: Note,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<SupportDecision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupportKind {
    BusCard,
    Childcare,
    Forms,
    Interpreter,
    WorkClothes,
    Health,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupportDecision {
    pub granted: bool,
    #[serde(deserialize_with = "day::required")]
    pub decided_on: NaiveDate,
}

/// What the participant has agreed may be shared with the workplace. Without one, a
/// supervisor sees only what a workplace needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub scope: ConsentScope,
    #[serde(deserialize_with = "day::required")]
    pub given_on: NaiveDate,
    pub recorded_by: Uuid,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub withdrawn_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// Phone and e-mail.
    ContactDetails,
    /// Support needs and decisions.
    SupportNeeds,
    /// Languages and interpreter need.
    Languages,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    pub case_manager_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_officer_id: Option<Uuid>,
    /// The first day the next pair took over.
    #[serde(deserialize_with = "day::required")]
    pub until: NaiveDate,
}

impl Participant {
    pub fn validate(&self) -> Result<(), RecordError> {
        for consent in &self.consents {
            if consent
                .withdrawn_on
                .is_some_and(|day| day < consent.given_on)
            {
                return Err(RecordError::rule(
                    "consents",
                    Refusal::ConsentWithdrawnBeforeGiven,
                ));
            }
        }
        Ok(())
    }

    /// Whether the participant has, on `today`, agreed to share `scope` with the workplace.
    pub fn consents_to(&self, scope: ConsentScope, today: NaiveDate) -> bool {
        self.consents.iter().any(|consent| {
            consent.scope == scope
                && consent.given_on <= today
                && consent.withdrawn_on.is_none_or(|day| day > today)
        })
    }

    /// Carries over the server's history of who was responsible, appending the previous pair
    /// when this write hands the participant over: a client cannot rewrite the history.
    pub fn keep_history(&mut self, previous: Option<&Participant>, today: NaiveDate) {
        let Some(previous) = previous else {
            self.responsible_history.clear();
            return;
        };
        self.responsible_history = previous.responsible_history.clone();
        if previous.case_manager_id != self.case_manager_id
            || previous.employment_officer_id != self.employment_officer_id
        {
            self.responsible_history.push(Responsibility {
                case_manager_id: previous.case_manager_id,
                employment_officer_id: previous.employment_officer_id,
                until: today,
            });
        }
    }
}
