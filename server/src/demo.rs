//! A fictional demo programme shaped like Arbetshoppet (Linköping and six neighbouring
//! municipalities), so that a new installation can be shown and tried with a realistic amount
//! of data: workplaces, supervisors, two intake rounds of participants, their placements and
//! schedules, and months of journal history up to the day it is generated.
//!
//! Everything follows from `today` and a fixed seed: the same day gives the same records with
//! the same ids, so seeding twice on one day writes the same data again.
//!
//! Nothing in it reaches or names a real person: phone numbers come from the series the Post
//! and Telecom Authority (PTS) keeps for fiction, e-mail addresses use the reserved `.example`
//! domain (RFC 2606), and identity numbers have serial numbers from 9xx, as test numbers do.

use chrono::{Datelike, Days, Months, NaiveDate, TimeDelta, Weekday};
use lotsa_core::domain::{
    next_on, week_start, Absence, AbsenceReason, Address, AgreedAction, Area, AreaRating,
    Attendance, AttendanceReason, AttendanceStatus, Attendee, Channel, CheckIn, Closing, Consent,
    ConsentScope, Contact, ContactEntry, EducationLevel, Email, EventKind, FollowUp, Funding,
    Gender, Going, IdentityNumber, IntakeRound, LabourMarketStatus, LanguageCode, Note, Outcome,
    Participant, Percent, Phase, PhoneNumber, Placement, PlacementLimit, PostalCode, Programme,
    Progress, Rating, Record, Review, Role, ScheduleEvent, ShortText, Situation, Staff, Supervisor,
    SupportDecision, SupportKind, SupportNeed, Targets, TimeOfDay, TrainingGoal, WorkDay,
    Workplace, WorkplaceType,
};
use std::collections::BTreeSet;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demo {
    pub users: Vec<DemoUser>,
    /// In an order where every record comes after the records it refers to:
    /// programme, staff, workplaces, supervisors, participants, placements, schedule events,
    /// then the journal records.
    pub records: Vec<Record>,
    /// One demo login per role: (role, username). All demo users share [`DEMO_PASSWORD`].
    pub logins: Vec<(Role, String)>,
}

/// Not a secret: it only ever guards fictional data, so it can be handed to whoever tries
/// the demo.
/// One demo account per role, as the login page lists them.
pub const LOGINS: [(Role, &str); 5] = [
    (Role::ProjectLeader, "projektledare"),
    (Role::CaseManager, "handlaggare1"),
    (Role::EmploymentOfficer, "arbetsformedlare1"),
    (Role::Supervisor, "handledare"),
    (Role::Participant, "deltagare"),
];

pub const DEMO_PASSWORD: &str = "demo-lotsa-2026";

const PARTICIPANTS: usize = 85;
const ROUND_ONE_SIZE: usize = 45;
const LIMIT: PlacementLimit = PlacementLimit::Months(6);
const SEED: u64 = 0x4c6f_7473_6144_656d;
const NAMESPACE: Uuid = Uuid::from_u128(0x6c6f_7473_615f_6465_6d6f_5f32_3032_3621);
const TRAINING_PLACE: &str = "Campus Valla, Linköping";
const OFFICE: &str = "Arbetshoppets kontor, Storgatan 33, Linköping";
const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];
const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// Participants of the first intake who have already left, in the order of [`EXIT_OUTCOMES`].
const EXITED: [usize; 6] = [5, 12, 19, 26, 33, 40];
/// Participants of the first intake whose placement is ending about now.
const CLOSING: [usize; 6] = [8, 15, 22, 29, 36, 43];

/// Builds the demo programme as it would look on `today`.
pub fn generate(today: NaiveDate) -> Demo {
    let mut rng = Rng(SEED);
    let calendar = Calendar::new(today);
    let programme = programme(&calendar);
    let programme_id = programme.id;
    let staff: Vec<Staff> = STAFF
        .iter()
        .enumerate()
        .map(|(index, member)| staff(programme_id, index, member))
        .collect();
    let mut names = BTreeSet::new();
    let workplaces = workplaces(programme_id, &mut names, &mut rng);
    let supervisors = supervisors(programme_id, &calendar, &workplaces, &mut names, &mut rng);
    let plans = plan_participants(&calendar, &mut rng);
    let context = Context {
        calendar,
        programme_id,
        staff_ids: staff.iter().map(|member| member.id).collect(),
        workplaces,
        supervisors,
    };

    let mut participants = Vec::new();
    let mut placements = Vec::new();
    let mut events = Vec::new();
    let mut journal = Journal::default();
    for plan in &plans {
        participants.push(participant(&context, plan, &mut rng));
        if let Some(placement) = &plan.placement {
            placements.push(Placement {
                id: placement.id,
                programme_id,
                participant_id: plan.id,
                workplace_id: context.workplaces[plan.workplace].id,
                supervisor_id: context.supervisors[plan.supervisor].id,
                starts_on: placement.starts_on,
                ends_on: placement.ends_on,
                weekly_pattern: placement.pattern.clone(),
            });
        }
        let next_check_in = journal.add(&context, plan, &mut rng);
        events.extend(schedule(&context, plan, next_check_in, &mut rng));
    }

    let demo_supervisor = &context.supervisors[0];
    let demo_participant = &participants[0];
    let mut users: Vec<DemoUser> = STAFF
        .iter()
        .map(|member| DemoUser {
            id: user_id(member.username),
            username: member.username.to_owned(),
            display_name: member.name.to_owned(),
            roles: vec![member.role],
        })
        .collect();
    users.push(DemoUser {
        id: user_id("handledare"),
        username: "handledare".to_owned(),
        display_name: format!(
            "{} {}",
            demo_supervisor.first_name, demo_supervisor.last_name
        ),
        roles: vec![Role::Supervisor],
    });
    users.push(DemoUser {
        id: user_id("deltagare"),
        username: "deltagare".to_owned(),
        display_name: format!(
            "{} {}",
            demo_participant.first_name, demo_participant.last_name
        ),
        roles: vec![Role::Participant],
    });
    let logins = LOGINS
        .into_iter()
        .map(|(role, username)| (role, username.to_owned()))
        .collect();

    let Context {
        workplaces,
        supervisors,
        ..
    } = context;
    let mut records = vec![Record::Programme(programme)];
    records.extend(staff.into_iter().map(Record::Staff));
    records.extend(workplaces.into_iter().map(Record::Workplace));
    records.extend(supervisors.into_iter().map(Record::Supervisor));
    records.extend(participants.into_iter().map(Record::Participant));
    records.extend(placements.into_iter().map(Record::Placement));
    records.extend(events.into_iter().map(Record::ScheduleEvent));
    journal.append_to(&mut records);
    Demo {
        users,
        records,
        logins,
    }
}

/// splitmix64: a few lines, no dependency, and the same sequence on every platform, which is
/// all the demo needs from randomness.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.next_u64() % 100 < chance
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn phrase(&mut self, phrases: &[&'static str]) -> &'static str {
        phrases[self.below(phrases.len())]
    }

    /// One word of a space-separated list.
    fn word(&mut self, list: &'static str) -> &'static str {
        let words: Vec<&'static str> = list.split_whitespace().collect();
        words[self.below(words.len())]
    }

    /// A whole number of days in `0..n`.
    fn days(&mut self, n: usize) -> i64 {
        self.below(n) as i64
    }
}

/// Ids from names rather than from a counter, so adding a kind of record to the demo does not
/// change the ids of the others.
fn id(label: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, label.as_bytes())
}

fn user_id(username: &str) -> Uuid {
    id(&format!("user:{username}"))
}

fn text(raw: &str) -> ShortText {
    ShortText::parse(raw).unwrap_or_else(|error| panic!("demo text {raw:?}: {error}"))
}

fn note(raw: &str) -> Note {
    Note::parse(raw).unwrap_or_else(|error| panic!("demo note {raw:?}: {error}"))
}

fn at(time: &str) -> TimeOfDay {
    TimeOfDay::parse(time).unwrap_or_else(|error| panic!("demo time {time:?}: {error}"))
}

fn percent(value: u8) -> Percent {
    Percent::new(value).expect("demo percentages are 0–100")
}

fn language(code: &str) -> LanguageCode {
    LanguageCode::parse(code).unwrap_or_else(|error| panic!("demo language {code:?}: {error}"))
}

fn email(local: &str, domain: &str) -> Email {
    let address = format!("{}@{domain}", ascii_slug(local));
    Email::parse(&address).unwrap_or_else(|error| panic!("demo e-mail {address:?}: {error}"))
}

/// PTS keeps 070-174 06 05 … 99 for use in fiction.
fn mobile(n: usize) -> PhoneNumber {
    let number = format!("070-174 06 {:02}", 5 + n % 95);
    PhoneNumber::parse(&number).expect("fiction numbers are phone numbers")
}

/// PTS keeps 08-465 004 00 … 99 and 031-390 06 00 … 99 for use in fiction.
fn landline(n: usize) -> PhoneNumber {
    let number = if n % 200 < 100 {
        format!("08-465 004 {:02}", n % 100)
    } else {
        format!("031-390 06 {:02}", n % 100)
    };
    PhoneNumber::parse(&number).expect("fiction numbers are phone numbers")
}

/// A name as it would appear in an e-mail address: lower case ASCII, dots between words.
fn ascii_slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'å' | 'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'é' | 'è' | 'ë' => Some('e'),
            'ü' | 'ú' => Some('u'),
            'ć' | 'č' => Some('c'),
            'š' => Some('s'),
            'ž' => Some('z'),
            'í' | 'ï' => Some('i'),
            ' ' => Some('.'),
            'a'..='z' | '0'..='9' | '-' | '.' => Some(c),
            _ => None,
        })
        .collect()
}

fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    day + TimeDelta::days(days)
}

/// Meetings that already happened are moved back to the Friday, so they stay in the past.
fn workday_on_or_before(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => plus(day, -1),
        Weekday::Sun => plus(day, -2),
        _ => day,
    }
}

/// Meetings still to come are moved on to the Monday, so they stay in the future.
fn workday_on_or_after(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => plus(day, 2),
        Weekday::Sun => plus(day, 1),
        _ => day,
    }
}

/// A personal or coordination number (day + 60) with a serial from 9xx, like the Tax
/// Agency's test numbers. As in real numbers, the third serial digit is odd for men.
fn identity_number(
    birth: NaiveDate,
    index: usize,
    gender: Gender,
    coordination: bool,
) -> IdentityNumber {
    let day = birth.day() + if coordination { 60 } else { 0 };
    let sex_digit = 2 * ((index / 10) % 5) + usize::from(gender == Gender::Man);
    let first_eleven = format!(
        "{}{:02}{day:02}9{}{sex_digit}",
        birth.year(),
        birth.month(),
        index % 10
    );
    let check = luhn_check_digit(&first_eleven[2..]);
    let number = format!("{first_eleven}{check}");
    IdentityNumber::parse(&number).unwrap_or_else(|error| panic!("demo number {number}: {error}"))
}

/// The digit that makes `digits` + it pass the Luhn check, doubling every other digit from
/// the left as the Tax Agency does.
fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i.is_multiple_of(2) {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

struct Round {
    id: Uuid,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    /// The course meets on the same weekday for the whole intake.
    training_day: Weekday,
}

impl Round {
    fn name(&self) -> String {
        let month = MONTHS[self.starts_on.month0() as usize];
        format!("Intag {month} {}", self.starts_on.year())
    }
}

/// The programme's dates, placed around `today` so the demo always looks current: the first
/// intake started about four and a half months ago, the second about seven weeks ago.
struct Calendar {
    today: NaiveDate,
    funding_start: NaiveDate,
    funding_end: NaiveDate,
    rounds: [Round; 2],
}

impl Calendar {
    fn new(today: NaiveDate) -> Self {
        let monday = week_start(today);
        let round = |number: u32, weeks_ago: u64, training_day| {
            let starts_on = monday - Days::new(weeks_ago * 7);
            // The intake's last placement starts five weeks in and may last six months.
            Round {
                id: id(&format!("intake_round:{number}")),
                starts_on,
                ends_on: LIMIT.last_day(starts_on + Days::new(35)),
                training_day,
            }
        };
        let rounds = [round(1, 19, Weekday::Wed), round(2, 7, Weekday::Tue)];
        let first = rounds[0].starts_on;
        let funding_start = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)
            .expect("the first of a month exists")
            - Months::new(6);
        let funding_end = funding_start + Months::new(36) - Days::new(1);
        Self {
            today,
            funding_start,
            funding_end,
            rounds,
        }
    }
}

