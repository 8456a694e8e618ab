//! Demo mode: an empty database is filled with the generated demo programme, and the login
//! page lists one account per role.

use crate::db::{Database, NewUser};
use crate::demo::{generate, Demo, DEMO_PASSWORD, LOGINS};
use anyhow::Context;
use chrono::Utc;
use lotsa_core::demo::{DemoLogin, DemoLogins};
use lotsa_core::domain::{stockholm_day, DisplayName, Password, Username};

/// How often storing the demo is tried while another server may be storing it.
const IMPORT_ATTEMPTS: u32 = 6;

/// What seeding did.
#[derive(Debug)]
pub enum Seeded {
    /// The demo programme was stored: this many records.
    Created(usize),
    /// The database already holds records; nothing was changed.
    AlreadyFilled,
}

/// The demo accounts, as the login page lists them.
pub fn demo_logins() -> DemoLogins {
    DemoLogins(
        LOGINS
            .into_iter()
            .map(|(role, username)| DemoLogin {
                role,
                username: username.to_owned(),
                password: DEMO_PASSWORD.to_owned(),
            })
            .collect(),
    )
}

/// The demo's users as accounts to store, all with `password_hash` (they share the demo
/// password, so it is hashed once).
pub fn demo_users(demo: &Demo, password_hash: &str) -> anyhow::Result<Vec<(uuid::Uuid, NewUser)>> {
    demo.users
        .iter()
        .map(|user| {
            Ok((
                user.id,
                NewUser {
                    username: Username::parse(&user.username)?,
                    display_name: DisplayName::parse(&user.display_name)?,
                    password_hash: password_hash.to_owned(),
                    roles: user.roles.clone(),
                },
            ))
        })
        .collect::<Result<Vec<_>, lotsa_core::domain::ValidationError>>()
        .context("a generated demo user is invalid")
}

/// Stores the demo programme, dated around today, unless the database has records already
/// (also when another server starting on the same database stores it at the same moment).
#[tracing::instrument(skip_all)]
pub async fn seed_demo(db: &dyn Database) -> anyhow::Result<Seeded> {
    // The usual case, a restart, is answered without generating and hashing anything.
    if db.has_records().await? {
        return Ok(Seeded::AlreadyFilled);
    }
    let demo = generate(stockholm_day(Utc::now()));
    let password = Password::parse_new(DEMO_PASSWORD).context("the demo password is valid")?;
    // One hash for every demo account: they share the password, and hashing 9 times would
    // only slow the first start.
    let password_hash = crate::auth::hash_password(&password).await?;
    let users = demo_users(&demo, &password_hash)?;
    let mut attempt = 1;
    let stored = loop {
        match db
            .import_into_empty(&users, &demo.records, Utc::now())
            .await
        {
            Ok(stored) => break stored,
            Err(error) if attempt >= IMPORT_ATTEMPTS => {
                return Err(error).context("cannot store the demo programme")
            }
            // SQLite gives up waiting for another server's import after its busy timeout;
            // once that import is in, there is nothing left to do.
            Err(_) => {
                if db.has_records().await? {
                    break false;
                }
                attempt += 1;
            }
        }
    };
    if !stored {
        return Ok(Seeded::AlreadyFilled);
    }
    tracing::info!(records = demo.records.len(), "stored the demo programme");
    Ok(Seeded::Created(demo.records.len()))
}

/// The lines that tell a person at the terminal how to sign in to the demo.
pub fn describe_logins(logins: &DemoLogins) -> String {
    let mut text = String::from("Demo accounts (password for all: ");
    text.push_str(DEMO_PASSWORD);
    text.push_str("):\n");
    for login in &logins.0 {
        text.push_str(&format!(
            "  {:<20} {}\n",
            login.role.as_str(),
            login.username
        ));
    }
    text
}
