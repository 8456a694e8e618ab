//! A small programme with one user per role and two of each thing, so that every test can
//! ask "mine" and "someone else's": participant A (case manager `cm`, employment officer
//! `eo`, supervised by `sup`, signs in as `part`) and participant B (someone else's), two
//! workplaces, two supervisors, and a second programme no one here works in.

use super::TestApp;
use chrono::{Days, NaiveDate, Utc};
use lotsa_core::domain::{DisplayName, Kind, Record, Role, Username};
use serde_json::{json, Value};
use server::db::NewUser;
use uuid::Uuid;

pub const PASSWORD: &str = "korrekt häst batteri";

/// The kinds of record a supervisor never sees, not even that they exist.
pub const HIDDEN_FROM_SUPERVISORS: [&str; 6] = [
    "check_in",
    "review",
    "contact",
    "training_goal",
    "closing",
    "follow_up",
];

/// Whose record a test looks at, from the point of view of the signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Own,
    Other,
}

pub struct Programme {
    pub today: NaiveDate,
    pub programme: Uuid,
    pub other_programme: Uuid,
    pub leader: Uuid,
    pub cm: Uuid,
    pub cm2: Uuid,
    pub eo: Uuid,
    pub eo2: Uuid,
    pub sup: Uuid,
    pub part: Uuid,
    pub outsider: Uuid,
    pub workplace_a: Uuid,
    pub workplace_b: Uuid,
    pub supervisor_a: Uuid,
    pub supervisor_b: Uuid,
    pub participant_a: Uuid,
    pub participant_b: Uuid,
    pub records: Vec<Record>,
}

/// The users, by the name they sign in with.
pub const USERS: [(&str, Role); 9] = [
    ("leader", Role::ProjectLeader),
    ("cm1", Role::CaseManager),
    ("cm2", Role::CaseManager),
    ("eo1", Role::EmploymentOfficer),
    ("eo2", Role::EmploymentOfficer),
    ("sup", Role::Supervisor),
    ("part", Role::Participant),
    ("outsider", Role::CaseManager),
    ("newcomer", Role::CaseManager),
];

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x1000 + n)
}

fn parse(kind: Kind, data: Value) -> Record {
    Record::parse(kind, data).unwrap_or_else(|error| panic!("fixture {kind}: {error}"))
}

/// The id of a fixture user.
pub fn user(name: &str) -> Uuid {
    let index = USERS.iter().position(|(user, _)| *user == name).unwrap();
    id(100 + index as u128)
}