fn programme(calendar: &Calendar) -> Programme {
    Programme {
        id: id("programme"),
        name: text("Arbetshoppet"),
        owner: text("Linköpings kommun"),
        funding: Some(Funding {
            funder: text("Europeiska socialfonden+ (ESF+)"),
            project_number: text("2025/00318"),
            starts_on: calendar.funding_start,
            ends_on: calendar.funding_end,
            total_budget_sek: 24_860_000,
            co_financing_sek: 11_187_000,
        }),
        targets: Targets {
            participants: PARTICIPANTS as u32,
            share_women: percent(50),
            share_men: percent(50),
            share_in_work_or_studies: percent(100),
        },
        max_placement: LIMIT,
        intake_rounds: calendar
            .rounds
            .iter()
            .map(|round| IntakeRound {
                id: round.id,
                name: text(&round.name()),
                starts_on: round.starts_on,
                ends_on: round.ends_on,
            })
            .collect(),
        municipalities: MUNICIPALITIES.iter().map(|m| text(m.name)).collect(),
    }
}

struct StaffSeed {
    username: &'static str,
    name: &'static str,
    role: Role,
    title: &'static str,
    domain: &'static str,
}

const STAFF: [StaffSeed; 7] = [
    StaffSeed {
        username: "projektledare",
        name: "Karin Lindqvist",
        role: Role::ProjectLeader,
        title: "Projektledare",
        domain: "linkoping.example",
    },
    StaffSeed {
        username: "handlaggare1",
        name: "Sara Holmberg",
        role: Role::CaseManager,
        title: "Coach",
        domain: "linkoping.example",
    },
    StaffSeed {
        username: "handlaggare2",
        name: "Daniel Ekström",
        role: Role::CaseManager,
        title: "Coach",
        domain: "linkoping.example",
    },
    StaffSeed {
        username: "handlaggare3",
        name: "Leyla Karimi",
        role: Role::CaseManager,
        title: "Coach",
        domain: "linkoping.example",
    },
    StaffSeed {
        username: "handlaggare4",
        name: "Maria Åberg",
        role: Role::CaseManager,
        title: "Coach",
        domain: "linkoping.example",
    },
    StaffSeed {
        username: "arbetsformedlare1",
        name: "Elin Forsberg",
        role: Role::EmploymentOfficer,
        title: "Arbetsförmedlingen",
        domain: "arbetsformedlingen.example",
    },
    StaffSeed {
        username: "arbetsformedlare2",
        name: "Mikael Sandberg",
        role: Role::EmploymentOfficer,
        title: "Arbetsförmedlingen",
        domain: "arbetsformedlingen.example",
    },
];

/// Where the case managers and employment officers sit in [`STAFF`].
const FIRST_CASE_MANAGER: usize = 1;
const FIRST_OFFICER: usize = 5;

fn staff(programme_id: Uuid, index: usize, member: &StaffSeed) -> Staff {
    Staff {
        id: user_id(member.username),
        programme_id,
        name: text(member.name),
        phone: Some(mobile(index)),
        email: Some(email(member.name, member.domain)),
        title: Some(text(member.title)),
    }
}

struct MunicipalitySeed {
    name: &'static str,
    authority: &'static str,
    town: &'static str,
    domain: &'static str,
    /// Which of the two employment officers serves the municipality.
    officer: usize,
    streets: &'static [(&'static str, &'static str)],
}

const MUNICIPALITIES: [MunicipalitySeed; 7] = [
    MunicipalitySeed {
        name: "Linköping",
        authority: "Linköpings kommun",
        town: "Linköping",
        domain: "linkoping.example",
        officer: 0,
        streets: &[
            ("Västanågatan", "58235"),
            ("Mörnersgatan", "58663"),
            ("Ryds allé", "58435"),
            ("Björnkärrsgatan", "58433"),
            ("Ekholmsvägen", "58939"),
            ("Tornbyvägen", "58273"),
        ],
    },
    MunicipalitySeed {
        name: "Norrköping",
        authority: "Norrköpings kommun",
        town: "Norrköping",
        domain: "norrkoping.example",
        officer: 1,
        streets: &[
            ("Hagebygatan", "60366"),
            ("Navestadsgatan", "60378"),
            ("Skarphagsgatan", "60354"),
            ("Ljuragatan", "60218"),
        ],
    },
    MunicipalitySeed {
        name: "Motala",
        authority: "Motala kommun",
        town: "Motala",
        domain: "motala.example",
        officer: 1,
        streets: &[
            ("Drottninggatan", "59135"),
            ("Råssnäsgatan", "59131"),
            ("Kvarngatan", "59130"),
        ],
    },
    MunicipalitySeed {
        name: "Kinda",
        authority: "Kinda kommun",
        town: "Kisa",
        domain: "kinda.example",
        officer: 0,
        streets: &[("Storgatan", "59038"), ("Järnvägsgatan", "59038")],
    },
    MunicipalitySeed {
        name: "Söderköping",
        authority: "Söderköpings kommun",
        town: "Söderköping",
        domain: "soderkoping.example",
        officer: 1,
        streets: &[("Mattsgårdsvägen", "61433"), ("Skönbergagatan", "61431")],
    },
    MunicipalitySeed {
        name: "Åtvidaberg",
        authority: "Åtvidabergs kommun",
        town: "Åtvidaberg",
        domain: "atvidaberg.example",
        officer: 0,
        streets: &[("Bruksgatan", "59730"), ("Tallbacksvägen", "59733")],
    },
    MunicipalitySeed {
        name: "Valdemarsvik",
        authority: "Valdemarsviks kommun",
        town: "Valdemarsvik",
        domain: "valdemarsvik.example",
        officer: 1,
        streets: &[("Storgatan", "61530"), ("Skolgatan", "61532")],
    },
];

/// A workplace as "name, street, postal code"; the town is its municipality's.
struct WorkplaceSeed {
    kind: WorkplaceType,
    municipality: usize,
    place: &'static str,
}

impl WorkplaceSeed {
    fn part(&self, n: usize) -> &'static str {
        self.place
            .split(", ")
            .nth(n)
            .expect("a workplace seed has three parts")
    }
}

const fn seed(kind: WorkplaceType, municipality: usize, place: &'static str) -> WorkplaceSeed {
    WorkplaceSeed {
        kind,
        municipality,
        place,
    }
}

/// Laid out as a table, one workplace a line.
#[rustfmt::skip]
const WORKPLACES: [WorkplaceSeed; 30] = {
    use WorkplaceType::{CareHome, DisabilityCare, HomeCare, HomeHealthCare, Other};
    [
        seed(CareHome, 0, "Solbackens vård- och omsorgsboende, Ryds allé 14, 584 35"),
        seed(HomeCare, 0, "Hemtjänst Ryd-Valla, Västanågatan 8, 582 35"),
        seed(CareHome, 0, "Lambohovs vård- och omsorgsboende, Lambohovsgatan 21, 583 30"),
        seed(HomeHealthCare, 0, "Hemsjukvården Linköping sydväst, Djurgårdsgatan 32, 582 29"),
        seed(DisabilityCare, 0, "Gruppbostaden Skogslyckan, Skogslyckegatan 3, 587 23"),
        seed(CareHome, 0, "Ekholmens vårdboende, Ekholmsvägen 40, 589 39"),
        seed(HomeCare, 0, "Hemtjänst Skäggetorp, Mörnersgatan 5, 586 63"),
        seed(Other, 0, "Berga vård- och omsorgscentrum, Bergavägen 20, 586 43"),
        seed(CareHome, 0, "Tornbyhemmet, Tornbyvägen 11, 582 73"),
        seed(HomeCare, 0, "Hemtjänst Tannefors, Tanneforsgatan 61, 582 42"),
        seed(CareHome, 1, "Ljura vård- och omsorgsboende, Ljuragatan 10, 602 18"),
        seed(HomeCare, 1, "Hemtjänst Hageby, Hagebygatan 45, 603 66"),
        seed(HomeHealthCare, 1, "Hemsjukvården Norrköping centrum, Kungsgatan 52, 602 33"),
        seed(DisabilityCare, 1, "Gruppbostaden Navestad, Navestadsgatan 7, 603 78"),
        seed(CareHome, 1, "Vilbergens vårdboende, Skarphagsgatan 22, 603 54"),
        seed(HomeCare, 1, "Hemtjänst Klockaretorpet, Klockaretorpsvägen 30, 603 59"),
        seed(Other, 1, "Ektorpsgårdens omsorgscenter, Ektorpsgatan 4, 602 38"),
        seed(CareHome, 2, "Bråstorps vård- och omsorgsboende, Bråstorpsvägen 9, 591 51"),
        seed(HomeCare, 2, "Hemtjänst Motala norr, Drottninggatan 30, 591 35"),
        seed(DisabilityCare, 2, "Gruppbostaden Solrosen, Solrosvägen 5, 591 47"),
        seed(HomeHealthCare, 2, "Hemsjukvården Motala, Prästgatan 20, 591 30"),
        seed(CareHome, 3, "Norrgårdens vård- och omsorgsboende, Storgatan 60, 590 38"),
        seed(HomeCare, 3, "Hemtjänst Kinda, Järnvägsgatan 2, 590 38"),
        seed(CareHome, 4, "Söderköpingsgårdens vårdboende, Skönbergagatan 25, 614 31"),
        seed(HomeCare, 4, "Hemtjänst Söderköping, Storgatan 8, 614 30"),
        seed(DisabilityCare, 4, "Gruppbostaden Mattsgården, Mattsgårdsvägen 4, 614 33"),
        seed(CareHome, 5, "Tallbackens vårdboende, Tallbacksvägen 6, 597 33"),
        seed(Other, 5, "Hemtjänst och hemsjukvård Åtvidaberg, Bruksgatan 11, 597 30"),
        seed(CareHome, 6, "Strandgårdens vårdboende, Strandvägen 14, 615 30"),
        seed(HomeCare, 6, "Hemtjänst Valdemarsvik, Storgatan 35, 615 30"),
    ]
};

fn municipality_of(workplace: usize) -> &'static MunicipalitySeed {
    &MUNICIPALITIES[WORKPLACES[workplace].municipality]
}

fn location_of(workplace: &Workplace) -> String {
    format!(
        "{}, {}, {}",
        workplace.name, workplace.address.street, workplace.address.city
    )
}

/// Names for the people who work in care (unit managers and supervisors), separated by spaces.
const CARE_WOMEN: &str = "
    Birgitta Anneli Marie Susanne Lena Carina Helena Jenny Sofia Emma Linda Malin Kristina
    Monica Pia Ulrika Åsa Camilla Therese Amira Nadia Aisha Sanna Jasmina Mirela Elif Hawa Tiina
    Agneta Gunilla
";
const CARE_MEN: &str = "
    Anders Per Thomas Johan Mats Stefan Ali Goran Mehmet Samir Patrik Jonas Kristian Hamid Erik
    Tomas
";
const CARE_SURNAMES: &str = "
    Nordin Ek Strand Hedlund Åkesson Lindahl Sjögren Palm Rask Mäkinen Korhonen Demir Yilmaz
    Begović Jovanović Ibrahim Lundgren Berglund Fransson Wikström Nyström Blomqvist Hallberg
    Sundqvist Engström Lindell Ström Öberg Dahl Hermansson Kovač Selimović Axelsson Thorén
    Wallin Ekberg
