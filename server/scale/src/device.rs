//! One simulated phone: the device's replica as the app keeps it (`lotsa_core::sync::replica`),
//! the changes its user makes, and the bookkeeping the verification pass checks afterwards.
//! No I/O here: `main` sends what this builds and hands the answers back.

use chrono::{Days, NaiveDate};
use lotsa_core::access::Viewer;
use lotsa_core::change::Change;
use lotsa_core::domain::{Attendance, Entity, Kind, Link, Placement, Record, Role};
use lotsa_core::sync::replica::{self, Held, NoticeWhat, Pending, SyncMeta};
use lotsa_core::sync::{MutationStatus, SyncRequest, SyncResponse};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Attendance is confirmed for the last two weeks at most, as a supervisor catching up would.
const ATTENDANCE_DAYS_BACK: u64 = 13;

/// SplitMix64: a few lines and the same on every machine, so a device's choices follow from
/// the run's seed and its number.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// Who signed in on the device, as the server answered the sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
}

/// A record this device saved, as it sent it.
#[derive(Debug, Clone)]
pub struct Made {
    pub kind: Kind,
    pub id: Uuid,
    pub data: Value,
}

/// Every answer the server gave one mutation, over all responses that reached the device.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answers {
    pub applied: u32,
    pub duplicate: u32,
    pub rejected: u32,
}

/// What the device's user may write now, derived from the records it holds with the same
/// permission module the server asks (a device's links are a subset of the server's, so
/// what it finds writable the server allows too).
#[derive(Debug, Clone, Default)]
struct Writable {
    day: Option<NaiveDate>,
    check_in: Vec<Uuid>,
    attendance: Vec<Placement>,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub number: usize,
    pub username: &'static str,
    /// The goose user's own client (and so its own cookie jar), kept for the verification
    /// pass after goose has stopped its users.
    pub client: reqwest::Client,
    pub base_url: String,
    pub client_id: Uuid,
    pub signed_in: Option<SignedIn>,
    pub first_sync_done: bool,
    pub held: BTreeMap<String, Held>,
    pub outbox: Vec<Pending>,
    pub meta: SyncMeta,
    pub last_mutation_id: i64,
    pub made: BTreeMap<i64, Made>,
    pub answers: BTreeMap<i64, Answers>,
    /// The answer that took each mutation out of the outbox.
    pub settled: BTreeMap<i64, MutationStatus>,
    /// Mutations sent in a request whose answer never arrived: the server may have applied
    /// them without the device hearing of it.
    pub uncertain: BTreeSet<i64>,
    pub replaced_notices: usize,
    rng: Rng,
    writable: Writable,
}

/// What taking in one answer found.
pub struct Taken {
    pub more: bool,
    pub changes: usize,
    pub problems: Vec<String>,
}