impl Programme {
    pub async fn create(app: &TestApp) -> Self {
        let today = lotsa_core::domain::stockholm_day(Utc::now());
        let day = |offset: i64| {
            if offset >= 0 {
                today + Days::new(offset as u64)
            } else {
                today - Days::new(offset.unsigned_abs())
            }
        };
        let hash = server::auth::hash_password(
            &lotsa_core::domain::Password::parse_new(PASSWORD).unwrap(),
        )
        .await
        .unwrap();
        let users: Vec<(Uuid, NewUser)> = USERS
            .iter()
            .map(|(name, role)| {
                (
                    user(name),
                    NewUser {
                        username: Username::parse(name).unwrap(),
                        display_name: DisplayName::parse(name).unwrap(),
                        password_hash: hash.clone(),
                        roles: vec![*role],
                    },
                )
            })
            .collect();
        let (programme, other_programme) = (id(1), id(2));
        let (workplace_a, workplace_b) = (id(3), id(4));
        let (supervisor_a, supervisor_b) = (id(5), id(6));
        let (participant_a, participant_b) = (id(7), id(8));

        let programme_record = |pid: Uuid, name: &str| {
            parse(
                Kind::Programme,
                json!({
                    "id": pid, "name": name, "owner": "Linköpings kommun",
                    "funding": { "funder": "Europeiska socialfonden", "project_number": "2024/00123",
                        "starts_on": "2025-01-01", "ends_on": "2027-12-31",
                        "total_budget_sek": 9577197, "co_financing_sek": 2395813 },
                    "targets": { "participants": 85, "share_women": 50, "share_men": 50,
                        "share_in_work_or_studies": 100 },
                    "max_placement": { "months": 6 },
                    "intake_rounds": [{ "id": id(9), "name": "Hösten", "starts_on": day(-60), "ends_on": day(120) }],
                    "municipalities": ["Linköping", "Motala"]
                }),
            )
        };
        let staff = |name: &str, pid: Uuid| {
            parse(
                Kind::Staff,
                json!({ "id": user(name), "programme_id": pid, "name": name, "phone": "013-20 60 00" }),
            )
        };
        let workplace = |wid: Uuid, name: &str| {
            parse(
                Kind::Workplace,
                json!({ "id": wid, "programme_id": programme, "name": name, "type": "care_home",
                    "address": { "street": "Storgatan 1", "postal_code": "58183", "city": "Linköping" },
                    "municipality": "Linköping" }),
            )
        };
        let supervisor = |sid: Uuid, wid: Uuid, user_id: Option<Uuid>, first: &str| {
            let mut data = json!({ "id": sid, "programme_id": programme, "workplace_id": wid,
                "first_name": first, "last_name": "Handledare", "phone": "070-111 22 33" });
            if let Some(user_id) = user_id {
                data["user_id"] = json!(user_id);
            }
            parse(Kind::Supervisor, data)
        };
        let participant = |pid: Uuid, cm: Uuid, eo: Uuid, user_id: Option<Uuid>, first: &str| {
            let mut data = json!({ "id": pid, "programme_id": programme, "first_name": first,
                "last_name": "Deltagare", "birth_date": "1990-04-02", "identity_number": "19811218-9876",
                "gender": "woman", "phone": "070-123 45 67", "languages": ["ar", "sv"],
                "status_at_entry": "long_term_unemployed", "education_at_entry": "isced3_to4",
                "support": [{ "kind": "bus_card", "note": "Lång resväg" }],
                "case_manager_id": cm, "employment_officer_id": eo, "phase": "placement" });
            if let Some(user_id) = user_id {
                data["user_id"] = json!(user_id);
            }
            parse(Kind::Participant, data)
        };
        let mut records = vec![
            programme_record(programme, "Arbetshoppet"),
            programme_record(other_programme, "Kompetenslyftet"),
            staff("leader", programme),
            staff("cm1", programme),
            staff("cm2", programme),
            staff("eo1", programme),
            staff("eo2", programme),
            staff("outsider", other_programme),
            workplace(workplace_a, "Solgårdens äldreboende"),
            workplace(workplace_b, "Hemtjänst Norr"),
            supervisor(supervisor_a, workplace_a, Some(user("sup")), "Birgitta"),
            supervisor(supervisor_b, workplace_b, None, "Kerstin"),
            participant(
                participant_a,
                user("cm1"),
                user("eo1"),
                Some(user("part")),
                "Amina",
            ),
            participant(participant_b, user("cm2"), user("eo2"), None, "Yonas"),
        ];
        for (n, (pid, wid, sid)) in [
            (participant_a, workplace_a, supervisor_a),
            (participant_b, workplace_b, supervisor_b),
        ]
        .into_iter()
        .enumerate()
        {
            let base = 20 + 20 * n as u128;
            let placement = id(base);
            records.extend([
                parse(Kind::Placement, json!({ "id": placement, "programme_id": programme,
                    "participant_id": pid, "workplace_id": wid, "supervisor_id": sid,
                    "starts_on": day(-30), "ends_on": day(60),
                    "weekly_pattern": [{ "weekday": "Mon", "starts_at": "07:00", "ends_at": "15:30" }] })),
                parse(Kind::ScheduleEvent, json!({ "id": id(base + 1), "programme_id": programme,
                    "participant_id": pid, "kind": "training_day", "date": day(-28), "starts_at": "09:00",
                    "ends_at": "15:00", "weekly_until": day(60), "location": "Campus Valla" })),
                parse(Kind::CheckIn, json!({ "id": id(base + 2), "participant_id": pid,
                    "placement_id": placement, "held_on": day(-7), "going": "well",
                    "attendees": ["participant", "supervisor", "case_manager"],
                    "notes": "Trivs bra, vill lära sig mer om dokumentation." })),
                parse(Kind::Review, json!({ "id": id(base + 3), "participant_id": pid,
                    "held_on": day(-10), "notes": "Behöver stöd med blanketter." })),
                parse(Kind::Contact, json!({ "id": id(base + 4), "participant_id": pid,
                    "on": day(-3), "channel": "phone", "summary": "Ringde om busskort." })),
                parse(Kind::TrainingGoal, json!({ "id": id(base + 5), "participant_id": pid,
                    "goal": "Basala hygienrutiner", "progress": "started" })),
                parse(Kind::Attendance, json!({
                    "id": lotsa_core::domain::Attendance::id_for(pid, day(-1)), "participant_id": pid,
                    "placement_id": placement, "day": day(-1), "status": "present" })),
                parse(Kind::Absence, json!({ "id": id(base + 6), "participant_id": pid,
                    "first_day": day(2), "last_day": day(2), "reason": "child_ill",
                    "note": "Barnet har feber" })),
                parse(Kind::Closing, json!({ "id": id(base + 7), "participant_id": pid,
                    "held_on": day(-1), "outcome": "summer_substitute", "employer": "Linköpings kommun" })),
                parse(Kind::FollowUp, json!({ "id": id(base + 8), "participant_id": pid,
                    "due_on": day(30) })),
            ]);
        }
        app.db
            .import(&users, &records, Utc::now())
            .await
            .expect("import the fixture");
        Self {
            today,
            programme,
            other_programme,
            leader: user("leader"),
            cm: user("cm1"),
            cm2: user("cm2"),
            eo: user("eo1"),
            eo2: user("eo2"),
            sup: user("sup"),
            part: user("part"),
            outsider: user("outsider"),
            workplace_a,
            workplace_b,
            supervisor_a,
            supervisor_b,
            participant_a,
            participant_b,
            records,
        }
    }