";

/// A unique name from the care pools; about three in four care workers are women.
fn care_worker_name(names: &mut BTreeSet<String>, rng: &mut Rng) -> (&'static str, &'static str) {
    loop {
        let first = if rng.percent(75) {
            rng.word(CARE_WOMEN)
        } else {
            rng.word(CARE_MEN)
        };
        let last = rng.word(CARE_SURNAMES);
        if names.insert(format!("{first} {last}")) {
            return (first, last);
        }
    }
}

fn workplaces(programme_id: Uuid, names: &mut BTreeSet<String>, rng: &mut Rng) -> Vec<Workplace> {
    WORKPLACES
        .iter()
        .enumerate()
        .map(|(index, seed)| {
            let municipality = &MUNICIPALITIES[seed.municipality];
            let (first, last) = care_worker_name(names, rng);
            Workplace {
                id: id(&format!("workplace:{index}")),
                programme_id,
                name: text(seed.part(0)),
                workplace_type: seed.kind,
                address: Address {
                    street: text(seed.part(1)),
                    postal_code: PostalCode::parse(seed.part(2)).expect("demo postal code"),
                    city: text(municipality.town),
                },
                municipality: text(municipality.name),
                unit_manager: Some(Contact {
                    name: text(&format!("{first} {last}")),
                    phone: Some(landline(index)),
                    email: Some(email(&format!("{first} {last}"), municipality.domain)),
                }),
            }
        })
        .collect()
}

/// Two per workplace, ordered by workplace; the first supervisor of the first workplace is
/// the demo supervisor who can sign in.
fn supervisors(
    programme_id: Uuid,
    calendar: &Calendar,
    workplaces: &[Workplace],
    names: &mut BTreeSet<String>,
    rng: &mut Rng,
) -> Vec<Supervisor> {
    let sessions = [
        calendar.funding_start - Months::new(8),
        next_on(calendar.funding_start + Months::new(2), Weekday::Tue),
        plus(calendar.rounds[0].starts_on, -17),
        plus(calendar.rounds[1].starts_on, -10),
    ];
    let mut supervisors = Vec::new();
    for (w, workplace) in workplaces.iter().enumerate() {
        let municipality = municipality_of(w);
        for k in 0..2 {
            let index = 2 * w + k;
            let (first, last) = care_worker_name(names, rng);
            let trained = index % 3 != 2;
            let session = if rng.percent(15) { 0 } else { 1 + rng.below(3) };
            supervisors.push(Supervisor {
                id: id(&format!("supervisor:{w}:{k}")),
                programme_id,
                workplace_id: workplace.id,
                user_id: (index == 0).then(|| user_id("handledare")),
                first_name: text(first),
                last_name: text(last),
                phone: Some(landline(workplaces.len() + index)),
                email: (index == 0 || rng.percent(80))
                    .then(|| email(&format!("{first} {last}"), municipality.domain)),
                trained_on: trained.then_some(sessions[if index == 0 { 2 } else { session }]),
                invited_until: None,
            });
        }
    }
    supervisors
}

/// Where participants come from, which sets their names, languages and what is likely about
/// them at entry. Lists of names and languages are separated by spaces.
struct Origin {
    language: &'static str,
    /// Other languages people from here often speak.
    also: &'static str,
    women: &'static str,
    men: &'static str,
    surnames: &'static str,
    newly_arrived: bool,
    /// Chances in percent of ISCED 0–2 and 3–4; the rest have tertiary education.
    education: (u64, u64),
    count: usize,
}

const ORIGINS: [Origin; 9] = [
    Origin {
        language: "sv",
        also: "en",
        women: "
            Anna Emma Sara Johanna Linnea Frida Jenny Hanna Ida Jessica Josefin Matilda Ebba
            Annika Louise
        ",
        men: "
            Erik Johan Andreas Fredrik Marcus Niklas Henrik Oskar Viktor Simon Emil Linus Robin
            Tobias Sebastian
        ",
        surnames: "
            Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson
            Gustafsson Pettersson Jonsson Bengtsson Lindberg Magnusson Lindström Olofsson
            Lindgren Berg Sjöberg Eklund Håkansson Björk Bergman Holm Isaksson Söderberg
        ",
        newly_arrived: false,
        education: (35, 60),
        count: 20,
    },
    Origin {
        language: "ar",
        also: "en",
        women: "
            Fatima Rania Noor Layla Hiba Aya Rasha Maryam Dima Lina Hala Reem Yasmin Samar Amal
        ",
        men: "
            Mohammed Ahmad Omar Khaled Yousef Ali Mahmoud Ibrahim Karim Samer Bashar Tarek Ammar
            Firas Zaid
        ",
        surnames: "
            Al-Hassan Haddad Khalil Mansour Al-Khatib Nasser Saleh Abboud Darwish Hamdan
            Al-Ahmad Jaber Qasim Al-Shami Hussein
        ",
        newly_arrived: true,
        education: (25, 40),
        count: 16,
    },
    Origin {
        language: "so",
        also: "ar en",
        women: "Amina Hodan Fadumo Sahra Ifrah Hibo Nimco Khadija Ayan Sagal Deeqa",
        men: "Abdi Mohamed Abdirahman Hassan Liban Mustafe Yusuf Abdullahi Farah Guled",
        surnames: "Warsame Farah Abdi Osman Jama Mohamud Hirsi Nur Dahir Egal Aden Ismail",
        newly_arrived: true,
        education: (60, 30),
        count: 10,
    },
    Origin {
        language: "ti",
        also: "am ar",
        women: "Selam Senait Meron Luwam Yordanos Saba Tsega Winta Rahel",
        men: "Yonas Dawit Samuel Tesfay Filmon Biniam Robel Henok Mussie",
        surnames: "
            Tesfamariam Ghebremedhin Haile Berhane Kidane Gebreyesus Weldemichael Habte Asmerom
            Tekle
        ",
        newly_arrived: true,
        education: (55, 35),
        count: 8,
    },
    Origin {
        language: "prs",
        also: "fa en",
        women: "Zahra Mariam Fatema Shabnam Parisa Nargis Freshta Masooma Roya Sima",
        men: "Mohammad Hamid Mustafa Jawad Rahim Sayed Naweed Farid Khalid Habib",
        surnames: "
            Rahimi Ahmadi Hosseini Karimi Mohammadi Jafari Sultani Amiri Noori Haidari Wardak
            Sadat
        ",
        newly_arrived: true,
        education: (60, 30),
        count: 8,
    },
    Origin {
        language: "fa",
        also: "en",
        women: "Shirin Leila Neda Mahsa Parvin Nasrin Golnar Azadeh",
        men: "Reza Amir Mehdi Hossein Babak Kaveh Arash Farhad",
        surnames: "Rostami Tehrani Moradi Sadeghi Hashemi Ebrahimi Nazari Kazemi Mousavi Azizi",
        newly_arrived: true,
        education: (15, 40),
        count: 5,
    },
    Origin {
        language: "uk",
        also: "ru en",
        women: "Olena Iryna Nataliia Oksana Tetiana Yuliia Kateryna Svitlana Halyna Viktoriia",
        men: "Oleksandr Andrii Serhii Dmytro Volodymyr Mykola Yurii Vasyl Taras",
        surnames: "
            Kovalenko Shevchenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Marchenko
            Kovalchuk Savchenko Moroz Lysenko
        ",
        newly_arrived: true,
        education: (10, 45),
        count: 9,
    },
    Origin {
        language: "th",
        also: "en",
        women: "Siriporn Nittaya Malee Pranee Kanya Supaporn",
        men: "Somchai Anan Prasert Wichai",
        surnames: "Srisuk Chaiyaporn Boonmee Wongsawat Saelim Thongdee",
        newly_arrived: true,
        education: (45, 40),
        count: 4,
    },
    Origin {
        language: "en",
        also: "",
        women: "Grace Blessing Mercy Joy Comfort",
        men: "Emmanuel Kwame Chidi Kofi Tunde",
        surnames: "Okafor Mensah Adeyemi Owusu Nwosu Boateng Asante",
        newly_arrived: true,
        education: (20, 50),
        count: 5,
    },
];

/// The Swedish name of a language, for notes written by case managers.
fn language_name(code: &str) -> &'static str {
    match code {
        "ar" => "arabiska",
        "so" => "somaliska",
        "ti" => "tigrinska",
        "prs" => "dari",
        "fa" => "persiska",
        "uk" => "ukrainska",
        "th" => "thailändska",
        "en" => "engelska",
        _ => "svenska",
    }
}

/// What is decided about a participant before records are written, so that their
/// participant record, placement, schedule and journal tell one story.
struct Plan {
    index: usize,
    id: Uuid,
    round: usize,
    gender: Gender,
    first_name: &'static str,
    last_name: &'static str,
    origin: &'static Origin,
    birth_date: NaiveDate,
    sfi_level: Option<&'static str>,
    sfi_day: Option<Weekday>,
    interpreter: bool,
    childcare: bool,
    workplace: usize,
    /// Index into the supervisors, which are ordered by workplace.
    supervisor: usize,
    case_manager: usize,
    officer: usize,
    phase: Phase,
    placement: Option<PlacementPlan>,
}

struct PlacementPlan {
    id: Uuid,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    pattern: Vec<WorkDay>,
}

impl Plan {
    fn has_left(&self) -> bool {
        self.phase == Phase::FollowUp
    }

    /// The last day the participant is (or was) in the programme's schedule.
    fn last_day(&self, calendar: &Calendar) -> NaiveDate {
        match &self.placement {
            Some(placement) if self.has_left() => placement.ends_on,
            _ => calendar.rounds[self.round].ends_on,
        }
    }

    fn pronoun(&self) -> &'static str {
        match self.gender {
            Gender::Woman => "hon",
            Gender::Man => "han",
            Gender::NonBinary => "hen",
        }
    }
}

