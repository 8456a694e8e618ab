//! What the login page shows in demo mode: one ready-made account per role.

use crate::domain::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoLogin {
    pub role: Role,
    pub username: String,
    pub password: String,
}

/// Provided as context by the server when it runs in demo mode; empty otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoLogins(pub Vec<DemoLogin>);
pub const DEMO_PASSWORD: &str = "demo-lotsa-2026";