    /// The fixture's record of `kind` on `side` (for the signed-in roles of this fixture:
    /// participant A's, workplace A, supervisor A, `cm`'s staff card and programme one are
    /// "own").
    pub fn record(&self, kind: Kind, side: Side) -> &Record {
        let wanted = |record: &&Record| {
            record.kind() == kind
                && match kind {
                    Kind::Programme => {
                        record.id()
                            == if side == Side::Own {
                                self.programme
                            } else {
                                self.other_programme
                            }
                    }
                    Kind::Staff => {
                        record.id()
                            == if side == Side::Own {
                                self.cm
                            } else {
                                self.outsider
                            }
                    }
                    Kind::Workplace => {
                        record.id()
                            == if side == Side::Own {
                                self.workplace_a
                            } else {
                                self.workplace_b
                            }
                    }
                    Kind::Supervisor => {
                        record.id()
                            == if side == Side::Own {
                                self.supervisor_a
                            } else {
                                self.supervisor_b
                            }
                    }
                    _ => {
                        record.participant_id()
                            == Some(if side == Side::Own {
                                self.participant_a
                            } else {
                                self.participant_b
                            })
                    }
                }
        };
        self.records
            .iter()
            .find(wanted)
            .expect("the fixture has one of each")
    }
}

/// A browser-like client that keeps cookies and shows redirects instead of following them.
pub fn page_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `username` in on the sign-in page: the client, and where the server sent them.
pub async fn sign_in_on_the_page(app: &TestApp, username: &str) -> (reqwest::Client, String) {
    let client = page_browser();
    let response = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::SEE_OTHER,
        "{username}"
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (client, location)
}

/// The text of the page at `path`, as `client` is shown it.
pub async fn page_text(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

impl Programme {
    /// The fixture's placement of `participant`.
    pub fn placement_of(&self, participant: Uuid) -> Uuid {
        self.records
            .iter()
            .find_map(|record| match record {
                Record::Placement(placement) if placement.participant_id == participant => {
                    Some(placement.id)
                }
                _ => None,
            })
            .expect("each fixture participant has a placement")
    }
}

/// A client that keeps cookies, signed in as `username`.
pub async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let response = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{username} signs in");
    client
}

impl Programme {
    /// Stores an invite for `participant` made by `cm1` at `made` (valid a week from then)
    /// under `code`, as the invite endpoint would: for invites a test needs back-dated, or
    /// made in a moment the API no longer allows.
    pub async fn store_invite(
        &self,
        app: &TestApp,
        code: &str,
        participant: Uuid,
        made: chrono::DateTime<Utc>,
    ) {
        let actor = server::db::Actor {
            user_id: self.cm,
            roles: vec![Role::CaseManager],
            address: None,
        };
        app.db
            .create_invite(
                &server::auth::token_hash(code),
                Role::Participant,
                lotsa_core::domain::Entity::Participant(participant),
                &actor,
                made,
                made + chrono::Duration::days(7),
            )
            .await
            .expect("store the invite");
    }
}

/// Writes a record through the API as `client`.
pub async fn put_record(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    data: &Value,
) -> reqwest::Response {
    let id = data["id"].as_str().expect("records carry their id");
    client
        .put(app.url(&format!("/api/v1/records/{kind}/{id}")))
        .json(data)
        .send()
        .await
        .unwrap()
}