/// Participant `i` goes to workplace `i % 30`, with its first or second supervisor in turn,
/// so every supervisor has someone, and participant 0 (the demo participant) is with the
/// demo supervisor, as is participant 60.
fn plan_participants(calendar: &Calendar, rng: &mut Rng) -> Vec<Plan> {
    let mut origins: Vec<&'static Origin> = ORIGINS
        .iter()
        .flat_map(|origin| std::iter::repeat_n(origin, origin.count))
        .collect();
    for i in (1..origins.len()).rev() {
        let j = rng.below(i + 1);
        origins.swap(i, j);
    }
    if let Some(arabic) = origins.iter().position(|o| o.language == "ar") {
        origins.swap(0, arabic);
    }
    if let Some(swedish) = origins.iter().rposition(|o| o.language == "sv") {
        origins.swap(PARTICIPANTS - 1, swedish);
    }

    let mut names = BTreeSet::new();
    let mut plans = Vec::new();
    for (index, origin) in origins.into_iter().enumerate() {
        let round = usize::from(index >= ROUND_ONE_SIZE);
        let training_day = calendar.rounds[round].training_day;
        let gender = match index {
            i if i == PARTICIPANTS - 1 => Gender::NonBinary,
            i if i.is_multiple_of(2) => Gender::Woman,
            _ => Gender::Man,
        };
        let (first_name, last_name) = loop {
            let first = match gender {
                Gender::Woman => rng.word(origin.women),
                Gender::Man => rng.word(origin.men),
                Gender::NonBinary => "Kim",
            };
            let last = rng.word(origin.surnames);
            if names.insert(format!("{first} {last}")) {
                break (first, last);
            }
        };
        let birth_date =
            NaiveDate::from_yo_opt(1965 + rng.below(40) as i32, 1 + rng.below(365) as u32)
                .expect("day 1–365 exists in every year");
        let sfi_level = if index == 0 {
            Some("Kurs C")
        } else if origin.newly_arrived {
            match rng.below(100) {
                0..20 => None,
                20..40 => Some("Kurs B"),
                40..75 => Some("Kurs C"),
                _ => Some("Kurs D"),
            }
        } else {
            None
        };
        let interpreter = match sfi_level {
            Some("Kurs B") => true,
            Some("Kurs C") => index != 0 && rng.percent(25),
            _ => false,
        };
        let sfi_day = sfi_level.map(|_| {
            let free: Vec<Weekday> = WEEKDAYS
                .into_iter()
                .filter(|d| *d != training_day)
                .collect();
            *rng.pick(&free)
        });
        let childcare = rng.percent(if gender == Gender::Woman { 22 } else { 10 });
        let workplace = index % WORKPLACES.len();
        let phase = if round == 0 {
            if EXITED.contains(&index) {
                Phase::FollowUp
            } else if CLOSING.contains(&index) {
                Phase::Closing
            } else {
                Phase::Placement
            }
        } else if (index - ROUND_ONE_SIZE) % 5 == 4 {
            Phase::Introduction
        } else {
            Phase::Placement
        };
        let placement = (phase != Phase::Introduction).then(|| {
            let starts_on = if round == 0 {
                calendar.rounds[0].starts_on + Days::new(21 + 7 * (index % 2) as u64)
            } else {
                calendar.rounds[1].starts_on + Days::new(14 + 7 * (index % 4) as u64)
            };
            let longest = LIMIT.last_day(starts_on);
            let ends_on = match phase {
                Phase::FollowUp => plus(starts_on, 7 * (6 + rng.days(4)) + 4),
                Phase::Closing => plus(calendar.today, rng.days(25) - 10)
                    .max(plus(starts_on, 28))
                    .min(longest),
                _ => plus(longest, -rng.days(12)),
            };
            PlacementPlan {
                id: id(&format!("placement:{index}")),
                starts_on,
                ends_on,
                pattern: weekly_pattern(
                    WORKPLACES[workplace].kind,
                    training_day,
                    sfi_day,
                    childcare,
                    rng,
                ),
            }
        });
        plans.push(Plan {
            index,
            id: id(&format!("participant:{index}")),
            round,
            gender,
            first_name,
            last_name,
            origin,
            birth_date,
            sfi_level,
            sfi_day,
            interpreter,
            childcare,
            workplace,
            supervisor: 2 * workplace + (index / WORKPLACES.len()) % 2,
            case_manager: index % 4,
            officer: municipality_of(workplace).officer,
            phase,
            placement,
        });
    }
    plans
}

/// Care shifts as the workplaces run them; a participant mostly works one of the day shifts,
/// and some try an evening shift once a week (never those who need childcare).
fn weekly_pattern(
    kind: WorkplaceType,
    training_day: Weekday,
    sfi_day: Option<Weekday>,
    childcare: bool,
    rng: &mut Rng,
) -> Vec<WorkDay> {
    let day_shifts: &[(&str, &str)] = match kind {
        WorkplaceType::CareHome => &[("07:00", "15:30"), ("07:00", "15:30"), ("08:00", "16:30")],
        WorkplaceType::HomeCare => &[("07:00", "16:00"), ("07:30", "16:00"), ("07:00", "12:30")],
        WorkplaceType::HomeHealthCare => &[("08:00", "16:30"), ("07:30", "16:00")],
        WorkplaceType::DisabilityCare => {
            &[("08:00", "16:00"), ("09:00", "17:00"), ("07:30", "15:30")]
        }
        WorkplaceType::Other => &[("07:00", "15:30"), ("08:00", "16:30")],
    };
    let evening = match kind {
        WorkplaceType::HomeCare => ("14:00", "22:00"),
        WorkplaceType::HomeHealthCare => ("13:00", "21:00"),
        WorkplaceType::DisabilityCare => ("14:00", "21:00"),
        WorkplaceType::CareHome | WorkplaceType::Other => ("13:30", "21:30"),
    };
    let mut days: Vec<Weekday> = WEEKDAYS
        .into_iter()
        .filter(|day| *day != training_day && Some(*day) != sfi_day)
        .collect();
    let keep = if sfi_day.is_some() || rng.percent(35) {
        3
    } else {
        4
    };
    while days.len() > keep {
        let drop = rng.below(days.len());
        days.remove(drop);
    }
    let day_shift = *rng.pick(day_shifts);
    let evening_day = (!childcare && rng.percent(35)).then(|| rng.below(days.len()));
    days.into_iter()
        .enumerate()
        .map(|(i, weekday)| {
            let (starts, ends) = if Some(i) == evening_day {
                evening
            } else {
                day_shift
            };
            WorkDay {
                weekday,
                starts_at: at(starts),
                ends_at: at(ends),
            }
        })
        .collect()
}

struct Context {
    calendar: Calendar,
    programme_id: Uuid,
    staff_ids: Vec<Uuid>,
    workplaces: Vec<Workplace>,
    supervisors: Vec<Supervisor>,
}

impl Context {
    fn case_manager(&self, plan: &Plan) -> Uuid {
        self.staff_ids[FIRST_CASE_MANAGER + plan.case_manager]
    }

    /// A template with the participant's first name, pronoun, supervisor and workplace.
    fn fill(&self, template: &str, plan: &Plan) -> String {
        let pronoun = plan.pronoun();
        let capitalised = format!("{}{}", pronoun[..1].to_uppercase(), &pronoun[1..]);
        template
            .replace("{namn}", plan.first_name)
            .replace("{Hen}", &capitalised)
            .replace("{hen}", pronoun)
            .replace(
                "{handledare}",
                self.supervisors[plan.supervisor].first_name.as_str(),
            )
            .replace(
                "{arbetsplats}",
                self.workplaces[plan.workplace].name.as_str(),
            )
    }
}

fn participant(context: &Context, plan: &Plan, rng: &mut Rng) -> Participant {
    let today = context.calendar.today;
    let round = &context.calendar.rounds[plan.round];
    let municipality = municipality_of(plan.workplace);
    let origin = plan.origin;
    let case_manager = context.case_manager(plan);

    let identity_number = match origin.language {
        "sv" => Some(false),
        "uk" => rng.percent(70).then_some(true),
        _ => rng.percent(60).then(|| rng.percent(10)),
    }
    .map(|coordination| identity_number(plan.birth_date, plan.index, plan.gender, coordination));

    let mut languages = vec![origin.language];
    for extra in origin.also.split_whitespace() {
        if rng.percent(35) && !languages.contains(&extra) {
            languages.push(extra);
        }
    }
    if origin.newly_arrived && plan.sfi_level != Some("Kurs B") {
        languages.insert(1.min(languages.len()), "sv");
    }

    let address = rng.percent(75).then(|| {
        let (street, postal_code) = *rng.pick(municipality.streets);
        Address {
            street: text(&format!("{street} {}", 1 + rng.below(60))),
            postal_code: PostalCode::parse(postal_code).expect("demo postal code"),
            city: text(municipality.town),
        }
    });

    let status_at_entry = match (origin.newly_arrived, rng.below(100)) {
        (false, 0..50) => LabourMarketStatus::LongTermUnemployed,
        (false, 50..85) => LabourMarketStatus::Unemployed,
        (false, 85..95) => LabourMarketStatus::Inactive,
        (true, 0..50) => LabourMarketStatus::Unemployed,
        (true, 50..70) => LabourMarketStatus::LongTermUnemployed,
        (true, 70..97) => LabourMarketStatus::Inactive,
        _ => LabourMarketStatus::Employed,
    };
    let (primary, secondary) = origin.education;
    let roll = rng.below(100) as u64;
    let education_at_entry = if roll < primary {
        EducationLevel::Isced0To2
    } else if roll < primary + secondary {
        EducationLevel::Isced3To4
    } else {
        EducationLevel::Isced5To8
    };

    let support = support_needs(context, plan, rng);
    let given_on = plus(round.starts_on, rng.days(8)).min(today);
    let mut consents: Vec<Consent> = [
        (ConsentScope::ContactDetails, 65),
        (ConsentScope::Languages, 50),
        (ConsentScope::SupportNeeds, 30),
    ]
    .into_iter()
    .filter(|(_, chance)| rng.percent(*chance))
    .map(|(scope, _)| Consent {
        scope,
        given_on,
        recorded_by: case_manager,
        withdrawn_on: None,
    })
    .collect();
    if plan.index == 17 {
        if let Some(consent) = consents.first_mut() {
            consent.withdrawn_on = Some(plus(given_on, 30).min(today));
        }
    }

    Participant {
        id: plan.id,
        programme_id: context.programme_id,
        user_id: (plan.index == 0).then(|| user_id("deltagare")),
        first_name: text(plan.first_name),
        last_name: text(plan.last_name),
        birth_date: plan.birth_date,
        identity_number,
        gender: plan.gender,
        phone: (plan.index == 0 || rng.percent(92)).then(|| mobile(STAFF.len() + plan.index)),
        email: rng.percent(55).then(|| {
            email(
                &format!("{} {}", plan.first_name, plan.last_name),
                "post.example",
            )
        }),
        address,
        languages: languages.into_iter().map(language).collect(),
        interpreter: plan.interpreter.then(|| language(origin.language)),
        sfi_level: plan.sfi_level.map(text),
        status_at_entry,
        education_at_entry,
        support,
        consents,
        case_manager_id: case_manager,
        employment_officer_id: Some(context.staff_ids[FIRST_OFFICER + plan.officer]),
        responsible_history: Vec::new(),
        phase: plan.phase,
        intake_round_id: Some(round.id),
        invited_until: None,
    }
}

fn support_needs(context: &Context, plan: &Plan, rng: &mut Rng) -> Vec<SupportNeed> {
    let today = context.calendar.today;
    let start = context.calendar.rounds[plan.round].starts_on;
    let decide = |rng: &mut Rng, chance_decided: u64, chance_granted: u64| {
        rng.percent(chance_decided).then(|| SupportDecision {
            granted: rng.percent(chance_granted),
            decided_on: plus(start, 5 + rng.days(20)).min(today),
        })
    };
    let decided = if plan.round == 0 { 95 } else { 60 };
    let far_from_work = WORKPLACES[plan.workplace].municipality != 0;
    let mut needs = Vec::new();
    if rng.percent(if far_from_work { 45 } else { 25 }) {
        needs.push(SupportNeed {
            kind: SupportKind::BusCard,
            note: note(rng.phrase(&[
                "Lång resväg och tidiga pass; har inte körkort.",
                "Bor utanför tätorten och bussen går sällan på morgonen.",
                "Behöver busskort för att ta sig till arbetsplatsen och utbildningsdagen.",
            ])),
            decision: decide(rng, decided, 85),
        });
    }
    if plan.childcare {
        needs.push(SupportNeed {
            kind: SupportKind::Childcare,
            note: note(rng.phrase(&[
                "Två barn i förskola; behöver omsorg från 06.30 vid morgonpass.",
                "Ensamstående med ett barn på fritids; behöver hjälp att söka omsorg på obekväm tid.",
                "Barnen börjar förskola först om några veckor; praktiken anpassas till dess.",
            ])),
            decision: decide(rng, decided, 90),
        });
    }
    if plan.origin.newly_arrived && rng.percent(35) {
        needs.push(SupportNeed {
            kind: SupportKind::Forms,
            note: note(rng.phrase(&[
                "Hjälp att fylla i ansökan om bostadsbidrag.",
                "Behöver stöd med aktivitetsrapporten till Arbetsförmedlingen.",
                "Hjälp med blanketter till Försäkringskassan.",
            ])),
            decision: decide(rng, 40, 100),
        });
    }
    if plan.interpreter {
        needs.push(SupportNeed {
            kind: SupportKind::Interpreter,
            note: note(&format!(
                "Tolk på {} vid inskrivning och avstämningar.",
                language_name(plan.origin.language)
            )),
            decision: decide(rng, 100, 100),
        });
    }
    if rng.percent(15) {
        needs.push(SupportNeed {
            kind: SupportKind::WorkClothes,
            note: note(rng.phrase(&[
                "Arbetsskor, storlek 39.",
                "Arbetsskor och regnkläder för hemtjänstens cykelturer.",
                "Arbetsskor, storlek 43.",
            ])),
            decision: decide(rng, decided, 80),
        });
    }
    if rng.percent(if plan.origin.newly_arrived { 5 } else { 15 }) {
        needs.push(SupportNeed {
            kind: SupportKind::Health,
            note: note(rng.phrase(&[
                "Ryggbesvär; undviker tunga lyft utan hjälpmedel.",
                "Astma; behöver undvika starka rengöringsmedel.",
                "Sömnsvårigheter; morgonpass från kl. 08 fungerar bäst.",
            ])),
            decision: None,
        });
    }
    needs
}

