//! The programme's records, their links, the access log and invites: one set of SQL for both
//! backends, implemented for each pool type by a macro (as in `accounts.rs`).
//!
//! Every decision (may this user write this? is this valid?) is made by the pure modules in
//! `app` ([`lotsa_core::access`], [`lotsa_core::change`]); this module only loads what they need and
//! stores what they allow, one transaction per change.

use chrono::{DateTime, NaiveDate, Utc};
use lotsa_core::access::{Selection, Viewer};
use lotsa_core::change::Change;
use lotsa_core::domain::{Entity, Kind, Link, Record, Role};
pub use lotsa_core::sync::engine::{
    Committed, MutationRef, StoredRecord, SyncClient, WriteOutcome,
};
use lotsa_core::sync::scopes::Scope;
use lotsa_core::sync::server::Refused;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DbError;

/// Who is making a change or reading, and from where (for the access log).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
    pub address: Option<String>,
}

/// What asking for the right to sync a device found.
#[derive(Debug)]
pub enum Leased {
    /// The lease is the asking request's; what the server remembers of the device.
    Taken(SyncClient),
    /// Another request holds an unexpired lease on the device.
    Busy,
    /// The device belongs to another user; nothing was taken.
    AnotherUser,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessAction {
    Read,
    Create,
    Update,
    Delete,
    Invite,
}

impl AccessAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::Read => "read",
            AccessAction::Create => "create",
            AccessAction::Update => "update",
            AccessAction::Delete => "delete",
            AccessAction::Invite => "invite",
        }
    }

    fn parse(raw: &str) -> Self {
        match raw {
            "create" => AccessAction::Create,
            "update" => AccessAction::Update,
            "delete" => AccessAction::Delete,
            "invite" => AccessAction::Invite,
            _ => AccessAction::Read,
        }
    }
}

/// One line of the access log: ids and codes only, never free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    pub at: DateTime<Utc>,
    pub user_id: String,
    pub participant_id: Option<String>,
    pub action: AccessAction,
    pub kind: String,
    pub record_id: Option<String>,
    pub address: Option<String>,
}

/// A search of the access log; every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AccessQuery {
    pub participant_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
}

/// An invite as stored.
#[derive(Debug, Clone)]
pub struct Invite {
    pub role: Role,
    pub subject: Entity,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
    /// Another invite for the same person was accepted first.
    pub revoked: bool,
}

/// Why an invite cannot be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteProblem {
    Unknown,
    Expired,
    Used,
    /// The person already has an account (through another invite).
    Revoked,
    UsernameTaken,
}

/// What a selection is narrowed to, through an indexed column, so that one participant's file
/// or the list of participants does not read the caller's whole selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Narrow {
    /// Everything the selection holds.
    All,
    /// One kind of record (the primary key begins with the kind).
    Kind(Kind),
    /// One participant's records, the participant's own record included.
    Participant(Uuid),
}

impl Narrow {
    /// The condition (on `$3`) and its value, if the selection is narrowed.
    pub(super) fn clause(self) -> Option<(&'static str, String)> {
        match self {
            Narrow::All => None,
            Narrow::Kind(kind) => Some((" AND kind = $3", kind.as_str().to_owned())),
            Narrow::Participant(id) => Some((" AND participant_id = $3", id.to_string())),
        }
    }
}

/// Stores a record as `$1`–`$10`: kind, id, programme, scope, participant, version, deleted,
/// data, when, by whom.
pub(super) const RECORD_UPSERT: &str =
    "INSERT INTO records (kind, id, programme_id, scope, participant_id, version, deleted, data, \
     updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (kind, id) DO UPDATE SET programme_id = excluded.programme_id, \
     scope = excluded.scope, participant_id = excluded.participant_id, \
     version = excluded.version, deleted = excluded.deleted, data = excluded.data, \
     updated_at = excluded.updated_at, updated_by = excluded.updated_by";

/// The history row of what [`RECORD_UPSERT`] stores, from the same values (one statement
/// with it, on PostgreSQL).
pub(super) const HISTORY_OF_UPSERT: &str =
    "INSERT INTO record_history (kind, id, version, deleted, data, changed_at, changed_by) \
     VALUES ($1, $2, $6, $7, $8, $9, $10)";

/// A row of a write's read: a record's columns and who wrote it (all missing when no
/// record matched), and the actor's links aggregated.
pub(super) type WriteReadRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What a write reads before it plans (see `read_for_write`).
#[derive(Debug, Default)]
pub(super) struct WriteReads {
    /// The record the change is to, deleted or not, and who wrote its current version.
    pub existing: Option<(StoredRecord, Option<Uuid>)>,
    /// A journal record's participant, live.
    pub participant: Option<Record>,
    /// The programme the change belongs to, live.
    pub programme: Option<Record>,
    /// The actor's links and those of the records the actor is.
    pub links: Vec<Link>,
}

impl WriteReads {
    pub(super) fn from_rows(rows: Vec<WriteReadRow>, change: &Change) -> Result<Self, DbError> {
        let mut reads = WriteReads {
            links: parse_links(rows.first().and_then(|row| row.8.as_deref()))?,
            ..WriteReads::default()
        };
        for (kind, id, programme, scope, version, deleted, data, author, _) in rows {
            let (Some(kind), Some(id), Some(programme), Some(scope), Some(version)) =
                (kind, id, programme, scope, version)
            else {
                continue;
            };
            let row = (
                kind,
                id,
                programme,
                scope,
                version,
                deleted.unwrap_or_default(),
                data.unwrap_or_default(),
            );
            let stored = stored(&row)?;
            if stored.kind == change.kind() && stored.id == change.id() {
                let author = author.and_then(|author| author.parse().ok());
                reads.existing = Some((stored.clone(), author));
            }
            // What else matched is context for a save only (a deletion reads none).
            if !matches!(change, Change::Save(_)) {
                continue;
            }
            match (stored.kind, stored.record) {
                (Kind::Participant, Some(record)) if change.kind() != Kind::Participant => {
                    reads.participant = Some(record)
                }
                (Kind::Programme, Some(record)) => reads.programme = Some(record),
                _ => {}
            }
        }
        Ok(reads)
    }
}

/// The columns [`stored`] reads, in the order [`RECORD_COLUMNS`] names them.
pub(super) type RecordRow = (String, String, String, String, i64, bool, String);
pub(super) const RECORD_COLUMNS: &str = "kind, id, programme_id, scope, version, deleted, data";
/// The counter's value beside a record's columns, which are missing when no record joins it,
/// and the user's replaced changes.
pub(super) type CommittedRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<bool>,
    Option<String>,
    Option<String>,
);

/// A user's replaced changes as `committed_after` reads them: `kind id replaced_version
/// version` items, oldest first.
pub(super) fn parse_notices(raw: Option<&str>) -> Result<Vec<lotsa_core::sync::Replaced>, DbError> {
    let mut notices = parse_aggregated(raw, "sync notice", |[kind, id, replaced, version]| {
        Some(lotsa_core::sync::Replaced {
            kind: kind.to_owned(),
            id: id.to_owned(),
            replaced_version: replaced.parse().ok()?,
            version: version.parse().ok()?,
        })
    })?;
    notices.sort_by_key(|notice| notice.version);
    Ok(notices)
}

