//! Workplaces that take participants, and the supervisors there.

use super::values::{day, Address, Contact, Email, PhoneNumber, ShortText};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkplaceType {
    CareHome,
    HomeCare,
    HomeHealthCare,
    DisabilityCare,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Workplace {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub name: ShortText,
    #[serde(rename = "type")]
    pub workplace_type: WorkplaceType,
    pub address: Address,
    pub municipality: ShortText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_manager: Option<Contact>,
}

/// An experienced care worker who guides participants at a workplace. `user_id` is set
/// once they have accepted an invite and can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Supervisor {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub workplace_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    pub first_name: ShortText,
    pub last_name: ShortText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// The day they completed the programme's supervisor training, if they have.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub trained_on: Option<NaiveDate>,
    /// The last day an invite to sign in works while unused. Kept by the server.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "day::optional"
    )]
    pub invited_until: Option<NaiveDate>,
}