fn schedule(
    context: &Context,
    plan: &Plan,
    next_check_in: Option<NaiveDate>,
    rng: &mut Rng,
) -> Vec<ScheduleEvent> {
    let today = context.calendar.today;
    let round = &context.calendar.rounds[plan.round];
    let workplace = &context.workplaces[plan.workplace];
    let supervisor = &context.supervisors[plan.supervisor];
    let last_day = plan.last_day(&context.calendar);
    let event = |label: &str, kind, date, (starts, ends): (&str, &str)| ScheduleEvent {
        id: id(&format!("event:{}:{label}", plan.index)),
        programme_id: context.programme_id,
        participant_id: plan.id,
        kind,
        title: None,
        location: None,
        date,
        starts_at: at(starts),
        ends_at: at(ends),
        weekly_until: None,
        note: Note::default(),
    };
    let study_visit = context
        .workplaces
        .iter()
        .zip(WORKPLACES.iter())
        .find(|(_, seed)| {
            seed.kind == WorkplaceType::CareHome
                && seed.municipality == WORKPLACES[plan.workplace].municipality
        })
        .map_or(&context.workplaces[0], |(workplace, _)| workplace);

    let introduction = [
        (
            "Introduktionsvecka: välkommen till Arbetshoppet",
            "09:00",
            "12:00",
            "Vi går igenom programmet och veckans schema, och du träffar din coach.",
        ),
        (
            "Introduktionsvecka: sekretess och tystnadsplikt",
            "09:00",
            "14:00",
            "Vad du får och inte får berätta om dem du möter i arbetet, och varför.",
        ),
        (
            "Introduktionsvecka: basala hygienrutiner",
            "09:00",
            "14:00",
            "Handhygien, arbetskläder och skyddsutrustning, med övningar.",
        ),
        (
            "",
            "10:00",
            "12:00",
            "Samling vid entrén. Vi ser hur en arbetsdag går till.",
        ),
        (
            "Introduktionsvecka: så fungerar en arbetsplats",
            "09:00",
            "12:00",
            "Scheman, överrapportering, arbetsmiljö och vem du frågar när något är oklart.",
        ),
    ];
    let mut events = Vec::new();
    for (day, (title, starts, ends, what)) in introduction.into_iter().enumerate() {
        let date = plus(round.starts_on, day as i64);
        events.push(if title.is_empty() {
            ScheduleEvent {
                title: Some(text("Studiebesök på ett vård- och omsorgsboende")),
                location: Some(text(&location_of(study_visit))),
                note: note(what),
                ..event(
                    &format!("introduction:{day}"),
                    EventKind::StudyVisit,
                    date,
                    (starts, ends),
                )
            }
        } else {
            ScheduleEvent {
                title: Some(text(title)),
                location: Some(text(TRAINING_PLACE)),
                note: note(what),
                ..event(
                    &format!("introduction:{day}"),
                    EventKind::Introduction,
                    date,
                    (starts, ends),
                )
            }
        });
    }

    let first_training = next_on(plus(round.starts_on, 7), round.training_day);
    if first_training <= last_day {
        events.push(ScheduleEvent {
            title: Some(text("Utbildningsdag: vård och omsorg")),
            location: Some(text(TRAINING_PLACE)),
            weekly_until: Some(last_day),
            note: note("Kursdagen i Arbetshoppet. Din coach är på plats hela dagen."),
            ..event(
                "training",
                EventKind::TrainingDay,
                first_training,
                ("09:00", "15:00"),
            )
        });
    }

    if let (Some(level), Some(day)) = (plan.sfi_level, plan.sfi_day) {
        let first = next_on(plus(round.starts_on, 7), day);
        let hours = if rng.percent(60) {
            ("08:30", "12:00")
        } else {
            ("13:00", "16:30")
        };
        if first <= last_day {
            events.push(ScheduleEvent {
                title: Some(text(&format!("Sfi {}", level.replace("Kurs", "kurs")))),
                location: Some(text(&format!(
                    "Vuxenutbildningen, {}",
                    municipality_of(plan.workplace).town
                ))),
                weekly_until: Some(last_day),
                note: note("Svenska för invandrare. Meddela skolan om du blir sjuk."),
                ..event("sfi", EventKind::LanguageClass, first, hours)
            });
        }
    }

    let location = text(&location_of(workplace));
    if let Some(placement) = &plan.placement {
        let ask_for = match &supervisor.phone {
            Some(phone) => format!(
                "Fråga efter din handledare {} {} ({phone}).",
                supervisor.first_name, supervisor.last_name
            ),
            None => format!(
                "Fråga efter din handledare {} {}.",
                supervisor.first_name, supervisor.last_name
            ),
        };
        for work_day in &placement.pattern {
            let first = next_on(placement.starts_on, work_day.weekday);
            if first > placement.ends_on {
                continue;
            }
            events.push(ScheduleEvent {
                title: Some(text(&format!("Arbetspass på {}", workplace.name))),
                location: Some(location.clone()),
                weekly_until: Some(placement.ends_on),
                note: note(&ask_for),
                starts_at: work_day.starts_at,
                ends_at: work_day.ends_at,
                ..event(
                    &format!("shift:{}", work_day.weekday),
                    EventKind::WorkplaceShift,
                    first,
                    ("00:00", "00:01"),
                )
            });
        }
        let visit = workday_on_or_before(plus(placement.starts_on, -3 - rng.days(4)));
        events.push(ScheduleEvent {
            title: Some(text("Matchningsbesök på arbetsplatsen")),
            location: Some(location.clone()),
            note: note(&format!(
                "Du och din coach träffar {} och går runt på arbetsplatsen.",
                supervisor.first_name
            )),
            ..event("matching", EventKind::Meeting, visit, ("10:00", "11:00"))
        });
    } else {
        let visit = workday_on_or_after(plus(today, 1 + rng.days(9)));
        events.push(ScheduleEvent {
            title: Some(text("Matchningsbesök på arbetsplatsen")),
            location: Some(location.clone()),
            note: note(&format!(
                "Du och din coach träffar {} och går runt på arbetsplatsen.",
                supervisor.first_name
            )),
            ..event("matching", EventKind::Meeting, visit, ("10:00", "11:00"))
        });
    }

    if let Some(day) = next_check_in.filter(|day| *day > today) {
        events.push(ScheduleEvent {
            title: Some(text("Avstämning på arbetsplatsen")),
            location: Some(location),
            note: note("Du, din handledare och din coach går igenom hur praktiken går."),
            ..event("next_check_in", EventKind::Meeting, day, ("13:00", "14:00"))
        });
    }
    if plan.phase == Phase::Closing {
        let day = workday_on_or_after(plus(today, 2 + rng.days(9)));
        events.push(ScheduleEvent {
            title: Some(text("Avslutningssamtal")),
            location: Some(text(OFFICE)),
            note: note(
                "Vi pratar om vad som händer efter praktiken: anställning, vikariepool eller studier.",
            ),
            ..event("closing", EventKind::Meeting, day, ("10:00", "11:00"))
        });
    }
    events
}

/// The journal records, kept by kind so they can be appended in a stable order.
#[derive(Default)]
struct Journal {
    check_ins: Vec<CheckIn>,
    reviews: Vec<Review>,
    contacts: Vec<ContactEntry>,
    goals: Vec<TrainingGoal>,
    attendance: Vec<Attendance>,
    absences: Vec<Absence>,
    closings: Vec<Closing>,
    follow_ups: Vec<FollowUp>,
}

const WELL: &[&str] = &[
    "{namn} har kommit in bra i arbetsgruppen. {handledare} berättar att {hen} tar egna initiativ vid morgonrutinerna och är noga med hygienen.",
    "Bra närvaro och god stämning. {namn} har börjat dokumentera enklare händelser med stöd av {handledare}.",
    "{namn} trivs och vill gärna fortsätta inom vården. Klarar förflyttning med hjälpmedel tillsammans med kollega. Enhetschefen nämnde att det kan finnas timmar längre fram.",
    "Språket utvecklas snabbt. {namn} använder arbetsplatsens ordlista och frågar när något är oklart. {handledare} upplever {namn} som pålitlig.",
    "De boende uppskattar {namn} och {hen} har ett lugnt bemötande. {Hen} har gått med på ett kvällspass och vill prova fler.",
];
const MIXED: &[&str] = &[
    "{namn} gör ett bra jobb men har kommit sent några morgnar på grund av bussarna. Vi pratade om att ringa in i god tid vid förhinder.",
    "Det går framåt men {namn} är fortfarande osäker vid förflyttningar och vill inte arbeta ensam med det ännu. {handledare} planerar en genomgång med arbetsterapeuten.",
    "Språket är ibland ett hinder vid överrapporteringen. {namn} och {handledare} kom överens om att använda stödord och att {namn} läser dokumentationen i början av passet.",
];
const POORLY: &[&str] = &[
    "Hög frånvaro de senaste veckorna. {namn} berättar om oro kring boendet. Vi kom överens om ett extra samtal med coachen och att se över schemat.",
    "{namn} har haft svårt med de tidiga passen och är trött. Arbetsgruppen tycker att det är otydligt när {hen} ska komma. Vi gör ett tydligare veckoschema.",
];
const ACTIONS: &[&str] = &[
    "Gå bredvid vid förflyttning med lift två pass i veckan",
    "Läsa rutinen för basala hygienrutiner och ta upp frågor med handledaren",
    "Öva muntlig överrapportering i slutet av passet",
    "Coach ordnar busskort hos Östgötatrafiken",
    "Coach bokar tolk till nästa avstämning",
    "Prova ett kvällspass nästa vecka",
    "Handledaren visar dokumentationen i verksamhetssystemet",
    "Ringa in frånvaro före kl. 06.30",
    "Boka studiebesök hos vikariepoolen",
    "Ta fram ett tydligare veckoschema",
    "Anmäla intresse för timanställning till enhetschefen",
];
/// (notes, next steps) of a review between employment officer and case manager.
const REVIEWS: &[(&str, &str)] = &[
    (
        "Praktiken på {arbetsplats} fungerar bra. {namn} har god närvaro och handledaren är nöjd. Vi diskuterade vägen vidare mot timanställning.",
        "Coachen stämmer av med enhetschefen om behovet av timvikarier. Arbetsförmedlaren uppdaterar handlingsplanen.",
    ),
    (
        "{namn} behöver mer stöd i svenska för att klara dokumentationen. Sfi går framåt men långsamt.",
        "Coachen frågar Sfi om extra stöd i vårdsvenska. Ny avstämning om fyra veckor.",
    ),
    (
        "Frånvaron har ökat. {namn} har berättat om oro för boende och ekonomi.",
        "Arbetsförmedlaren kontrollerar ersättningen. Coachen hjälper till med kontakten med hyresvärden.",
    ),
    (
        "{namn} vill gå vidare till undersköterskeutbildningen. Kunskaperna från kursen kan valideras.",
        "Coachen bokar ett möte med studie- och yrkesvägledare på Komvux.",
    ),
];
const MATCHING_REVIEW: (&str, &str) = (
    "Matchningen dröjer: {namn} behöver få ordning på barnomsorg och resor innan praktiken kan börja.",
    "Coachen hjälper till med ansökningarna. Matchningsbesök bokas så snart det är klart.",
);
/// When a contact log entry can happen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum When {
    Any,
    /// Once the participant has a placement.
    Placed,
    /// On a training day, when the case manager is there.
    TrainingDay,
    /// The workday before a training day.
    EveOfTrainingDay,
}

