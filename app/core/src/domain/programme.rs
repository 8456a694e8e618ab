//! The programme and the people who run it.

use super::values::{day, Contact, Email, Percent, PhoneNumber, ShortText};
use super::{RecordError, Refusal};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A labour-market programme: its funding, its targets, its intake rounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub id: Uuid,
    pub name: ShortText,
    /// The organisation that owns the project, e.g. a municipality.
    pub owner: ShortText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<Funding>,
    pub targets: Targets,
    pub max_placement: PlacementLimit,
    #[serde(default)]
    pub intake_rounds: Vec<IntakeRound>,
    #[serde(default)]
    pub municipalities: Vec<ShortText>,
}

/// What the funder (for example the European Social Fund) knows the project by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub funder: ShortText,
    pub project_number: ShortText,
    #[serde(deserialize_with = "day::required")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "day::required")]
    pub ends_on: NaiveDate,
    /// Whole Swedish kronor.
    pub total_budget_sek: u64,
    pub co_financing_sek: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub participants: u32,
    pub share_women: Percent,
    pub share_men: Percent,
    /// Share of participants in work or studies when they leave.
    pub share_in_work_or_studies: Percent,
}

/// The longest workplace-learning placement the programme allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PlacementLimit {
    Weeks(u8),
    Months(u8),
}

impl PlacementLimit {
    /// The last day a placement starting on `start` may last to.
    pub fn last_day(self, start: NaiveDate) -> NaiveDate {
        let end = match self {
            PlacementLimit::Weeks(weeks) => start + chrono::Days::new(u64::from(weeks) * 7),
            PlacementLimit::Months(months) => start
                .checked_add_months(Months::new(u32::from(months)))
                .unwrap_or(NaiveDate::MAX),
        };
        end.pred_opt().unwrap_or(end)
    }
}

/// A cohort that starts together (2–4 a year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IntakeRound {
    pub id: Uuid,
    pub name: ShortText,
    #[serde(deserialize_with = "day::required")]
    pub starts_on: NaiveDate,
    #[serde(deserialize_with = "day::required")]
    pub ends_on: NaiveDate,
}

impl Programme {
    pub fn validate(&self) -> Result<(), RecordError> {
        if let Some(funding) = &self.funding {
            if funding.ends_on < funding.starts_on {
                return Err(RecordError::rule(
                    "funding.ends_on",
                    Refusal::EndsBeforeStartsOn,
                ));
            }
            if funding.co_financing_sek > funding.total_budget_sek {
                return Err(RecordError::rule(
                    "funding.co_financing_sek",
                    Refusal::CoFinancingOverBudget,
                ));
            }
        }
        if self.targets.share_women.get() + self.targets.share_men.get() > 100 {
            return Err(RecordError::rule("targets", Refusal::ShareTargetsTooHigh));
        }
        match self.max_placement {
            PlacementLimit::Weeks(1..=52) | PlacementLimit::Months(1..=12) => {}
            _ => {
                return Err(RecordError::rule(
                    "max_placement",
                    Refusal::MaxPlacementRange,
                ))
            }
        }
        for round in &self.intake_rounds {
            if round.ends_on < round.starts_on {
                return Err(RecordError::rule(
                    "intake_rounds",
                    Refusal::IntakeRoundEndsBeforeStart,
                ));
            }
        }
        Ok(())
    }
}

/// A member of the programme's staff (project leader, case manager, employment officer) and
/// how participants and workplaces reach them. The id is the user's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub name: ShortText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Shown to participants and workplaces, e.g. "Coach" or "Arbetsförmedlingen".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<ShortText>,
}

impl Staff {
    pub fn contact(&self) -> Contact {
        Contact {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn placement_limits_count_whole_weeks_and_calendar_months() {
        assert_eq!(
            PlacementLimit::Weeks(4).last_day(date("2026-04-20")),
            date("2026-05-17")
        );
        assert_eq!(
            PlacementLimit::Months(6).last_day(date("2026-08-31")),
            date("2027-02-27")
        );
    }
}