/// The items of a string a query aggregated with `GROUP_CONCAT` (`string_agg`): separated by
/// commas, each of `N` fields separated by spaces, none for NULL; `what` names an item
/// `parse` cannot read in the error.
fn parse_aggregated<'a, const N: usize, T>(
    raw: Option<&'a str>,
    what: &str,
    parse: impl Fn([&'a str; N]) -> Option<T>,
) -> Result<Vec<T>, DbError> {
    raw.into_iter()
        .flat_map(|raw| raw.split(','))
        .map(|item| {
            let fields: Vec<&str> = item.split(' ').collect();
            <[&str; N]>::try_from(fields)
                .ok()
                .and_then(&parse)
                .ok_or_else(|| DbError::Corrupt(format!("{what} {item}")))
        })
        .collect()
}

pub(super) fn stored(
    (kind, id, programme_id, scope, version, deleted, data): &RecordRow,
) -> Result<StoredRecord, DbError> {
    let corrupt = |what: String| DbError::Corrupt(format!("{kind} {id}: {what}"));
    let kind: Kind = kind.parse().map_err(|error| corrupt(format!("{error}")))?;
    let record = if *deleted {
        None
    } else {
        let json = serde_json::from_str(data).map_err(|error| corrupt(error.to_string()))?;
        Some(Record::read_stored(kind, json).map_err(|error| corrupt(error.to_string()))?)
    };
    Ok(StoredRecord {
        kind,
        id: id.parse().map_err(|_| corrupt("bad id".into()))?,
        programme_id: programme_id
            .parse()
            .map_err(|_| corrupt("bad programme id".into()))?,
        scope: scope.parse().map_err(|_| corrupt("bad scope".into()))?,
        version: *version,
        record,
    })
}

/// Access-log entries written by one statement (seven values each): far below both
/// backends' limits on bound values.
pub(super) const ACCESS_PER_STATEMENT: usize = 500;

/// Scopes written by one statement: far below both backends' limits on bound values.
pub(super) const SCOPES_PER_STATEMENT: usize = 300;

/// A device's scopes as `lease_client` reads them: `scope since dropped_at` items (`-` for
/// none), or nothing for a device with none.
pub(super) fn parse_scope_rows(
    raw: Option<&str>,
) -> Result<std::collections::BTreeMap<Scope, lotsa_core::sync::scopes::ScopeRow>, DbError> {
    let rows = parse_aggregated(raw, "sync scope", |[scope, since, dropped_at]| {
        let dropped_at = match dropped_at {
            "-" => None,
            at => Some(at.parse().ok()?),
        };
        let row = lotsa_core::sync::scopes::ScopeRow {
            since: since.parse().ok()?,
            dropped_at,
        };
        Some((scope.parse().ok()?, row))
    })?;
    Ok(rows.into_iter().collect())
}

/// A user's links as [`viewer_links_aggregated`] reads them: `principal link target from
/// until` items (`-` for an open end).
pub(super) fn parse_links(raw: Option<&str>) -> Result<Vec<Link>, DbError> {
    let date = |raw: &str| match raw {
        "-" => Some(None),
        day => day.parse().ok().map(Some),
    };
    let rows = parse_aggregated(raw, "link", |[principal, link, target, from, until]| {
        Some((
            principal.to_owned(),
            link.to_owned(),
            target.to_owned(),
            date(from)?,
            date(until)?,
        ))
    })?;
    rows.into_iter().map(link_from_row).collect()
}

/// Every link of the user named by the placeholder `user` and of the records the user is
/// (their `myself` links), as one string for [`parse_links`], given the aggregate that joins
/// strings (`GROUP_CONCAT`).
pub(super) fn viewer_links_aggregated(group_concat: &str, user: &str) -> String {
    format!(
        "SELECT {group_concat}(l.principal || ' ' || l.link || ' ' || l.target || ' ' \
         || COALESCE(CAST(l.valid_from AS TEXT), '-') || ' ' \
         || COALESCE(CAST(l.valid_until AS TEXT), '-'), ',') FROM links l \
         WHERE l.principal = {user} OR l.principal IN \
         (SELECT m.target FROM links m WHERE m.principal = {user} AND m.link = 'myself')"
    )
}

/// Every link of one principal, as [`link_from_row`] reads them.
pub(super) const LINKS_OF: &str =
    "SELECT principal, link, target, valid_from, valid_until FROM links WHERE principal = $1";

pub(super) fn link_from_row(
    (principal, link, target, from, until): (
        String,
        String,
        String,
        Option<NaiveDate>,
        Option<NaiveDate>,
    ),
) -> Result<Link, DbError> {
    let corrupt = || DbError::Corrupt(format!("link {principal} {link} {target}"));
    Ok(Link {
        principal: principal.parse().map_err(|_| corrupt())?,
        kind: link.parse().map_err(|_| corrupt())?,
        target: target.parse().map_err(|_| corrupt())?,
        from,
        until,
    })
}

/// An access-log row: at, user, participant, action, kind, record, address.
pub(super) type AccessRow = (
    DateTime<Utc>,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

pub(super) fn access_entry_from_row(
    (at, user_id, participant_id, action, kind, record_id, address): AccessRow,
) -> AccessEntry {
    AccessEntry {
        at,
        user_id,
        participant_id,
        action: AccessAction::parse(&action),
        kind,
        record_id,
        address,
    }
}

/// `($first, $first+1, …)` for an `IN` list of `count` values.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    let list: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    format!("({})", list.join(", "))
}

/// The `WHERE` clause for a [`Selection`], with its values in bind order, numbered from
/// `first`.
pub(super) fn selection_clause(selection: &Selection, first: usize) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut next = first;
    let mut push_list = |items: Vec<String>, values: &mut Vec<String>| {
        let list = placeholders(next, items.len());
        next += items.len();
        values.extend(items);
        list
    };
    if !selection.scopes.is_empty() {
        let scopes = selection.scopes.iter().map(Entity::to_string).collect();
        clauses.push(format!("scope IN {}", push_list(scopes, &mut values)));
    }
    if !selection.whole_programmes.is_empty() {
        let ids = selection
            .whole_programmes
            .iter()
            .map(Uuid::to_string)
            .collect();
        clauses.push(format!("programme_id IN {}", push_list(ids, &mut values)));
    }
    for (programmes, kinds) in [
        (&selection.staff_programmes, Selection::STAFF_KINDS),
        (&selection.member_programmes, Selection::MEMBER_KINDS),
    ] {
        if programmes.is_empty() {
            continue;
        }
        let ids = programmes.iter().map(Uuid::to_string).collect();
        let programme_list = push_list(ids, &mut values);
        let kind_names = kinds.iter().map(|kind| kind.as_str().to_owned()).collect();
        let kind_list = push_list(kind_names, &mut values);
        clauses.push(format!(
            "(programme_id IN {programme_list} AND kind IN {kind_list})"
        ));
    }
    if clauses.is_empty() {
        ("1 = 0".to_owned(), values)
    } else {
        (format!("({})", clauses.join(" OR ")), values)
    }
}

/// The operations on records, links, the access log and invites.
#[async_trait::async_trait]
pub trait RecordStore: Send + Sync {
    /// The user as the permission module sees them on `today`.
    async fn viewer(
        &self,
        user_id: Uuid,
        roles: &[Role],
        today: NaiveDate,
    ) -> Result<Viewer, DbError>;

    /// A record that exists (not deleted).
    async fn record(&self, kind: Kind, id: Uuid) -> Result<Option<StoredRecord>, DbError>;