/// Contact log entries that may happen at any time of the programme.
#[rustfmt::skip]
const CONTACTS: &[(Channel, When, &str)] = &[
    (Channel::Phone, When::Any, "{namn} ringde och frågade om aktivitetsstödet. Hänvisade till arbetsförmedlaren."),
    (Channel::Phone, When::Placed, "Samtal med {handledare} på {arbetsplats}: det går bra, {namn} är uppskattad i arbetsgruppen."),
    (Channel::Phone, When::Placed, "{handledare} ringde: {namn} behöver arbetsskor och en egen kod till dörren."),
    (Channel::TextMessage, When::EveOfTrainingDay, "Påminnelse: utbildningsdag i morgon kl. 09.00 på Campus Valla."),
    (Channel::TextMessage, When::Placed, "Skickade busstider till arbetsplatsen."),
    (Channel::Email, When::Any, "Skickade intyg om deltagande till Försäkringskassan på begäran av {namn}."),
    (Channel::Email, When::Placed, "Mejlade schemat för de kommande fyra veckorna till {namn} och {handledare}."),
    (Channel::Email, When::Any, "Svarade på frågor från {namn} om undersköterskeutbildningen på Komvux."),
    (Channel::Meeting, When::Any, "Möte på kontoret: hjälp med blanketterna till bostadsbidraget."),
    (Channel::Meeting, When::TrainingDay, "Träffade {namn} på utbildningsdagen och gick igenom träningsmålen."),
    (Channel::Meeting, When::TrainingDay, "Samtal med {namn} på utbildningsdagen om hur veckorna på arbetsplatsen känns."),
    (Channel::Meeting, When::Any, "Trepartssamtal med {namn} och arbetsförmedlaren om planeringen framåt."),
];
const GOALS: &[&str] = &[
    "Arbetar enligt basala hygienrutiner",
    "Förflyttningsteknik och ergonomi",
    "Dokumentation och sekretess",
    "Bemötande och värdegrund",
    "Måltidssituationen och nutrition",
    "Munvård och personlig omvårdnad",
    "Bemötande av personer med demenssjukdom",
    "Muntlig överrapportering på svenska",
];
/// How the participants who have left went on: (outcome, whether the placement's
/// municipality employs them, notes of the closing conversation).
const EXIT_OUTCOMES: [(Outcome, bool, &str); 6] = [
    (
        Outcome::HourlyEmployment,
        true,
        "{namn} får timanställning på {arbetsplats} från nästa månad. Enhetschefen är mycket nöjd.",
    ),
    (
        Outcome::SubstitutePool,
        true,
        "{namn} går in i kommunens vikariepool och får pass på flera arbetsplatser.",
    ),
    (
        Outcome::FixedTermEmployment,
        true,
        "Visstidsanställning som vårdbiträde på {arbetsplats} i sex månader.",
    ),
    (
        Outcome::Studies,
        false,
        "{namn} är antagen till vård- och omsorgsprogrammet på Komvux och börjar i januari.",
    ),
    (
        Outcome::HourlyEmployment,
        true,
        "Timanställning på {arbetsplats}; {namn} har redan fått pass inbokade.",
    ),
    (
        Outcome::Other,
        false,
        "{namn} flyttar till Göteborg av familjeskäl. Vi har tipsat om vikariepoolen där.",
    ),
];

impl Journal {
    /// Writes the participant's history up to `today`; returns the next check-in, if one is
    /// planned, for the schedule.
    fn add(&mut self, context: &Context, plan: &Plan, rng: &mut Rng) -> Option<NaiveDate> {
        let next_check_in = self.check_ins(context, plan, rng);
        self.reviews(context, plan, rng);
        self.attendance(context, plan, rng);
        self.contacts(context, plan, rng);
        self.goals(plan, rng);
        self.closing(context, plan, rng);
        next_check_in
    }

    fn check_ins(&mut self, context: &Context, plan: &Plan, rng: &mut Rng) -> Option<NaiveDate> {
        let placement = plan.placement.as_ref()?;
        let last = placement.ends_on.min(context.calendar.today);
        let mut day = workday_on_or_before(plus(placement.starts_on, 14 + rng.days(5)));
        let mut next = None;
        let mut number = 0;
        while day <= last {
            let going = match (number, rng.below(100)) {
                (0, 0..55) | (1.., 0..75) => Going::Well,
                (0, 55..90) | (1.., 75..95) => Going::Mixed,
                _ => Going::Poorly,
            };
            let templates = match going {
                Going::Well => WELL,
                Going::Mixed => MIXED,
                Going::Poorly => POORLY,
            };
            let mut attendees = vec![
                Attendee::Participant,
                Attendee::Supervisor,
                Attendee::CaseManager,
            ];
            if rng.percent(40) {
                attendees.push(Attendee::EmploymentOfficer);
            }
            if rng.percent(25) {
                attendees.push(Attendee::UnitManager);
            }
            let following = workday_on_or_after(plus(day, 21 + rng.days(8)));
            let mut actions: Vec<AgreedAction> = Vec::new();
            for _ in 0..rng.below(4) {
                let what = text(rng.phrase(ACTIONS));
                let needs_interpreter = what.as_str().contains("tolk");
                let new = actions.iter().all(|action| action.what != what);
                if new && (plan.interpreter || !needs_interpreter) {
                    let who = attendees[actions.len() % attendees.len()];
                    actions.push(AgreedAction {
                        who,
                        what,
                        by: Some(following),
                    });
                }
            }
            // Derived from how it is going, not drawn, so ratings take no draws of their own.
            let ratings = Area::ALL
                .into_iter()
                .enumerate()
                .map(|(index, area)| AreaRating {
                    area,
                    rating: match (going, index % 2 == 1) {
                        (Going::Well, _) | (Going::Mixed, false) => Rating::Good,
                        (Going::Mixed, true) | (Going::Poorly, false) => Rating::Developing,
                        (Going::Poorly, true) => Rating::NeedsSupport,
                    },
                })
                .collect();
            next = (following <= placement.ends_on).then_some(following);
            self.check_ins.push(CheckIn {
                id: id(&format!("check_in:{}:{number}", plan.index)),
                participant_id: plan.id,
                placement_id: Some(placement.id),
                held_on: day,
                // Visits fit around the workplace's shifts, so they are at a few set times.
                held_at: TimeOfDay::parse(["09:30", "10:00", "13:30", "14:00"][number % 4]).ok(),
                attendees,
                going,
                notes: note(&context.fill(rng.phrase(templates), plan)),
                ratings,
                agreed_actions: actions,
                next_check_in_on: next,
            });
            day = following;
            number += 1;
        }
        next
    }

    fn reviews(&mut self, context: &Context, plan: &Plan, rng: &mut Rng) {
        let start = context.calendar.rounds[plan.round].starts_on;
        let end = context.calendar.today.min(plan.last_day(&context.calendar));
        let mut add = |number: usize, day: NaiveDate, (notes, next_steps): (&str, &str)| {
            self.reviews.push(Review {
                id: id(&format!("review:{}:{number}", plan.index)),
                participant_id: plan.id,
                held_on: day,
                notes: note(&context.fill(notes, plan)),
                next_steps: note(&context.fill(next_steps, plan)),
            });
        };
        match &plan.placement {
            None => {
                let day = workday_on_or_before(plus(start, 21 + rng.days(10)));
                if day <= end && rng.percent(70) {
                    add(0, day, MATCHING_REVIEW);
                }
            }
            Some(placement) => {
                for (number, after) in [28, 84].into_iter().enumerate() {
                    let day = workday_on_or_before(plus(placement.starts_on, after + rng.days(10)));
                    if day <= end && rng.percent(55) {
                        add(number, day, *rng.pick(REVIEWS));
                    }
                }
            }
        }
    }

    /// The contact log: the intake interview, the call before the first day, what followed
    /// the reported absences, and a spread of everyday contacts.
    fn contacts(&mut self, context: &Context, plan: &Plan, rng: &mut Rng) {
        let round = &context.calendar.rounds[plan.round];
        let start = round.starts_on;
        let end = context.calendar.today.min(plan.last_day(&context.calendar));
        let first_training = next_on(plus(start, 7), round.training_day);
        let mut intake = String::from(
            "Inskrivningssamtal efter anvisning från Arbetsförmedlingen. Vi gick igenom programmet, språk och praktiska hinder.",
        );
        if plan.interpreter {
            intake.push_str(&format!(
                " Tolk på {} deltog.",
                language_name(plan.origin.language)
            ));
        }
        let mut entries = vec![(
            workday_on_or_before(plus(start, -7 - rng.days(10))),
            Channel::Meeting,
            intake,
        )];
        if let Some(placement) = &plan.placement {
            let day = workday_on_or_before(plus(placement.starts_on, -1 - rng.days(3)));
            let summary = "Ringde {namn} inför första dagen på {arbetsplats}. Gick igenom tider och vem {hen} ska fråga efter.";
            entries.push((day, Channel::Phone, context.fill(summary, plan)));
        }
        for absence in self.absences.iter().filter(|a| a.participant_id == plan.id) {
            if absence.reason == AbsenceReason::Ill && absence.first_day <= end && rng.percent(50) {
                let summary = "{namn} skrev att {hen} är sjuk i dag; handledaren är informerad.";
                entries.push((
                    absence.first_day,
                    Channel::TextMessage,
                    context.fill(summary, plan),
                ));
            }
            let back = workday_on_or_after(plus(absence.last_day, 1));
            let long = absence.reason == AbsenceReason::Ill && absence.last_day > absence.first_day;
            if long && back <= end && rng.percent(50) {
                let summary = "Ringde för att höra hur det gått efter sjukfrånvaron. {namn} mår bättre och är tillbaka.";
                entries.push((back, Channel::Phone, context.fill(summary, plan)));
            }
        }
        let span = (end - start).num_days().max(1) as usize;
        let mut used = BTreeSet::new();
        for _ in 0..2 + span / 14 + rng.below(4) {
            let drawn = plus(start, rng.days(span));
            let choice = rng.below(CONTACTS.len());
            let (channel, when, summary) = CONTACTS[choice];
            let since_training = (7 + drawn.weekday().num_days_from_monday()
                - round.training_day.num_days_from_monday())
                % 7;
            let training_day = plus(drawn, -i64::from(since_training));
            let day = match when {
                When::Any | When::Placed => workday_on_or_before(drawn),
                When::TrainingDay => training_day,
                When::EveOfTrainingDay => workday_on_or_before(plus(training_day, -1)),
            };
            let fits = match when {
                When::Any => true,
                When::Placed => plan
                    .placement
                    .as_ref()
                    .is_some_and(|placement| day >= placement.starts_on),
                When::TrainingDay | When::EveOfTrainingDay => training_day >= first_training,
            };
            let repeats = matches!(when, When::TrainingDay | When::EveOfTrainingDay);
            if fits && day >= start && (repeats || used.insert(choice)) {
                entries.push((day, channel, context.fill(summary, plan)));
            }
        }
        entries.sort_by_key(|(day, _, _)| *day);
        for (number, (on, channel, summary)) in entries.into_iter().enumerate() {
            self.contacts.push(ContactEntry {
                id: id(&format!("contact:{}:{number}", plan.index)),
                participant_id: plan.id,
                on,
                channel,
                summary: note(&summary),
            });
        }
    }

