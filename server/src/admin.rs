//! Administrative tasks for the command line, where no one is signed in: the first
//! programme of an installation and its leader. Membership of a programme is otherwise
//! granted only by one of its leaders (see `lotsa_core::access::Viewer::with_links_of`).

use crate::db::Database;
use anyhow::{bail, Context};
use chrono::Utc;
use lotsa_core::domain::{Kind, Record, Role, Username};
use serde_json::json;
use uuid::Uuid;

/// Stores a programme (its record as JSON, checked as any record is) with a staff card that
/// makes `leader` its project leader. Returns the programme's id.
#[tracing::instrument(skip_all)]
pub async fn create_programme(
    db: &dyn Database,
    programme: serde_json::Value,
    leader: &Username,
) -> anyhow::Result<Uuid> {
    let programme = Record::parse(Kind::Programme, programme)
        .context("the programme file is not a valid programme")?;
    let credentials = db
        .credentials(leader)
        .await?
        .with_context(|| format!("there is no user {leader}; create them first"))?;
    let user = db
        .user(&credentials.user_id)
        .await?
        .with_context(|| format!("there is no user {leader}"))?;
    if !user.roles.contains(&Role::ProjectLeader) {
        bail!("{leader} is not a project leader; create them with --role project_leader");
    }
    if db.record(Kind::Programme, programme.id()).await?.is_some() {
        bail!("a programme with the id {} exists already", programme.id());
    }
    let user_id: Uuid = user.id.parse().context("a stored user id is not a UUID")?;
    if db.record(Kind::Staff, user_id).await?.is_some() {
        bail!("{leader} already works for a programme");
    }
    let card = Record::parse(
        Kind::Staff,
        json!({ "id": user_id, "programme_id": programme.id(), "name": user.display_name,
            "title": "Projektledare" }),
    )
    .context("the leader's staff card")?;
    let id = programme.id();
    db.import(&[], &[programme, card], Utc::now()).await?;
    Ok(id)
}