    /// The records a selection could show, deleted ones included, narrowed by `narrow`,
    /// with a version above `after`, oldest first, at most `limit`.
    async fn select_records(
        &self,
        selection: &Selection,
        narrow: Narrow,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredRecord>, DbError>;

    /// Applies one change in its own transaction: permission, validation, the record, its
    /// history, its links and the access-log entry, or nothing at all.
    /// A sync mutation (`mutation`) is applied at most once per client: the client's
    /// last processed mutation id moves in the same transaction.
    async fn write(
        &self,
        actor: &Actor,
        change: Change,
        mutation: Option<MutationRef>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<WriteOutcome, DbError> {
        Ok(self
            .write_seen(actor, change, mutation, today, now)
            .await?
            .0)
    }

    /// [`RecordStore::write`], also giving the actor as the permission rules saw them, when
    /// the write left them so (it changed no links): a sync reads them once per request.
    async fn write_seen(
        &self,
        actor: &Actor,
        change: Change,
        mutation: Option<MutationRef>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(WriteOutcome, Option<Viewer>), DbError>;

    /// Takes the right to sync a device until `until`, under `token`, registering the device
    /// for `user_id` if it is new, and reads what the server remembers of it: one statement,
    /// so two requests (in this server process or another) never both hold a device.
    async fn lease_client(
        &self,
        client_id: Uuid,
        user_id: Uuid,
        token: Uuid,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Leased, DbError>;

    /// Gives back a lease taken with `token` (a lease another request took after this one
    /// expired stays).
    async fn release_client(&self, client_id: Uuid, token: Uuid) -> Result<(), DbError>;

    /// Marks a refused mutation as processed and keeps why, in one transaction.
    async fn reject_mutation(
        &self,
        mutation: MutationRef,
        refused: &Refused,
    ) -> Result<(), DbError>;

    /// Why an already processed mutation was refused, if it was.
    async fn rejection(&self, mutation: MutationRef) -> Result<Option<Refused>, DbError>;

    /// Remembers what a response told a device (its scopes, the day of its limited views),
    /// logs `reads` (what it was sent) and gives back the lease taken with `token`; nothing,
    /// and [`DbError::LeaseLost`], if another request holds the device now.
    async fn update_client(
        &self,
        client_id: Uuid,
        sent: &lotsa_core::sync::engine::Sent,
        token: Uuid,
        reads: &[AccessEntry],
    ) -> Result<(), DbError>;

    /// What is committed past `after` for `user_id`'s sync: the newest version, the records
    /// the selection could show (at most `limit`) and the user's replaced changes, in one
    /// statement, so all come from one snapshot.
    async fn committed_after(
        &self,
        selection: &Selection,
        user_id: Uuid,
        after: i64,
        limit: i64,
    ) -> Result<Committed, DbError>;

    /// Draws a new version that no record has, once every write before it has committed:
    /// the cursor of a response that changes what a device holds.
    async fn new_cursor(&self) -> Result<i64, DbError>;

    /// Changes of `user_id`'s that another user's change replaced, with the replacing
    /// version in `(after, up_to]`.
    async fn replaced_changes(
        &self,
        user_id: Uuid,
        after: i64,
        up_to: i64,
    ) -> Result<Vec<lotsa_core::sync::Replaced>, DbError>;

    /// Every record, live or deleted, in one of these sync scopes.
    async fn records_in_scopes(&self, scopes: &[Scope]) -> Result<Vec<StoredRecord>, DbError>;

    async fn log_access(&self, entries: &[AccessEntry]) -> Result<(), DbError>;

    /// Newest first.
    /// The access log of the participants of `programmes` (none: nothing).
    async fn search_access_log(
        &self,
        query: &AccessQuery,
        programmes: &[Uuid],
    ) -> Result<Vec<AccessEntry>, DbError>;

    async fn create_invite(
        &self,
        code_hash: &str,
        role: Role,
        subject: Entity,
        actor: &Actor,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), DbError>;

    async fn invite(&self, code_hash: &str) -> Result<Option<Invite>, DbError>;

    /// Creates the invited person's account and ties it to their participant or supervisor
    /// record, once: the invite is marked used in the same transaction.
    async fn accept_invite(
        &self,
        code_hash: &str,
        user: &super::NewUser,
        now: DateTime<Utc>,
    ) -> Result<Result<String, InviteProblem>, DbError>;

    /// Whether any record exists (a new installation has none).
    async fn has_records(&self) -> Result<bool, DbError>;

    /// Every link whose principal is `principal` (a supervisor's placements, say).
    async fn links_of(&self, principal: Entity) -> Result<Vec<Link>, DbError>;

    /// Stores a generated programme with its users in one transaction, bypassing the
    /// permission checks (this is the installer speaking, not a user).
    async fn import(
        &self,
        users: &[(Uuid, super::NewUser)],
        records: &[Record],
        now: DateTime<Utc>,
    ) -> Result<(), DbError>;

    /// [`RecordStore::import`], but only into a database without records: false, and nothing
    /// stored, when it has some. Servers starting together on one database store it once:
    /// the check and the import are one transaction that first locks the version counter.
    async fn import_into_empty(
        &self,
        users: &[(Uuid, super::NewUser)],
        records: &[Record],
        now: DateTime<Utc>,
    ) -> Result<bool, DbError>;
}

/// Implements [`RecordStore`] for a backend struct with a `pool` field; `$conn` is its
/// connection type.
macro_rules! impl_record_store {
    ($backend:ty, $conn:ty) => {
        impl $backend {
            async fn next_version(conn: &mut $conn) -> Result<i64, sqlx::Error> {
                sqlx::query_scalar(
                    "UPDATE version_counter SET value = value + 1 WHERE id = 1 RETURNING value",
                )
                .fetch_one(conn)
                .await
            }

            /// A subquery giving the scopes of the device `$1` as one string of
            /// `scope since dropped_at` items (`-` for none), or NULL for none.
            fn scopes_of_client() -> String {
                format!(
                    "SELECT {}(s.scope || ' ' || s.since || ' ' \
                     || COALESCE(CAST(s.dropped_at AS TEXT), '-'), ',') \
                     FROM sync_client_scopes s WHERE s.client_id = $1",
                    Self::GROUP_CONCAT
                )
            }

            /// A record as stored (deleted ones too).
            async fn load_record(
                conn: &mut $conn,
                kind: &str,
                id: &str,
            ) -> Result<Option<$crate::db::records::StoredRecord>, $crate::db::DbError> {
                let sql = format!(
                    "SELECT {} FROM records WHERE kind = $1 AND id = $2",
                    $crate::db::records::RECORD_COLUMNS
                );
                let row: Option<$crate::db::records::RecordRow> = sqlx::query_as(&sql)
                    .bind(kind)
                    .bind(id)
                    .fetch_optional(conn)
                    .await?;
                row.as_ref().map($crate::db::records::stored).transpose()
            }

            /// Whether the participant attested the month `day` is in, and it was not reopened.
            async fn month_attested(
                conn: &mut $conn,
                participant: uuid::Uuid,
                day: chrono::NaiveDate,
            ) -> Result<bool, $crate::db::DbError> {
                let month = lotsa_core::report::Month::of(day).to_string();
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM attendance_attestations \
                     WHERE participant_id = $1 AND month = $2 AND reopened_at IS NULL",
                )
                .bind(participant.to_string())
                .bind(month)
                .fetch_one(&mut *conn)
                .await?;
                Ok(open > 0)
            }

            async fn live_record(
                conn: &mut $conn,
                kind: lotsa_core::domain::Kind,
                id: uuid::Uuid,
            ) -> Result<Option<lotsa_core::domain::Record>, $crate::db::DbError> {
                Ok(Self::load_record(conn, kind.as_str(), &id.to_string())
                    .await?
                    .and_then(|stored| stored.record))
            }

            /// Changes the invited participant's or supervisor's record as version `version`;
            /// false if there is no such live record or `change` left it as it was.
            async fn change_invitee(
                conn: &mut $conn,
                subject: lotsa_core::domain::Entity,
                version: i64,
                user: &str,
                now: chrono::DateTime<chrono::Utc>,
                change: impl FnOnce(&mut lotsa_core::domain::Record) -> bool,
            ) -> Result<bool, $crate::db::DbError> {
                use lotsa_core::domain::{Entity, Kind};
                let (kind, id) = match subject {
                    Entity::Participant(id) => (Kind::Participant, id),
                    Entity::Supervisor(id) => (Kind::Supervisor, id),
                    _ => return Ok(false),
                };
                let Some(stored) = Self::load_record(conn, kind.as_str(), &id.to_string()).await?
                else {
                    return Ok(false);
                };
                let Some(mut record) = stored.record else {
                    return Ok(false);
                };
                if !change(&mut record) {
                    return Ok(false);
                }
                let planned = lotsa_core::change::Planned {
                    kind,
                    id,
                    programme_id: stored.programme_id,
                    scope: record.scope(),
                    participant_id: record.participant_id(),
                    created: false,
                    record: Some(record),
                };
                Self::store(conn, &planned, true, version, user, now, None).await?;
                Ok(true)
            }

            async fn roles_of(
                conn: &mut $conn,
                user_id: uuid::Uuid,
            ) -> Result<Vec<lotsa_core::domain::Role>, $crate::db::DbError> {
                let names: Vec<String> =
                    sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
                        .bind(user_id.to_string())
                        .fetch_all(conn)
                        .await?;
                Ok($crate::db::accounts::parse_roles(names))
            }

            async fn load_viewer(
                conn: &mut $conn,
                user_id: uuid::Uuid,
                roles: &[lotsa_core::domain::Role],
                today: chrono::NaiveDate,
            ) -> Result<lotsa_core::access::Viewer, $crate::db::DbError> {
                // The user's links and those of the records the user is, in one round trip:
                // `Viewer::new` keeps only the principals valid today.
                let me = lotsa_core::domain::Entity::User(user_id).to_string();
                let sql = format!(
                    "SELECT ({})",
                    $crate::db::records::viewer_links_aggregated(Self::GROUP_CONCAT, "$1")
                );
                let links: Option<String> = sqlx::query_scalar(&sql)
                    .bind(&me)
                    .fetch_one(&mut *conn)
                    .await?;
                let links = $crate::db::records::parse_links(links.as_deref())?;
                Ok(lotsa_core::access::Viewer::new(
                    user_id,
                    roles.iter().copied(),
                    &links,
                    today,
                ))
            }

            /// What a write reads before it plans, in one statement: the record it changes
            /// (deleted too, with who wrote its current version), the records it refers to
            /// that [`Self::change_context`] needs most (a journal record's participant and
            /// that participant's programme, or another record's own programme), and the
            /// actor's links. Read after the version counter is taken, so that it sees every
            /// write before this one.
            async fn read_for_write(
                conn: &mut $conn,
                change: &lotsa_core::change::Change,
                user_id: uuid::Uuid,
            ) -> Result<$crate::db::records::WriteReads, $crate::db::DbError> {
                use lotsa_core::domain::Kind;
                let (participant, programme) = match change {
                    lotsa_core::change::Change::Save(record) => match record.participant_id() {
                        Some(participant) if record.kind() != Kind::Participant => {
                            (Some(participant), None)
                        }
                        _ => (None, record.own_programme_id()),
                    },
                    lotsa_core::change::Change::Delete { .. } => (None, None),
                };
                // One row with no record when nothing matches, so the links always come.
                let sql = format!(
                    "SELECT r.kind, r.id, r.programme_id, r.scope, r.version, r.deleted, r.data, \
                     r.updated_by, ({}) FROM (SELECT 1 AS one) o LEFT JOIN records r \
                     ON (r.kind = $1 AND r.id = $2) \
                     OR (r.kind = 'participant' AND r.id = $3) \
                     OR (r.kind = 'programme' AND (r.id = $4 OR r.id = (SELECT p.programme_id \
                     FROM records p WHERE p.kind = 'participant' AND p.id = $3)))",
                    $crate::db::records::viewer_links_aggregated(Self::GROUP_CONCAT, "$5")
                );
                let kind = change.kind().as_str();
                let id = change.id().to_string();
                let rows: Vec<$crate::db::records::WriteReadRow> = sqlx::query_as(&sql)
                    .bind(kind)
                    .bind(&id)
                    .bind(participant.map(|id| id.to_string()))
                    .bind(programme.map(|id| id.to_string()))
                    .bind(lotsa_core::domain::Entity::User(user_id).to_string())
                    .fetch_all(&mut *conn)
                    .await?;
                $crate::db::records::WriteReads::from_rows(rows, change)
            }

            /// The records a change refers to, for [`lotsa_core::change::plan`]: those
            /// [`Self::read_for_write`] brought, and the rarer ones read here.
            async fn change_context(
                conn: &mut $conn,
                change: &lotsa_core::change::Change,
                reads: $crate::db::records::WriteReads,
            ) -> Result<lotsa_core::change::Context, $crate::db::DbError> {
                use lotsa_core::domain::{Kind, Record};
                let mut context = lotsa_core::change::Context {
                    participant: reads.participant,
                    programme: reads.programme,
                    ..Default::default()
                };
                if let Some((stored, _)) = reads.existing {
                    match stored.record {
                        Some(record) => context.existing = Some((record, stored.programme_id)),
                        None => context.deleted = Some((stored.scope, stored.programme_id)),
                    }
                }
                let lotsa_core::change::Change::Save(record) = change else {
                    if let Some((Record::Attendance(attendance), _)) = &context.existing {
                        context.month_attested =
                            Self::month_attested(conn, attendance.participant_id, attendance.day)
                                .await?;
                        context.placement =
                            Self::live_record(conn, Kind::Placement, attendance.placement_id)
                                .await?;
                    }
                    if change.kind() == Kind::Participant && context.existing.is_some() {
                        let count: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM records WHERE participant_id = $1 \
                             AND kind <> 'participant' AND NOT deleted",
                        )
                        .bind(change.id().to_string())
                        .fetch_one(&mut *conn)
                        .await?;
                        context.participant_records = usize::try_from(count).unwrap_or(usize::MAX);
                    }
                    return Ok(context);
                };
                match record.as_ref() {
                    Record::Participant(participant) => {
                        context.case_manager_roles =
                            Self::roles_of(conn, participant.case_manager_id).await?;
                        if let Some(officer) = participant.employment_officer_id {
                            context.employment_officer_roles = Self::roles_of(conn, officer).await?;
                        }
                    }
                    Record::Staff(staff) => {
                        context.staff_user_roles = Self::roles_of(conn, staff.id).await?;
                    }
                    Record::Supervisor(supervisor) => {
                        context.workplace =
                            Self::live_record(conn, Kind::Workplace, supervisor.workplace_id).await?;
                    }
                    Record::Placement(placement) => {
                        context.workplace =
                            Self::live_record(conn, Kind::Workplace, placement.workplace_id).await?;
                        context.supervisor =
                            Self::live_record(conn, Kind::Supervisor, placement.supervisor_id).await?;
                    }
                    Record::Attendance(attendance) => {
                        context.placement =
                            Self::live_record(conn, Kind::Placement, attendance.placement_id).await?;
                        context.month_attested =
                            Self::month_attested(conn, attendance.participant_id, attendance.day)
                                .await?;
                    }
                    _ => {}
                }
                Ok(context)
            }

            /// Takes the next version and, for a sync mutation, claims it for its device:
            /// `None` when the device's mutation was processed before. Taking the version
            /// first serialises writers, so versions become visible in the order they were
            /// given and no pull skips one. On PostgreSQL one statement does both.
            async fn claim_version(
                conn: &mut $conn,
                mutation: Option<$crate::db::records::MutationRef>,
            ) -> Result<Option<i64>, sqlx::Error> {
                let Some(mutation) = mutation else {
                    return Self::next_version(conn).await.map(Some);
                };
                let client = mutation.client_id.to_string();
                if Self::WRITING_CTES {
                    return sqlx::query_scalar(
                        "WITH claim AS (UPDATE sync_clients SET last_mutation_id = $1 \
                         WHERE client_id = $2 AND last_mutation_id < $1 RETURNING client_id) \
                         UPDATE version_counter SET value = value + 1 \
                         WHERE id = 1 AND EXISTS (SELECT 1 FROM claim) RETURNING value",
                    )
                    .bind(mutation.id)
                    .bind(&client)
                    .fetch_optional(conn)
                    .await;
                }
                let version = Self::next_version(&mut *conn).await?;
                let claimed = sqlx::query(
                    "UPDATE sync_clients SET last_mutation_id = $1 \
                     WHERE client_id = $2 AND last_mutation_id < $1",
                )
                .bind(mutation.id)
                .bind(&client)
                .execute(conn)
                .await?;
                Ok((claimed.rows_affected() == 1).then_some(version))
            }

            /// Stores a planned change: the row, its history, its links and, if `logged`
            /// gives its action and the actor's address, the change's access-log entry (for
            /// a participant's record). On PostgreSQL the row, its history and the entry are
            /// one statement.
            #[allow(clippy::too_many_arguments)]
            async fn store(
                conn: &mut $conn,
                planned: &lotsa_core::change::Planned,
                had_links: bool,
                version: i64,
                user: &str,
                now: chrono::DateTime<chrono::Utc>,
                logged: Option<($crate::db::records::AccessAction, Option<&str>)>,
            ) -> Result<(), $crate::db::DbError> {
                use $crate::db::records::{HISTORY_OF_UPSERT, RECORD_UPSERT};
                let participant = planned.participant_id.map(|id| id.to_string());
                let access = logged.filter(|_| participant.is_some());
                let kind = planned.kind.as_str();
                let id = planned.id.to_string();
                let data = planned
                    .record
                    .as_ref()
                    .map_or_else(|| "{}".to_owned(), |record| record.to_json().to_string());
                let deleted = planned.record.is_none();
                let sql = match (Self::WRITING_CTES, access) {
                    (false, _) => RECORD_UPSERT.to_owned(),
                    (true, None) => format!("WITH saved AS ({RECORD_UPSERT}) {HISTORY_OF_UPSERT}"),
                    (true, Some(_)) => format!(
                        "WITH saved AS ({RECORD_UPSERT}), history AS ({HISTORY_OF_UPSERT}) \
                         INSERT INTO access_log (at, user_id, participant_id, action, kind, \
                         record_id, address) VALUES ($9, $10, $11, $12, $1, $2, $13)"
                    ),
                };
                let mut query = sqlx::query(&sql)
                    .bind(kind)
                    .bind(&id)
                    .bind(planned.programme_id.to_string())
                    .bind(planned.scope.to_string())
                    .bind(&participant)
                    .bind(version)
                    .bind(deleted)
                    .bind(&data)
                    .bind(now)
                    .bind(user);
                if let (true, Some((action, address))) = (Self::WRITING_CTES, access) {
                    query = query
                        .bind(&participant)
                        .bind(action.as_str())
                        .bind(address);
                }
                query.execute(&mut *conn).await?;
                if !Self::WRITING_CTES {
                    sqlx::query(
                        "INSERT INTO record_history (kind, id, version, deleted, data, changed_at, \
                         changed_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(kind)
                    .bind(&id)
                    .bind(version)
                    .bind(deleted)
                    .bind(&data)
                    .bind(now)
                    .bind(user)
                    .execute(&mut *conn)
                    .await?;
                    if let Some((action, address)) = access {
                        let entry = $crate::db::records::AccessEntry {
                            at: now,
                            user_id: user.to_owned(),
                            participant_id: participant.clone(),
                            action,
                            kind: kind.to_owned(),
                            record_id: Some(id.clone()),
                            address: address.map(str::to_owned),
                        };
                        Self::insert_access(&mut *conn, std::slice::from_ref(&entry)).await?;
                    }
                }
                if had_links {
                    sqlx::query("DELETE FROM links WHERE source_kind = $1 AND source_id = $2")
                        .bind(kind)
                        .bind(&id)
                        .execute(&mut *conn)
                        .await?;
                }
                let links = planned.record.as_ref().map(|record| record.links()).unwrap_or_default();
                for link in links {
                    sqlx::query(
                        "INSERT INTO links (source_kind, source_id, principal, link, target, \
                         valid_from, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(kind)
                    .bind(&id)
                    .bind(link.principal.to_string())
                    .bind(link.kind.as_str())
                    .bind(link.target.to_string())
                    .bind(link.from)
                    .bind(link.until)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(())
            }

            /// Writes a device's scope changes where a statement cannot write in its `WITH`
            /// part: one statement per kind of change (and per 300 scopes), none for none.
            async fn save_scopes(
                conn: &mut $conn,
                client: &str,
                plan: &lotsa_core::sync::scopes::ScopePlan,
                cursor: i64,
            ) -> Result<(), sqlx::Error> {
                let upserts: Vec<(String, i64)> = plan
                    .gained
                    .iter()
                    .map(|scope| (scope.to_string(), cursor))
                    .chain(plan.adopted.iter().map(|scope| {
                        (scope.to_string(), lotsa_core::sync::scopes::CONFIRMED)
                    }))
                    .collect();
                for chunk in upserts.chunks($crate::db::records::SCOPES_PER_STATEMENT) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| format!("($1, ${}, ${}, NULL)", 2 + 2 * i, 3 + 2 * i))
                        .collect();
                    let sql = format!(
                        "INSERT INTO sync_client_scopes (client_id, scope, since, dropped_at) \
                         VALUES {} ON CONFLICT (client_id, scope) \
                         DO UPDATE SET since = excluded.since, dropped_at = NULL",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(client);
                    for (scope, since) in chunk {
                        query = query.bind(scope).bind(since);
                    }
                    query.execute(&mut *conn).await?;
                }
                let updates = [
                    ("dropped_at", cursor, &plan.lost),
                    ("since", lotsa_core::sync::scopes::CONFIRMED, &plan.confirmed),
                ];
                for (column, value, scopes) in updates {
                    for chunk in scopes.chunks($crate::db::records::SCOPES_PER_STATEMENT) {
                        let sql = format!(
                            "UPDATE sync_client_scopes SET {column} = $2 \
                             WHERE client_id = $1 AND scope IN {}",
                            $crate::db::records::placeholders(3, chunk.len())
                        );
                        let mut query = sqlx::query(&sql).bind(client).bind(value);
                        for scope in chunk {
                            query = query.bind(scope.to_string());
                        }
                        query.execute(&mut *conn).await?;
                    }
                }
                for chunk in plan.settled.chunks($crate::db::records::SCOPES_PER_STATEMENT) {
                    let sql = format!(
                        "DELETE FROM sync_client_scopes WHERE client_id = $1 AND scope IN {}",
                        $crate::db::records::placeholders(2, chunk.len())
                    );
                    let mut query = sqlx::query(&sql).bind(client);
                    for scope in chunk {
                        query = query.bind(scope.to_string());
                    }
                    query.execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// Appends to the access log: one statement per 500 entries (a sync pull logs
            /// one per participant sent), as every statement is a round trip.
            async fn insert_access(
                conn: &mut $conn,
                entries: &[$crate::db::records::AccessEntry],
            ) -> Result<(), sqlx::Error> {
                for chunk in entries.chunks($crate::db::records::ACCESS_PER_STATEMENT) {
                    let mut insert =
                        sqlx::QueryBuilder::<<$conn as sqlx::Connection>::Database>::new(
                            "INSERT INTO access_log (at, user_id, participant_id, action, kind, \
                             record_id, address) ",
                        );
                    insert.push_values(chunk, |mut row, entry| {
                        row.push_bind(entry.at)
                            .push_bind(&entry.user_id)
                            .push_bind(&entry.participant_id)
                            .push_bind(entry.action.as_str())
                            .push_bind(&entry.kind)
                            .push_bind(&entry.record_id)
                            .push_bind(&entry.address);
                    });
                    insert.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            async fn create_user_in(
                conn: &mut $conn,
                id: &str,
                user: &$crate::db::NewUser,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                let inserted = sqlx::query(
                    "INSERT INTO users (id, username, display_name, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(user.username.as_str())
                .bind(user.display_name.as_str())
                .bind(&user.password_hash)
                .bind(now)
                .execute(&mut *conn)
                .await;
                match inserted {
                    Err(error) if $crate::db::accounts::is_unique_violation(&error) => {
                        return Err($crate::db::DbError::UsernameTaken)
                    }
                    other => other?,
                };
                for role in &user.roles {
                    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                        .bind(id)
                        .bind(role.as_str())
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl $crate::db::records::RecordStore for $backend {
            async fn viewer(
                &self,
                user_id: uuid::Uuid,
                roles: &[lotsa_core::domain::Role],
                today: chrono::NaiveDate,
            ) -> Result<lotsa_core::access::Viewer, $crate::db::DbError> {
                let mut conn = self.pool.acquire().await?;
                Self::load_viewer(&mut conn, user_id, roles, today).await
            }

            async fn record(
                &self,
                kind: lotsa_core::domain::Kind,
                id: uuid::Uuid,
            ) -> Result<Option<$crate::db::records::StoredRecord>, $crate::db::DbError> {
                let mut conn = self.pool.acquire().await?;
                Ok(Self::load_record(&mut conn, kind.as_str(), &id.to_string())
                    .await?
                    .filter(|stored| stored.record.is_some()))
            }

            async fn select_records(
                &self,
                selection: &lotsa_core::access::Selection,
                narrow: $crate::db::records::Narrow,
                after: i64,
                limit: i64,
            ) -> Result<Vec<$crate::db::records::StoredRecord>, $crate::db::DbError> {
                let narrowed = narrow.clause();
                let first = if narrowed.is_some() { 4 } else { 3 };
                let (clause, values) = $crate::db::records::selection_clause(selection, first);
                let sql = format!(
                    "SELECT {} FROM records WHERE version > $1{} AND {clause} \
                     ORDER BY version LIMIT $2",
                    $crate::db::records::RECORD_COLUMNS,
                    narrowed.as_ref().map_or("", |(condition, _)| condition),
                );
                let mut query = sqlx::query_as::<_, $crate::db::records::RecordRow>(&sql)
                    .bind(after)
                    .bind(limit);
                if let Some((_, value)) = narrowed {
                    query = query.bind(value);
                }
                for value in values {
                    query = query.bind(value);
                }
                query
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map($crate::db::records::stored)
                    .collect()
            }

            async fn write_seen(
                &self,
                actor: &$crate::db::records::Actor,
                change: lotsa_core::change::Change,
                mutation: Option<$crate::db::records::MutationRef>,
                today: chrono::NaiveDate,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<
                ($crate::db::records::WriteOutcome, Option<lotsa_core::access::Viewer>),
                $crate::db::DbError,
            > {
                use $crate::db::records::{AccessAction, WriteOutcome};
                let mut tx = self.pool.begin().await?;
                let Some(version) = Self::claim_version(&mut tx, mutation).await? else {
                    return Ok((WriteOutcome::Duplicate, None));
                };
                let reads = Self::read_for_write(&mut tx, &change, actor.user_id).await?;
                let viewer = lotsa_core::access::Viewer::new(
                    actor.user_id,
                    actor.roles.iter().copied(),
                    &reads.links,
                    today,
                );
                let current = reads
                    .existing
                    .as_ref()
                    .and_then(|(stored, author)| Some((stored.version, (*author)?)));
                let replaced = mutation.and_then(|mutation| {
                    lotsa_core::sync::server::replaced_author(
                        mutation.base_version,
                        current,
                        actor.user_id,
                    )
                    .zip(current.map(|(version, _)| version))
                });
                let had_links = reads.existing.as_ref().is_some_and(|(stored, _)| {
                    stored.record.as_ref().is_some_and(|record| !record.links().is_empty())
                });
                let context = Self::change_context(&mut tx, &change, reads).await?;
                let planned = match lotsa_core::change::plan(&viewer, change, &context, today) {
                    Ok(planned) => planned,
                    Err(rejection) => return Ok((WriteOutcome::Rejected(rejection), Some(viewer))),
                };
                let changes_links = had_links
                    || planned
                        .record
                        .as_ref()
                        .is_some_and(|record| !record.links().is_empty());
                let action = match (&planned.record, planned.created) {
                    (None, _) => AccessAction::Delete,
                    (Some(_), true) => AccessAction::Create,
                    (Some(_), false) => AccessAction::Update,
                };
                let user = actor.user_id.to_string();
                let logged = Some((action, actor.address.as_deref()));
                Self::store(&mut tx, &planned, had_links, version, &user, now, logged).await?;
                if let Some((author, replaced_version)) = replaced {
                    sqlx::query(
                        "INSERT INTO sync_notices (user_id, version, kind, record_id, \
                         replaced_version) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(author.to_string())
                    .bind(version)
                    .bind(planned.kind.as_str())
                    .bind(planned.id.to_string())
                    .bind(replaced_version)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok((WriteOutcome::Applied { version }, (!changes_links).then_some(viewer)))
            }

            async fn log_access(
                &self,
                entries: &[$crate::db::records::AccessEntry],
            ) -> Result<(), $crate::db::DbError> {
                let mut conn = self.pool.acquire().await?;
                Self::insert_access(&mut conn, entries).await?;
                Ok(())
            }

            async fn search_access_log(
                &self,
                query: &$crate::db::records::AccessQuery,
                programmes: &[uuid::Uuid],
            ) -> Result<Vec<$crate::db::records::AccessEntry>, $crate::db::DbError> {
                if programmes.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT at, user_id, participant_id, action, kind, record_id, address \
                     FROM access_log \
                     WHERE participant_id IN (SELECT id FROM records WHERE kind = 'participant' \
                     AND programme_id IN {}) \
                     AND ($1 IS NULL OR participant_id = $1) AND ($2 IS NULL OR user_id = $2) \
                     AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4) \
                     ORDER BY id DESC LIMIT $5",
                    $crate::db::records::placeholders(6, programmes.len())
                );
                let mut search = sqlx::query_as(&sql)
                    .bind(query.participant_id.map(|id| id.to_string()))
                    .bind(query.user_id.map(|id| id.to_string()))
                    .bind(query.from)
                    .bind(query.to)
                    .bind(query.limit.unwrap_or(500).clamp(1, 5000));
                for programme in programmes {
                    search = search.bind(programme.to_string());
                }
                Ok(search
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::db::records::access_entry_from_row)
                    .collect())
            }

            async fn create_invite(
                &self,
                code_hash: &str,
                role: lotsa_core::domain::Role,
                subject: lotsa_core::domain::Entity,
                actor: &$crate::db::records::Actor,
                now: chrono::DateTime<chrono::Utc>,
                expires_at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                use $crate::db::records::{AccessAction, AccessEntry};
                let (subject_kind, subject_id) = match subject {
                    lotsa_core::domain::Entity::Participant(id) => ("participant", id),
                    lotsa_core::domain::Entity::Supervisor(id) => ("supervisor", id),
                    other => {
                        return Err($crate::db::DbError::Corrupt(format!(
                            "cannot invite {other}"
                        )))
                    }
                };
                let mut tx = self.pool.begin().await?;
                // The next version first: it serialises this with accepting an invite, so
                // the record's `user_id` read below is the latest.
                let version = Self::next_version(&mut tx).await?;
                sqlx::query(
                    "INSERT INTO invites (code_hash, role, subject_kind, subject_id, created_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(code_hash)
                .bind(role.as_str())
                .bind(subject_kind)
                .bind(subject_id.to_string())
                .bind(actor.user_id.to_string())
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                // The record says until when an invite is open, so the case manager's
                // devices learn it by sync (and show it while it goes unused).
                // `user_id` is checked again in this transaction: an earlier invite accepted
                // meanwhile leaves nothing to wait for.
                let until = lotsa_core::domain::stockholm_day(expires_at);
                Self::change_invitee(
                    &mut tx,
                    subject,
                    version,
                    &actor.user_id.to_string(),
                    now,
                    |record| match record {
                        lotsa_core::domain::Record::Participant(p) if p.user_id.is_none() => {
                            p.invited_until = Some(until);
                            true
                        }
                        lotsa_core::domain::Record::Supervisor(s) if s.user_id.is_none() => {
                            s.invited_until = Some(until);
                            true
                        }
                        _ => false,
                    },
                )
                .await?;
                if subject_kind == "participant" {
                    let entry = AccessEntry {
                        at: now,
                        user_id: actor.user_id.to_string(),
                        participant_id: Some(subject_id.to_string()),
                        action: AccessAction::Invite,
                        kind: subject_kind.to_owned(),
                        record_id: Some(subject_id.to_string()),
                        address: actor.address.clone(),
                    };
                    Self::insert_access(&mut tx, std::slice::from_ref(&entry)).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn invite(
                &self,
                code_hash: &str,
            ) -> Result<Option<$crate::db::records::Invite>, $crate::db::DbError> {
                type Row = (String, String, String, chrono::DateTime<chrono::Utc>, bool, bool);
                let row: Option<Row> = sqlx::query_as(
                    "SELECT role, subject_kind, subject_id, expires_at, used_at IS NOT NULL, \
                     revoked_at IS NOT NULL FROM invites WHERE code_hash = $1",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some((role, kind, id, expires_at, used, revoked)) = row else {
                    return Ok(None);
                };
                let corrupt = || $crate::db::DbError::Corrupt(format!("invite for {kind}:{id}"));
                Ok(Some($crate::db::records::Invite {
                    role: role.parse().map_err(|_| corrupt())?,
                    subject: format!("{kind}:{id}").parse().map_err(|_| corrupt())?,
                    expires_at,
                    used,
                    revoked,
                }))
            }

            async fn accept_invite(
                &self,
                code_hash: &str,
                user: &$crate::db::NewUser,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Result<String, $crate::db::records::InviteProblem>, $crate::db::DbError>
            {
                use lotsa_core::domain::Record;
                use $crate::db::records::InviteProblem;
                let Some(invite) = self.invite(code_hash).await? else {
                    return Ok(Err(InviteProblem::Unknown));
                };
                if invite.used {
                    return Ok(Err(InviteProblem::Used));
                }
                if invite.revoked {
                    return Ok(Err(InviteProblem::Revoked));
                }
                if invite.expires_at <= now {
                    return Ok(Err(InviteProblem::Expired));
                }
                let (subject_kind, subject_id) = match invite.subject {
                    lotsa_core::domain::Entity::Participant(id) => ("participant", id.to_string()),
                    lotsa_core::domain::Entity::Supervisor(id) => ("supervisor", id.to_string()),
                    _ => return Ok(Err(InviteProblem::Unknown)),
                };
                let user_id = uuid::Uuid::new_v4();
                let mut tx = self.pool.begin().await?;
                // The next version first: two invites for one person accepted at once are
                // then handled one after the other, and the second sees the first's account.
                let version = Self::next_version(&mut tx).await?;
                let claimed = sqlx::query(
                    "UPDATE invites SET used_at = $1, used_by = $2 \
                     WHERE code_hash = $3 AND used_at IS NULL AND revoked_at IS NULL \
                     AND expires_at > $1",
                )
                .bind(now)
                .bind(user_id.to_string())
                .bind(code_hash)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() != 1 {
                    return Ok(Err(InviteProblem::Used));
                }
                sqlx::query(
                    "UPDATE invites SET revoked_at = $1 WHERE subject_kind = $2 \
                     AND subject_id = $3 AND code_hash <> $4 AND used_at IS NULL \
                     AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(subject_kind)
                .bind(&subject_id)
                .bind(code_hash)
                .execute(&mut *tx)
                .await?;
                match Self::create_user_in(&mut tx, &user_id.to_string(), user, now).await {
                    Err($crate::db::DbError::UsernameTaken) => {
                        return Ok(Err(InviteProblem::UsernameTaken))
                    }
                    other => other?,
                }
                let mut had_account = false;
                let changed = Self::change_invitee(
                    &mut tx,
                    invite.subject,
                    version,
                    &user_id.to_string(),
                    now,
                    |record| {
                        let (account, invited_until) = match record {
                            Record::Participant(p) => (&mut p.user_id, &mut p.invited_until),
                            Record::Supervisor(s) => (&mut s.user_id, &mut s.invited_until),
                            _ => return false,
                        };
                        if account.is_some() {
                            had_account = true;
                            return false;
                        }
                        *account = Some(user_id);
                        *invited_until = None;
                        true
                    },
                )
                .await?;
                if had_account {
                    return Ok(Err(InviteProblem::Revoked));
                }
                if !changed {
                    return Ok(Err(InviteProblem::Unknown));
                }
                tx.commit().await?;
                Ok(Ok(user_id.to_string()))
            }

            async fn lease_client(
                &self,
                client_id: uuid::Uuid,
                user_id: uuid::Uuid,
                token: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::db::records::Leased, $crate::db::DbError> {
                use $crate::db::records::Leased;
                let client = client_id.to_string();
                let user = user_id.to_string();
                // The update happens only over a free or expired lease of this user's device,
                // and returns no row otherwise. The device's scopes come along as one string
                // of `scope since dropped_at` items, read in the statement's snapshot: on
                // PostgreSQL a statement that waited for the previous holder's commit updates
                // the newest row but reads the scopes from before it, which the two
                // `scopes_version`s (the row's newest, the snapshot's) show.
                let sql = format!(
                    "INSERT INTO sync_clients (client_id, user_id, last_mutation_id, \
                     created_at, last_seen_at, lease_token, lease_until) \
                     VALUES ($1, $2, 0, $3, $3, $4, $5) \
                     ON CONFLICT (client_id) DO UPDATE SET last_seen_at = excluded.last_seen_at, \
                     lease_token = excluded.lease_token, lease_until = excluded.lease_until \
                     WHERE sync_clients.user_id = excluded.user_id \
                     AND (sync_clients.lease_until IS NULL \
                     OR sync_clients.lease_until < excluded.last_seen_at) \
                     RETURNING last_mutation_id, views_on, views_cursor, ({}), \
                     scopes_version, \
                     (SELECT seen.scopes_version FROM sync_clients seen WHERE seen.client_id = $1)",
                    Self::scopes_of_client()
                );
                #[allow(clippy::type_complexity)]
                let row: Option<(i64, Option<String>, i64, Option<String>, i64, Option<i64>)> =
                    sqlx::query_as(&sql)
                        .bind(&client)
                        .bind(&user)
                        .bind(now)
                        .bind(token.to_string())
                        .bind(until)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some((last_mutation_id, views_on, views_cursor, scopes, newest, seen)) = row
                else {
                    let owner: Option<String> =
                        sqlx::query_scalar("SELECT user_id FROM sync_clients WHERE client_id = $1")
                            .bind(&client)
                            .fetch_optional(&self.pool)
                            .await?;
                    return Ok(match owner {
                        Some(owner) if owner != user => Leased::AnotherUser,
                        _ => Leased::Busy,
                    });
                };
                // A device new to the snapshot has no scopes yet: none were missed.
                let scopes = if seen.is_some_and(|seen| seen != newest) {
                    sqlx::query_scalar(&format!("SELECT ({})", Self::scopes_of_client()))
                        .bind(&client)
                        .fetch_one(&self.pool)
                        .await?
                } else {
                    scopes
                };
                let views = views_on
                    .map(|day| {
                        day.parse().map(|on| lotsa_core::sync::scopes::ViewsSent {
                            on,
                            cursor: views_cursor,
                        })
                    })
                    .transpose()
                    .map_err(|_| $crate::db::DbError::Corrupt("sync_clients.views_on".to_owned()))?;
                Ok(Leased::Taken($crate::db::records::SyncClient {
                    last_mutation_id,
                    scopes: $crate::db::records::parse_scope_rows(scopes.as_deref())?,
                    views,
                }))
            }

            async fn release_client(
                &self,
                client_id: uuid::Uuid,
                token: uuid::Uuid,
            ) -> Result<(), $crate::db::DbError> {
                sqlx::query(
                    "UPDATE sync_clients SET lease_token = NULL, lease_until = NULL \
                     WHERE client_id = $1 AND lease_token = $2",
                )
                .bind(client_id.to_string())
                .bind(token.to_string())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn reject_mutation(
                &self,
                mutation: $crate::db::records::MutationRef,
                refused: &lotsa_core::sync::server::Refused,
            ) -> Result<(), $crate::db::DbError> {
                let client = mutation.client_id.to_string();
                let mut tx = self.pool.begin().await?;
                let claimed = sqlx::query(
                    "UPDATE sync_clients SET last_mutation_id = $1 \
                     WHERE client_id = $2 AND last_mutation_id < $1",
                )
                .bind(mutation.id)
                .bind(&client)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() == 1 {
                    sqlx::query(
                        "INSERT INTO sync_rejections (client_id, mutation_id, reason, code) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&client)
                    .bind(mutation.id)
                    .bind(&refused.reason)
                    .bind(refused.code.map(lotsa_core::domain::Refusal::code))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn rejection(
                &self,
                mutation: $crate::db::records::MutationRef,
            ) -> Result<Option<lotsa_core::sync::server::Refused>, $crate::db::DbError> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT reason, code FROM sync_rejections \
                     WHERE client_id = $1 AND mutation_id = $2",
                )
                .bind(mutation.client_id.to_string())
                .bind(mutation.id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(reason, code)| lotsa_core::sync::server::Refused {
                    reason,
                    // A code this server no longer knows is shown as its English reason.
                    code: code.as_deref().and_then(lotsa_core::domain::Refusal::from_code),
                }))
            }

            async fn update_client(
                &self,
                client_id: uuid::Uuid,
                sent: &lotsa_core::sync::engine::Sent,
                token: uuid::Uuid,
                reads: &[$crate::db::records::AccessEntry],
            ) -> Result<(), $crate::db::DbError> {
                let plan = &sent.scopes;
                let client = client_id.to_string();
                let changes_scopes = *plan != lotsa_core::sync::scopes::ScopePlan::default();
                // The device's row: the day of its limited views, and its lease given back;
                // no row when another request took the lease over after this one's expired.
                const FINISH: &str = "UPDATE sync_clients SET views_on = COALESCE($3, views_on), \
                     views_cursor = COALESCE($4, views_cursor), \
                     scopes_version = scopes_version + $5, lease_until = NULL, lease_token = NULL \
                     WHERE client_id = $1 AND lease_token = $2";
                let views_on = sent.views.map(|views| views.on.to_string());
                let views_cursor = sent.views.map(|views| views.cursor);
                let lost = |finished: u64| {
                    if finished == 1 {
                        Ok(())
                    } else {
                        Err($crate::db::DbError::LeaseLost)
                    }
                };
                if Self::WRITING_CTES {
                    // The row, the scopes and the read log in one statement of a fixed text
                    // (lists come as JSON arrays; a plan's lists never share a scope, so no
                    // row is written twice); the rest only if the lease was still this
                    // request's.
                    let corrupt = |error: serde_json::Error| {
                        $crate::db::DbError::Corrupt(error.to_string())
                    };
                    let names = |scopes: &[lotsa_core::sync::scopes::Scope]| {
                        serde_json::Value::from(
                            scopes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        )
                        .to_string()
                    };
                    let upserts: Vec<serde_json::Value> = plan
                        .gained
                        .iter()
                        .map(|scope| (scope, sent.cursor))
                        .chain(
                            plan.adopted
                                .iter()
                                .map(|scope| (scope, lotsa_core::sync::scopes::CONFIRMED)),
                        )
                        .map(|(scope, since)| {
                            serde_json::json!({ "scope": scope.to_string(), "since": since })
                        })
                        .collect();
                    let entries = serde_json::to_string(reads).map_err(corrupt)?;
                    let sql = format!(
                        "WITH finish AS ({FINISH} RETURNING client_id), \
                         upserted AS (INSERT INTO sync_client_scopes (client_id, scope, since, \
                         dropped_at) SELECT $1, u.scope, u.since, NULL \
                         FROM json_to_recordset(CAST($7 AS JSON)) AS u (scope TEXT, since BIGINT) \
                         WHERE EXISTS (SELECT 1 FROM finish) ON CONFLICT (client_id, scope) \
                         DO UPDATE SET since = excluded.since, dropped_at = NULL), \
                         dropped AS (UPDATE sync_client_scopes SET dropped_at = $8 \
                         WHERE client_id = $1 AND EXISTS (SELECT 1 FROM finish) AND scope IN \
                         (SELECT value FROM json_array_elements_text(CAST($9 AS JSON)))), \
                         confirmed AS (UPDATE sync_client_scopes SET since = $10 \
                         WHERE client_id = $1 AND EXISTS (SELECT 1 FROM finish) AND scope IN \
                         (SELECT value FROM json_array_elements_text(CAST($11 AS JSON)))), \
                         settled AS (DELETE FROM sync_client_scopes \
                         WHERE client_id = $1 AND EXISTS (SELECT 1 FROM finish) AND scope IN \
                         (SELECT value FROM json_array_elements_text(CAST($12 AS JSON)))), \
                         logged AS (INSERT INTO access_log (at, user_id, participant_id, action, \
                         kind, record_id, address) SELECT e.at, e.user_id, e.participant_id, \
                         e.action, e.kind, e.record_id, e.address \
                         FROM json_to_recordset(CAST($6 AS JSON)) AS e (at TIMESTAMPTZ, \
                         user_id TEXT, participant_id TEXT, action TEXT, kind TEXT, \
                         record_id TEXT, address TEXT) WHERE EXISTS (SELECT 1 FROM finish)) \
                         SELECT COUNT(*) FROM finish"
                    );
                    let finished: i64 = sqlx::query_scalar(&sql)
                        .bind(&client)
                        .bind(token.to_string())
                        .bind(&views_on)
                        .bind(views_cursor)
                        .bind(i64::from(changes_scopes))
                        .bind(entries)
                        .bind(serde_json::Value::from(upserts).to_string())
                        .bind(sent.cursor)
                        .bind(names(&plan.lost))
                        .bind(lotsa_core::sync::scopes::CONFIRMED)
                        .bind(names(&plan.confirmed))
                        .bind(names(&plan.settled))
                        .fetch_one(&self.pool)
                        .await?;
                    return lost(u64::try_from(finished).unwrap_or_default());
                }
                // The row, the scopes and the read log commit together.
                let mut tx = self.pool.begin().await?;
                let finished = sqlx::query(FINISH)
                    .bind(&client)
                    .bind(token.to_string())
                    .bind(&views_on)
                    .bind(views_cursor)
                    .bind(i64::from(changes_scopes))
                    .execute(&mut *tx)
                    .await?;
                lost(finished.rows_affected())?;
                Self::save_scopes(&mut tx, &client, plan, sent.cursor).await?;
                Self::insert_access(&mut tx, reads).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn new_cursor(&self) -> Result<i64, $crate::db::DbError> {
                let mut tx = self.pool.begin().await?;
                let cursor = Self::next_version(&mut tx).await?;
                tx.commit().await?;
                Ok(cursor)
            }

            async fn replaced_changes(
                &self,
                user_id: uuid::Uuid,
                after: i64,
                up_to: i64,
            ) -> Result<Vec<lotsa_core::sync::Replaced>, $crate::db::DbError> {
                let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
                    "SELECT kind, record_id, replaced_version, version FROM sync_notices \
                     WHERE user_id = $1 AND version > $2 AND version <= $3 ORDER BY version",
                )
                .bind(user_id.to_string())
                .bind(after)
                .bind(up_to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kind, id, replaced_version, version)| lotsa_core::sync::Replaced {
                        kind,
                        id,
                        replaced_version,
                        version,
                    })
                    .collect())
            }

            async fn committed_after(
                &self,
                selection: &lotsa_core::access::Selection,
                user_id: uuid::Uuid,
                after: i64,
                limit: i64,
            ) -> Result<$crate::db::records::Committed, $crate::db::DbError> {
                let (clause, values) = $crate::db::records::selection_clause(selection, 4);
                // The counter's row joins the page, so an empty page still carries it; the
                // user's replaced changes come along on the first row as one string of
                // `kind id replaced_version version` items (none past the counter can be in
                // the statement's snapshot).
                let sql = format!(
                    "SELECT c.value, r.kind, r.id, r.programme_id, r.scope, r.version, r.deleted, \
                     r.data, CASE WHEN ROW_NUMBER() OVER (ORDER BY r.version) = 1 THEN \
                     (SELECT {}(n.kind || ' ' || n.record_id || ' ' \
                     || n.replaced_version || ' ' || n.version, ',') FROM sync_notices n \
                     WHERE n.user_id = $3 AND n.version > $1) END \
                     FROM version_counter c LEFT JOIN (SELECT {} FROM records \
                     WHERE version > $1 AND {clause} ORDER BY version LIMIT $2) r \
                     ON r.version <= c.value WHERE c.id = 1 ORDER BY r.version",
                    Self::GROUP_CONCAT,
                    $crate::db::records::RECORD_COLUMNS,
                );
                let mut query = sqlx::query_as::<_, $crate::db::records::CommittedRow>(&sql)
                    .bind(after)
                    .bind(limit)
                    .bind(user_id.to_string());
                for value in values {
                    query = query.bind(value);
                }
                let rows = query.fetch_all(&self.pool).await?;
                let (newest, notices) = rows
                    .first()
                    .map(|row| (row.0, row.8.clone()))
                    .ok_or_else(|| {
                        $crate::db::DbError::Corrupt("version_counter has no row".to_owned())
                    })?;
                let records = rows
                    .into_iter()
                    .filter_map(|(_, kind, id, programme, scope, version, deleted, data, _)| {
                        Some((kind?, id?, programme?, scope?, version?, deleted?, data?))
                    })
                    .map(|row| $crate::db::records::stored(&row))
                    .collect::<Result<_, _>>()?;
                Ok($crate::db::records::Committed {
                    newest,
                    records,
                    notices: $crate::db::records::parse_notices(notices.as_deref())?,
                })
            }

            async fn records_in_scopes(
                &self,
                scopes: &[lotsa_core::sync::scopes::Scope],
            ) -> Result<Vec<$crate::db::records::StoredRecord>, $crate::db::DbError> {
                let selection = lotsa_core::sync::scopes::selection_of(scopes);
                self.select_records(&selection, $crate::db::records::Narrow::All, 0, i64::MAX)
                    .await
            }

            async fn links_of(
                &self,
                principal: lotsa_core::domain::Entity,
            ) -> Result<Vec<lotsa_core::domain::Link>, $crate::db::DbError> {
                let rows = sqlx::query_as($crate::db::records::LINKS_OF)
                    .bind(principal.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map($crate::db::records::link_from_row)
                    .collect()
            }

            async fn has_records(&self) -> Result<bool, $crate::db::DbError> {
                let any: Option<i64> = sqlx::query_scalar("SELECT version FROM records LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(any.is_some())
            }

            async fn import(
                &self,
                users: &[(uuid::Uuid, $crate::db::NewUser)],
                records: &[lotsa_core::domain::Record],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                let mut tx = self.pool.begin().await?;
                Self::import_in(&mut tx, users, records, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn import_into_empty(
                &self,
                users: &[(uuid::Uuid, $crate::db::NewUser)],
                records: &[lotsa_core::domain::Record],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::db::DbError> {
                let mut tx = self.pool.begin().await?;
                // A write first: PostgreSQL locks the row and SQLite takes its one write lock,
                // so a second importer waits here (on SQLite, for its busy timeout at most)
                // and then sees the first one's records.
                sqlx::query("UPDATE version_counter SET value = value WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                let any: Option<i64> = sqlx::query_scalar("SELECT version FROM records LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                if any.is_some() {
                    tx.rollback().await?;
                    return Ok(false);
                }
                Self::import_in(&mut tx, users, records, now).await?;
                tx.commit().await?;
                Ok(true)
            }
        }

        impl $backend {
            async fn import_in(
                tx: &mut $conn,
                users: &[(uuid::Uuid, $crate::db::NewUser)],
                records: &[lotsa_core::domain::Record],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::db::DbError> {
                use lotsa_core::domain::Record;
                for (id, user) in users {
                    Self::create_user_in(&mut *tx, &id.to_string(), user, now).await?;
                }
                let mut programmes = std::collections::HashMap::new();
                for record in records {
                    let programme_id = match record.own_programme_id() {
                        Some(programme) => programme,
                        None => *record
                            .participant_id()
                            .and_then(|participant| programmes.get(&participant))
                            .ok_or_else(|| {
                                $crate::db::DbError::Corrupt(format!(
                                    "{} {} comes before its participant",
                                    record.kind(),
                                    record.id()
                                ))
                            })?,
                    };
                    if let Record::Participant(participant) = record {
                        programmes.insert(participant.id, programme_id);
                    }
                    let planned = lotsa_core::change::Planned {
                        kind: record.kind(),
                        id: record.id(),
                        programme_id,
                        scope: record.scope(),
                        participant_id: record.participant_id(),
                        created: true,
                        record: Some(record.clone()),
                    };
                    let version = Self::next_version(&mut *tx).await?;
                    Self::store(&mut *tx, &planned, false, version, "import", now, None).await?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use impl_record_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_scopes_notices_and_links_read_back_and_a_malformed_item_is_corrupt() {
        let participant = Uuid::from_u128(7);
        let scopes = parse_scope_rows(Some(&format!(
            "participant:{participant} 0 -,programme-all:{participant} 5 9"
        )))
        .unwrap();
        assert_eq!(
            scopes[&Scope::Entity(Entity::Participant(participant))],
            lotsa_core::sync::scopes::ScopeRow {
                since: 0,
                dropped_at: None
            }
        );
        assert_eq!(scopes.len(), 2);
        assert!(parse_scope_rows(None).unwrap().is_empty());
        let notices = parse_notices(Some("contact a 4 9,check_in b 2 6")).unwrap();
        let versions: Vec<i64> = notices.iter().map(|notice| notice.version).collect();
        assert_eq!(versions, [6, 9], "oldest first");
        // An unreadable scope, one field too few and one too many.
        for broken in [
            "participant:x 0 -".to_owned(),
            format!("participant:{participant} 0"),
            format!("participant:{participant} 0 - 1"),
        ] {
            assert!(
                matches!(parse_scope_rows(Some(&broken)), Err(DbError::Corrupt(_))),
                "{broken}"
            );
        }
        assert!(matches!(
            parse_notices(Some("contact a four 9")),
            Err(DbError::Corrupt(_))
        ));
        let user = Entity::User(participant);
        let links = parse_links(Some(&format!(
            "{user} case_manager participant:{participant} 2026-01-05 -,{user} staff programme:{participant} - 2026-12-31"
        )))
        .unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].from, NaiveDate::from_ymd_opt(2026, 1, 5));
        assert_eq!((links[0].until, links[1].from), (None, None));
        assert_eq!(links[1].until, NaiveDate::from_ymd_opt(2026, 12, 31));
        for broken in [
            format!("{user} case_manager participant:{participant} 2026-13-01 -"),
            format!("{user} friend participant:{participant} - -"),
        ] {
            assert!(
                matches!(parse_links(Some(&broken)), Err(DbError::Corrupt(_))),
                "{broken}"
            );
        }
    }

    #[test]
    fn an_empty_selection_matches_nothing() {
        let (clause, values) = selection_clause(&Selection::default(), 3);
        assert_eq!(clause, "1 = 0");
        assert!(values.is_empty());
    }

    #[test]
    fn selection_placeholders_follow_the_bound_values() {
        let selection = Selection {
            scopes: vec![Entity::Participant(Uuid::nil())],
            whole_programmes: vec![],
            staff_programmes: vec![Uuid::nil()],
            member_programmes: vec![],
        };
        let (clause, values) = selection_clause(&selection, 3);
        assert_eq!(
            clause,
            "(scope IN ($3) OR (programme_id IN ($4) AND kind IN ($5, $6, $7, $8)))"
        );
        assert_eq!(values.len(), 6);
    }
}