impl Device {
    pub fn new(
        number: usize,
        username: &'static str,
        client: reqwest::Client,
        base_url: String,
        seed: u64,
    ) -> Self {
        let mut rng = Rng::new(seed ^ (number as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
        let client_id = rng.uuid();
        Device {
            number,
            username,
            client,
            base_url,
            client_id,
            signed_in: None,
            first_sync_done: false,
            held: BTreeMap::new(),
            outbox: Vec::new(),
            meta: SyncMeta::default(),
            last_mutation_id: 0,
            made: BTreeMap::new(),
            answers: BTreeMap::new(),
            settled: BTreeMap::new(),
            uncertain: BTreeSet::new(),
            replaced_notices: 0,
            rng,
            writable: Writable::default(),
        }
    }

    pub fn request(&self) -> SyncRequest {
        replica::request(self.client_id, &self.meta, &self.outbox)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.rng.chance(percent)
    }

    /// The request was sent but no answer came: whatever it carried may have been applied.
    pub fn lost(&mut self, request: &SyncRequest) {
        self.uncertain
            .extend(request.mutations.iter().map(|mutation| mutation.id));
    }

    /// Counts the server's answers to this device's mutations, whether or not the device
    /// then takes the response in (a repeated request's first answer is dropped).
    pub fn note_answers(&mut self, request: &SyncRequest, response: &SyncResponse) -> Vec<String> {
        let mut problems = Vec::new();
        for mutation in &request.mutations {
            let Some(result) = response.results.iter().find(|r| r.id == mutation.id) else {
                problems.push(format!("mutation {} got no answer", mutation.id));
                continue;
            };
            let answers = self.answers.entry(mutation.id).or_default();
            match result.status {
                MutationStatus::Applied => answers.applied += 1,
                MutationStatus::Duplicate => answers.duplicate += 1,
                MutationStatus::Rejected => {
                    answers.rejected += 1;
                    problems.push(format!(
                        "{} rejected: {}",
                        mutation.name,
                        result
                            .code
                            .map(|code| code.code().to_owned())
                            .or_else(|| result.error.clone())
                            .unwrap_or_default()
                    ));
                }
            }
            if answers.applied > 1 {
                problems.push(format!(
                    "mutation {} ({}) answered applied {} times",
                    mutation.id, mutation.name, answers.applied
                ));
            }
        }
        problems
    }

    /// `store.absorb` as the app does it, with the records it changes taken in at once.
    pub fn absorb(&mut self, response: SyncResponse) -> Taken {
        let mut problems = Vec::new();
        for result in &response.results {
            if self.outbox.iter().any(|p| p.mutation.id == result.id) {
                self.settled.insert(result.id, result.status);
            }
        }
        let changes = response.changes.len();
        let absorbed = replica::absorb(&self.outbox, response);
        let touches_access = |key: &str| {
            ["participant/", "placement/", "supervisor/", "staff/"]
                .iter()
                .any(|prefix| key.starts_with(prefix))
        };
        if absorbed.puts.iter().any(|held| touches_access(&held.key()))
            || absorbed.deletes.iter().any(|key| touches_access(key))
        {
            self.writable.day = None;
        }
        for held in absorbed.puts {
            self.held.insert(held.key(), held);
        }
        for key in &absorbed.deletes {
            self.held.remove(key);
        }
        self.outbox
            .retain(|pending| !absorbed.answered.contains(&pending.mutation.id));
        for notice in absorbed.notices {
            match notice.what {
                NoticeWhat::Refused { error, code } => problems.push(format!(
                    "refusal notice for a {}: {}",
                    notice.kind,
                    code.map(|code| code.code().to_owned()).unwrap_or(error)
                )),
                NoticeWhat::Replaced { .. } => self.replaced_notices += 1,
            }
        }
        self.meta.cursor = Some(absorbed.cursor);
        Taken {
            more: absorbed.more,
            changes,
            problems,
        }
    }

    /// Makes one change its user may make, as the app would: a check-in with a participant,
    /// or a day's attendance. Answers whether there was one to make (a project leader only
    /// reads; a supervisor with nobody placed has nothing to confirm).
    pub fn change(&mut self, today: NaiveDate) -> bool {
        self.refresh_writable(today);
        let check_ins = !self.writable.check_in.is_empty();
        let attendance = !self.writable.attendance.is_empty();
        let record = match (check_ins, attendance) {
            (false, false) => return false,
            (true, false) => self.check_in(today),
            (false, true) => self.attendance(today),
            (true, true) if self.rng.chance(60) => self.check_in(today),
            (true, true) => self.attendance(today),
        };
        let key = replica::key(record.kind().as_str(), &record.id().to_string());
        let base = self.held.get(&key).map(|held| held.version);
        let made = Made {
            kind: record.kind(),
            id: record.id(),
            data: record.to_json(),
        };
        let pending =
            replica::enqueue(self.last_mutation_id, &Change::Save(Box::new(record)), base);
        self.last_mutation_id = pending.mutation.id;
        self.made.insert(pending.mutation.id, made);
        self.outbox.push(pending);
        true
    }

    fn check_in(&mut self, today: NaiveDate) -> Record {
        let participant = self.writable.check_in[self.rng.below(self.writable.check_in.len())];
        let going = ["well", "mixed", "poorly"][self.rng.below(3)];
        let data = json!({
            "id": self.rng.uuid(), "participant_id": participant, "held_on": today,
            "attendees": ["participant", "supervisor", "case_manager"],
            "going": going, "notes": "Lasttest: uppföljning på arbetsplatsen",
        });
        Record::parse(Kind::CheckIn, data).expect("the bench's check-in is valid")
    }

    fn attendance(&mut self, today: NaiveDate) -> Record {
        let placement =
            self.writable.attendance[self.rng.below(self.writable.attendance.len())].clone();
        let (first, last) = attendance_days(&placement, today).expect("kept only with days");
        let span = (last - first).num_days() as usize + 1;
        let day = first + Days::new(self.rng.below(span) as u64);
        let mut data = json!({
            "id": Attendance::id_for(placement.participant_id, day),
            "participant_id": placement.participant_id, "placement_id": placement.id,
            "day": day, "status": "present",
        });
        // A day not as planned says why, and part of a day when (after the planned start).
        match self.rng.below(4) {
            2 => {
                data["status"] = json!("part_of_day");
                data["planned_start"] = json!("08:00");
                data["planned_end"] = json!("16:00");
                data["arrived_at"] = json!("08:40");
                data["reason"] = json!("transport");
            }
            3 => {
                data["status"] = json!("absent");
                data["reason"] = json!("ill");
            }
            _ => {}
        }
        Record::parse(Kind::Attendance, data).expect("the bench's attendance is valid")
    }

    fn refresh_writable(&mut self, today: NaiveDate) {
        if self.writable.day == Some(today) {
            return;
        }
        let Some(signed_in) = &self.signed_in else {
            self.writable = Writable::default();
            return;
        };
        let records: Vec<Record> = self
            .held
            .values()
            .filter_map(|held| {
                let kind: Kind = held.kind.parse().ok()?;
                // A limited view (a supervisor's of a participant) is not a whole record.
                Record::read_stored(kind, held.data.clone()).ok()
            })
            .collect();
        let links: Vec<Link> = records.iter().flat_map(Record::links).collect();
        let viewer = Viewer::new(
            signed_in.user_id,
            signed_in.roles.iter().copied(),
            &links,
            today,
        );
        let check_in = self
            .held
            .values()
            .filter(|held| held.kind == Kind::Participant.as_str())
            .filter_map(|held| {
                let id: Uuid = held.data["id"].as_str()?.parse().ok()?;
                let programme: Uuid = held.data["programme_id"].as_str()?.parse().ok()?;
                viewer
                    .may_write(Kind::CheckIn, Entity::Participant(id), Some(programme))
                    .then_some(id)
            })
            .collect();
        let attendance = records
            .into_iter()
            .filter_map(|record| match record {
                Record::Placement(placement) => Some(placement),
                _ => None,
            })
            .filter(|placement| {
                viewer.may_write(
                    Kind::Attendance,
                    Entity::Participant(placement.participant_id),
                    Some(placement.programme_id),
                ) && attendance_days(placement, today).is_some()
            })
            .collect();
        self.writable = Writable {
            day: Some(today),
            check_in,
            attendance,
        };
    }
}

/// The days of a placement whose attendance may be confirmed today: worked already, and
/// within the last two weeks.
fn attendance_days(placement: &Placement, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let first = placement
        .starts_on
        .max(today.checked_sub_days(Days::new(ATTENDANCE_DAYS_BACK))?);
    let last = placement.ends_on.min(today);
    (first <= last).then_some((first, last))
}