    fn goals(&mut self, plan: &Plan, rng: &mut Rng) {
        let mut chosen: Vec<&str> = Vec::new();
        let wanted = 2 + rng.below(3);
        while chosen.len() < wanted {
            let goal = *rng.pick(GOALS);
            if !chosen.contains(&goal) {
                chosen.push(goal);
            }
        }
        for (number, goal) in chosen.into_iter().enumerate() {
            let roll = rng.below(100);
            let progress = match (plan.round, plan.has_left()) {
                (_, true) if roll < 80 => Progress::Achieved,
                (0, false) if roll < 50 => Progress::Achieved,
                (1, false) if roll < 10 => Progress::Achieved,
                (0, _) if roll < 90 => Progress::Started,
                (_, _) if roll < 60 => Progress::Started,
                _ => Progress::NotStarted,
            };
            let notes = match progress {
                Progress::Achieved => "Bekräftat av handledaren och på utbildningsdagen.",
                Progress::Started => "Övar på arbetsplatsen; följs upp vid nästa avstämning.",
                Progress::NotStarted => "",
            };
            self.goals.push(TrainingGoal {
                id: id(&format!("training_goal:{}:{number}", plan.index)),
                participant_id: plan.id,
                goal: text(goal),
                progress,
                notes: note(notes),
            });
        }
    }

    /// Every workday of the placement up to yesterday is confirmed; reported absences
    /// explain most days missed.
    fn attendance(&mut self, context: &Context, plan: &Plan, rng: &mut Rng) {
        let Some(placement) = &plan.placement else {
            return;
        };
        let until = placement.ends_on.min(plus(context.calendar.today, -1));
        let is_work_day =
            |day: NaiveDate| placement.pattern.iter().any(|w| w.weekday == day.weekday());
        let days: Vec<NaiveDate> = placement
            .starts_on
            .iter_days()
            .take_while(|day| *day <= until)
            .filter(|day| is_work_day(*day))
            .collect();
        // Each day's status, and for a day not as planned why (the reason and a note).
        let mut statuses: Vec<(AttendanceStatus, Option<(AttendanceReason, &str)>)> =
            vec![(AttendanceStatus::Present, None); days.len()];
        let mut number = 0;
        let episodes = match rng.below(100) {
            0..35 => 0,
            35..70 => 1,
            70..90 => 2,
            _ => 3,
        };
        for _ in 0..episodes {
            if days.is_empty() {
                break;
            }
            let (reason, status, length, text) = *rng.pick(&[
                (
                    AbsenceReason::Ill,
                    AttendanceStatus::Absent,
                    2,
                    "Feber, ringde handledaren på morgonen.",
                ),
                (AbsenceReason::Ill, AttendanceStatus::Absent, 3, "Förkyld."),
                (AbsenceReason::Ill, AttendanceStatus::Absent, 1, "Magsjuk."),
                (
                    AbsenceReason::ChildIll,
                    AttendanceStatus::Absent,
                    2,
                    "Vård av sjukt barn.",
                ),
                (
                    AbsenceReason::Appointment,
                    AttendanceStatus::PartOfDay,
                    1,
                    "Tandläkartid, kommer efter lunch.",
                ),
                (
                    AbsenceReason::Appointment,
                    AttendanceStatus::Absent,
                    1,
                    "Möte hos Migrationsverket.",
                ),
                (
                    AbsenceReason::LanguageClass,
                    AttendanceStatus::PartOfDay,
                    1,
                    "Nationellt prov på Sfi.",
                ),
                (
                    AbsenceReason::Other,
                    AttendanceStatus::Absent,
                    1,
                    "Flytt till ny lägenhet.",
                ),
            ]);
            let fits = match reason {
                AbsenceReason::LanguageClass => plan.sfi_level.is_some(),
                AbsenceReason::Appointment => {
                    plan.origin.newly_arrived || !text.contains("Migrations")
                }
                _ => true,
            };
            if !fits {
                continue;
            }
            let first = rng.below(days.len());
            let last = (first + length).min(days.len()) - 1;
            if statuses[first..=last]
                .iter()
                .any(|(s, _)| *s != AttendanceStatus::Present)
            {
                continue;
            }
            let why = match reason {
                AbsenceReason::Ill => AttendanceReason::Ill,
                AbsenceReason::ChildIll => AttendanceReason::ChildIll,
                _ => AttendanceReason::Other,
            };
            statuses[first..=last].fill((status, Some((why, text))));
            self.absences.push(Absence {
                id: id(&format!("absence:{}:{number}", plan.index)),
                participant_id: plan.id,
                first_day: days[first],
                last_day: days[last],
                reason,
                note: note(text),
            });
            number += 1;
        }
        // The reasons of single days follow from the day, so that the draws stay as they were.
        for ((status, why), day) in statuses.iter_mut().zip(&days) {
            if *status != AttendanceStatus::Present {
                continue;
            }
            let odd = day.ordinal() % 2 == 1;
            match rng.below(1000) {
                0..30 => {
                    *status = AttendanceStatus::PartOfDay;
                    *why = Some(if odd {
                        (AttendanceReason::Transport, "Bussen var inställd.")
                    } else {
                        (AttendanceReason::OwnChoice, "Försov sig.")
                    });
                }
                30..42 => {
                    *status = AttendanceStatus::Absent;
                    *why = Some(if odd {
                        (AttendanceReason::Ill, "Ringde in sjuk.")
                    } else {
                        (
                            AttendanceReason::OwnChoice,
                            "Kom inte och hörde inte av sig.",
                        )
                    });
                }
                _ => {}
            }
        }
        for (day, (status, why)) in days.into_iter().zip(statuses) {
            let Some(plan_of_day) = placement
                .pattern
                .iter()
                .find(|w| w.weekday == day.weekday())
            else {
                continue;
            };
            let (planned_start, planned_end) = (plan_of_day.starts_at, plan_of_day.ends_at);
            // Part of a day: in after lunch for an appointment, else about half an hour late.
            let arrived_at = (status == AttendanceStatus::PartOfDay).then(|| {
                let late = if why.is_some_and(|(reason, _)| reason == AttendanceReason::Other) {
                    4 * 60 + 30
                } else {
                    20 + i64::from(day.ordinal() % 40)
                };
                let time = planned_start.time() + chrono::Duration::minutes(late);
                at(&lotsa_core::domain::clock_text(time))
            });
            self.attendance.push(Attendance {
                id: Attendance::id_for(plan.id, day),
                participant_id: plan.id,
                placement_id: placement.id,
                day,
                status,
                planned_start: Some(planned_start),
                planned_end: Some(planned_end),
                arrived_at,
                left_at: None,
                reason: why.map(|(reason, _)| reason),
                note: why.map(|(_, text)| note(text)).unwrap_or_default(),
            });
        }
        let coming = plus(context.calendar.today, 3 + rng.days(10));
        if placement.ends_on >= coming && is_work_day(coming) && rng.percent(40) {
            self.absences.push(Absence {
                id: id(&format!("absence:{}:{number}", plan.index)),
                participant_id: plan.id,
                first_day: coming,
                last_day: coming,
                reason: AbsenceReason::Appointment,
                note: note("Läkartid på vårdcentralen på förmiddagen."),
            });
        }
    }

    fn closing(&mut self, context: &Context, plan: &Plan, rng: &mut Rng) {
        let (Some(placement), Some(position)) = (
            plan.placement.as_ref().filter(|_| plan.has_left()),
            EXITED.iter().position(|index| *index == plan.index),
        ) else {
            return;
        };
        let (outcome, employed_here, notes) = EXIT_OUTCOMES[position];
        let exit = placement.ends_on;
        let employer = employed_here.then(|| {
            let authority = municipality_of(plan.workplace).authority;
            if outcome == Outcome::SubstitutePool {
                text(&format!("{authority}, vikariepoolen"))
            } else {
                text(&format!(
                    "{authority}, {}",
                    context.workplaces[plan.workplace].name
                ))
            }
        });
        self.closings.push(Closing {
            id: id(&format!("closing:{}", plan.index)),
            participant_id: plan.id,
            held_on: workday_on_or_before(plus(exit, -rng.days(3))),
            outcome,
            employer,
            notes: note(&context.fill(notes, plan)),
        });
        for (number, months) in [1, 3, 6].into_iter().enumerate() {
            let due_on = workday_on_or_after(exit + Months::new(months));
            let done_on = Some(workday_on_or_after(plus(due_on, rng.days(5))))
                .filter(|day| *day <= context.calendar.today);
            let (situation, notes) = match (done_on, outcome) {
                (None, _) => (None, ""),
                (Some(_), Outcome::Studies) => (
                    Some(Situation::Studying),
                    "Studerar på Komvux och har timmar i hemtjänsten på helger.",
                ),
                (Some(_), Outcome::Other) => (
                    Some(Situation::NotReached),
                    "Inget svar på telefon eller sms. Försöker igen nästa vecka.",
                ),
                (Some(_), _) => (
                    Some(Situation::Working),
                    "Arbetar tre till fyra pass i veckan och trivs. Vill gärna gå undersköterskeutbildningen.",
                ),
            };
            self.follow_ups.push(FollowUp {
                id: id(&format!("follow_up:{}:{number}", plan.index)),
                participant_id: plan.id,
                due_on,
                done_on,
                situation,
                notes: note(notes),
            });
        }
    }

    fn append_to(self, records: &mut Vec<Record>) {
        records.extend(self.check_ins.into_iter().map(Record::CheckIn));
        records.extend(self.reviews.into_iter().map(Record::Review));
        records.extend(self.contacts.into_iter().map(Record::Contact));
        records.extend(self.goals.into_iter().map(Record::TrainingGoal));
        records.extend(self.attendance.into_iter().map(Record::Attendance));
        records.extend(self.absences.into_iter().map(Record::Absence));
        records.extend(self.closings.into_iter().map(Record::Closing));
        records.extend(self.follow_ups.into_iter().map(Record::FollowUp));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lotsa_core::domain::{Kind, Password, Username};
    use std::collections::{BTreeMap, HashSet};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    /// Days that move the calendar over month ends, a leap day, a Monday and the summer.
    fn other_days() -> Vec<NaiveDate> {
        [
            "2026-11-23",
            "2027-01-01",
            "2028-02-29",
            "2027-06-30",
            "2030-08-12",
        ]
        .into_iter()
        .map(|day| day.parse().unwrap())
        .collect()
    }

    fn of_kind<'a, T>(demo: &'a Demo, pick: impl Fn(&'a Record) -> Option<&'a T>) -> Vec<&'a T> {
        demo.records.iter().filter_map(pick).collect()
    }

    fn programme(demo: &Demo) -> &Programme {
        match &demo.records[0] {
            Record::Programme(programme) => programme,
            other => panic!("the first record is {:?}", other.kind()),
        }
    }

    #[test]
    fn the_same_day_gives_the_same_records() {
        let json = |demo: Demo| demo.records.iter().map(Record::to_json).collect::<Vec<_>>();
        assert_eq!(json(generate(today())), json(generate(today())));
        assert_eq!(generate(today()).users, generate(today()).users);
    }

    #[test]
    fn the_programme_has_the_shape_of_arbetshoppet() {
        let demo = generate(today());
        let programme = programme(&demo);
        assert_eq!(programme.municipalities.len(), 7);
        assert_eq!(programme.max_placement, PlacementLimit::Months(6));
        assert_eq!(programme.targets.participants, 85);
        let funding = programme.funding.as_ref().unwrap();
        assert!(funding.starts_on <= today() && today() <= funding.ends_on);
        let rounds = &programme.intake_rounds;
        assert_eq!(rounds.len(), 2);
        let months_ago = |day: NaiveDate| (today() - day).num_days() as f64 / 30.4;
        assert!(
            (4.0..=5.0).contains(&months_ago(rounds[0].starts_on)),
            "{rounds:?}"
        );
        assert!(
            (1.0..=2.0).contains(&months_ago(rounds[1].starts_on)),
            "{rounds:?}"
        );

        let workplaces = of_kind(&demo, |r| match r {
            Record::Workplace(w) => Some(w),
            _ => None,
        });
        assert!((28..=32).contains(&workplaces.len()));
        let supervisors = of_kind(&demo, |r| match r {
            Record::Supervisor(s) => Some(s),
            _ => None,
        });
        assert_eq!(supervisors.len(), 60);
        let trained = supervisors
            .iter()
            .filter(|s| s.trained_on.is_some())
            .count();
        assert!((35..=45).contains(&trained), "{trained}");
        let participants = of_kind(&demo, |r| match r {
            Record::Participant(p) => Some(p),
            _ => None,
        });
        assert_eq!(participants.len(), 85);
        let count = |gender| participants.iter().filter(|p| p.gender == gender).count();
        assert!(count(Gender::Woman).abs_diff(count(Gender::Man)) <= 1);
        let numbered = participants
            .iter()
            .filter(|p| p.identity_number.is_some())
            .count();
        assert!((45..=58).contains(&numbered), "{numbered} identity numbers");
        let numbers: HashSet<_> = participants
            .iter()
            .filter_map(|p| p.identity_number.clone())
            .collect();
        assert_eq!(numbers.len(), numbered, "identity numbers are unique");
        for case_manager in demo
            .users
            .iter()
            .filter(|u| u.roles.contains(&Role::CaseManager))
        {
            let caseload = participants
                .iter()
                .filter(|p| p.case_manager_id == case_manager.id)
                .count();
            assert!((21..=22).contains(&caseload), "{caseload}");
        }

        let with_role = |role| {
            demo.users
                .iter()
                .filter(|u| u.roles.contains(&role))
                .count()
        };
        assert_eq!(with_role(Role::CaseManager), 4);
        assert_eq!(with_role(Role::EmploymentOfficer), 2);
        assert_eq!(with_role(Role::ProjectLeader), 1);
        assert_eq!(with_role(Role::Supervisor), 1);
        assert_eq!(with_role(Role::Participant), 1);
        let staff: HashSet<Uuid> = demo
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Staff(s) => Some(s.id),
                _ => None,
            })
            .collect();
        for user in &demo.users {
            let is_staff =
                !user.roles.contains(&Role::Supervisor) && !user.roles.contains(&Role::Participant);
            assert_eq!(staff.contains(&user.id), is_staff, "{}", user.username);
            assert!(
                Username::parse(&user.username).is_ok_and(|name| name.as_str() == user.username)
            );
        }
        let roles: Vec<Role> = demo.logins.iter().map(|(role, _)| *role).collect();
        assert_eq!(roles, Role::ALL);
        for (role, username) in &demo.logins {
            let user = demo.users.iter().find(|u| &u.username == username).unwrap();
            assert!(user.roles.contains(role));
        }
        assert!(Password::parse_new(DEMO_PASSWORD).is_ok());
        assert!(
            (5_000..=12_000).contains(&demo.records.len()),
            "{}",
            demo.records.len()
        );
    }

    #[test]
    fn every_record_passes_validation_and_round_trips() {
        for day in std::iter::once(today()).chain(other_days()) {
            let demo = generate(day);
            let limit = programme(&demo).max_placement;
            for record in &demo.records {
                assert_eq!(
                    Record::parse(record.kind(), record.to_json()).as_ref(),
                    Ok(record),
                    "{day}"
                );
                if let Record::Placement(placement) = record {
                    placement.validate(Some(limit)).unwrap();
                }
            }
        }
    }

    /// Which records (kind and id) a record refers to, and which users.
    fn references(record: &Record) -> (Vec<(Kind, Uuid)>, Vec<Uuid>) {
        let programme = record.own_programme_id().map(|id| (Kind::Programme, id));
        let participant = match record {
            Record::Participant(_) => None,
            other => other.participant_id().map(|id| (Kind::Participant, id)),
        };
        let mut records: Vec<(Kind, Uuid)> = programme.into_iter().chain(participant).collect();
        let mut users = Vec::new();
        match record {
            Record::Programme(programme) => records.retain(|(_, id)| *id != programme.id),
            Record::Supervisor(s) => {
                records.push((Kind::Workplace, s.workplace_id));
                users.extend(s.user_id);
            }
            Record::Participant(p) => {
                records.push((Kind::Staff, p.case_manager_id));
                records.extend(p.employment_officer_id.map(|id| (Kind::Staff, id)));
                records.extend(p.consents.iter().map(|c| (Kind::Staff, c.recorded_by)));
                users.extend(p.user_id);
            }
            Record::Placement(p) => {
                records.push((Kind::Workplace, p.workplace_id));
                records.push((Kind::Supervisor, p.supervisor_id));
            }
            Record::CheckIn(c) => records.extend(c.placement_id.map(|id| (Kind::Placement, id))),
            Record::Attendance(a) => records.push((Kind::Placement, a.placement_id)),
            _ => {}
        }
        (records, users)
    }

    #[test]
    fn every_reference_points_at_an_earlier_record_or_a_user() {
        for day in std::iter::once(today()).chain(other_days()) {
            let demo = generate(day);
            let users: HashSet<Uuid> = demo.users.iter().map(|u| u.id).collect();
            let rounds: HashSet<Uuid> = programme(&demo)
                .intake_rounds
                .iter()
                .map(|r| r.id)
                .collect();
            let mut seen = HashSet::new();
            let mut last_kind = Kind::Programme;
            for record in &demo.records {
                let (records, referred_users) = references(record);
                for reference in records {
                    assert!(
                        seen.contains(&reference),
                        "{:?} {} refers to {reference:?}",
                        record.kind(),
                        record.id()
                    );
                }
                for user in referred_users {
                    assert!(
                        users.contains(&user),
                        "{:?} refers to user {user}",
                        record.kind()
                    );
                }
                if let Record::Participant(p) = record {
                    assert!(p.intake_round_id.is_some_and(|id| rounds.contains(&id)));
                }
                assert!(
                    seen.insert((record.kind(), record.id())),
                    "duplicate {:?} {}",
                    record.kind(),
                    record.id()
                );
                assert!(
                    record.kind() >= last_kind,
                    "{:?} after {last_kind:?}",
                    record.kind()
                );
                last_kind = record.kind();
            }
        }
    }

    #[test]
    fn nothing_is_recorded_as_done_after_today() {
        for day in std::iter::once(today()).chain(other_days()) {
            let demo = generate(day);
            for record in &demo.records {
                let done = match record {
                    Record::Supervisor(s) => s.trained_on,
                    Record::CheckIn(c) => Some(c.held_on),
                    Record::Review(r) => Some(r.held_on),
                    Record::Contact(c) => Some(c.on),
                    Record::Closing(c) => Some(c.held_on),
                    Record::FollowUp(f) => f.done_on,
                    Record::Attendance(a) => {
                        assert!(a.day < day, "attendance on {} is not yet confirmed", a.day);
                        Some(a.day)
                    }
                    Record::Participant(p) => p
                        .consents
                        .iter()
                        .map(|c| c.given_on)
                        .chain(
                            p.support
                                .iter()
                                .filter_map(|s| s.decision.as_ref().map(|d| d.decided_on)),
                        )
                        .max(),
                    _ => None,
                };
                assert!(
                    done.is_none_or(|done| done <= day),
                    "{:?} {done:?} after {day}",
                    record.kind()
                );
            }
        }
    }

    #[test]
    fn schedules_and_attendance_follow_the_placements() {
        let demo = generate(today());
        let placements: BTreeMap<Uuid, &Placement> = demo
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Placement(p) => Some((p.participant_id, p)),
                _ => None,
            })
            .collect();
        for record in &demo.records {
            match record {
                Record::ScheduleEvent(event) if event.kind == EventKind::WorkplaceShift => {
                    let placement = placements[&event.participant_id];
                    let work_day = placement
                        .weekly_pattern
                        .iter()
                        .find(|w| w.weekday == event.date.weekday())
                        .unwrap();
                    assert_eq!(
                        (work_day.starts_at, work_day.ends_at),
                        (event.starts_at, event.ends_at)
                    );
                    assert!(placement.is_active_on(event.date));
                    assert_eq!(event.weekly_until, Some(placement.ends_on));
                }
                Record::Attendance(attendance) => {
                    let placement = placements[&attendance.participant_id];
                    assert_eq!(attendance.placement_id, placement.id);
                    assert!(placement.is_active_on(attendance.day));
                    assert!(placement
                        .weekly_pattern
                        .iter()
                        .any(|w| w.weekday == attendance.day.weekday()));
                }
                Record::Placement(placement) => {
                    assert!((3..=4).contains(&placement.weekly_pattern.len()));
                }
                _ => {}
            }
        }
        let training_days: BTreeSet<(Option<Uuid>, u32)> = demo
            .records
            .iter()
            .filter_map(|r| match r {
                Record::ScheduleEvent(e) if e.kind == EventKind::TrainingDay => Some(e),
                _ => None,
            })
            .map(|event| {
                let round = demo.records.iter().find_map(|r| match r {
                    Record::Participant(p) if p.id == event.participant_id => {
                        Some(p.intake_round_id)
                    }
                    _ => None,
                });
                (round.flatten(), event.date.weekday().num_days_from_monday())
            })
            .collect();
        assert_eq!(
            training_days.len(),
            2,
            "one training weekday per intake: {training_days:?}"
        );
    }

    #[test]
    fn the_demo_participant_is_placed_today_with_the_demo_supervisor() {
        let demo = generate(today());
        let participant_user = demo
            .users
            .iter()
            .find(|u| u.username == "deltagare")
            .unwrap();
        let supervisor_user = demo
            .users
            .iter()
            .find(|u| u.username == "handledare")
            .unwrap();
        let participant = demo
            .records
            .iter()
            .find_map(|r| match r {
                Record::Participant(p) if p.user_id == Some(participant_user.id) => Some(p),
                _ => None,
            })
            .unwrap();
        let supervisor = demo
            .records
            .iter()
            .find_map(|r| match r {
                Record::Supervisor(s) if s.user_id == Some(supervisor_user.id) => Some(s),
                _ => None,
            })
            .unwrap();
        assert_eq!(participant.phase, Phase::Placement);
        assert!(demo.records.iter().any(|r| matches!(r,
            Record::Placement(p) if p.participant_id == participant.id
                && p.supervisor_id == supervisor.id
                && p.is_active_on(today()))));
        assert_eq!(
            participant_user.display_name,
            format!("{} {}", participant.first_name, participant.last_name)
        );
    }

    #[test]
    fn the_phases_match_the_dates() {
        let demo = generate(today());
        let placements: BTreeMap<Uuid, &Placement> = demo
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Placement(p) => Some((p.participant_id, p)),
                _ => None,
            })
            .collect();
        let closed: HashSet<Uuid> = demo
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Closing(c) => Some(c.participant_id),
                _ => None,
            })
            .collect();
        let mut phases = BTreeMap::new();
        for record in &demo.records {
            let Record::Participant(p) = record else {
                continue;
            };
            *phases.entry(p.phase).or_insert(0) += 1;
            let placement = placements.get(&p.id);
            match p.phase {
                Phase::Introduction => assert!(placement.is_none()),
                Phase::Placement => assert!(placement.unwrap().is_active_on(today())),
                Phase::Closing => assert!(!closed.contains(&p.id)),
                Phase::FollowUp => {
                    assert!(closed.contains(&p.id));
                    assert!(placement.unwrap().ends_on < today());
                }
                other => panic!("no demo participant is {other:?}"),
            }
        }
        assert!(phases[&Phase::Placement] > 50, "{phases:?}");
    }
}
