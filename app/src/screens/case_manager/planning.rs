//! Planning, online or offline: a new participant in an intake round, a placement with its
//! working week, and training days, language classes and meetings in the schedule. Each is
//! checked with the server's rules before it is queued in the device's outbox.

use crate::domain::{
    from_json, Kind, Participant, Placement, PlacementLimit, Record, ScheduleEvent, ShortText,
};
use crate::i18n::*;
use crate::sync::replica::key;
use crate::sync::status::SyncStatus;
use crate::ui::forms::{save_on_device, Choice, Saving};
use crate::ui::labels::language_name;
use crate::ui::notices::refusal_text;
use crate::ui::records::{full_name, of_kind, text};
use leptos::prelude::*;
use serde_json::{json, Value};

/// The week as the domain names its days (chrono's serde names), with their label keys.
const WEEKDAYS: [(&str, &str); 7] = [
    ("Mon", "mon"),
    ("Tue", "tue"),
    ("Wed", "wed"),
    ("Thu", "thu"),
    ("Fri", "fri"),
    ("Sat", "sat"),
    ("Sun", "sun"),
];

fn weekday_label(i18n: leptos_i18n::I18nContext<Locale>, day: &str) -> String {
    match day {
        "mon" => t_string!(i18n, weekday_mon),
        "tue" => t_string!(i18n, weekday_tue),
        "wed" => t_string!(i18n, weekday_wed),
        "thu" => t_string!(i18n, weekday_thu),
        "fri" => t_string!(i18n, weekday_fri),
        "sat" => t_string!(i18n, weekday_sat),
        _ => t_string!(i18n, weekday_sun),
    }
    .to_owned()
}

/// One option of a [`Choice`]: the value sent, and the label shown.
/// The languages a new participant's registration offers (by name, in the user's language):
/// those newly arrived participants most often speak, and Swedish and English.
const OFFERED_LANGUAGES: [&str; 13] = [
    "am", "ar", "en", "fa", "ku", "prs", "ps", "ru", "so", "sv", "ti", "tr", "uk",
];

fn choice(value: &'static str, label: &str) -> (&'static str, String) {
    (value, label.to_owned())
}

/// One day of the working week as typed: whether it is worked, and the hours.
#[derive(Clone, Copy)]
struct WorkDayInput {
    on: RwSignal<bool>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl WorkDayInput {
    fn new() -> Self {
        Self {
            on: RwSignal::new(false),
            from: RwSignal::new("07:00".to_owned()),
            to: RwSignal::new("16:00".to_owned()),
        }
    }
}

/// Matching a participant to a workplace and supervisor, with the usual working week, whose
/// shifts go into the schedule.
#[component]
pub fn PlacementForm(participant: Value) -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    let workplace = RwSignal::new(String::new());
    let supervisor = RwSignal::new(String::new());
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let week = WEEKDAYS.map(|(_, _)| WorkDayInput::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let programme_id = text(&participant, "programme_id");
    let participant_id = text(&participant, "id");
    // Memos, so a sync that changes nothing here keeps the chosen options in place.
    let workplaces = Memo::new(move |_| {
        status.view.with(|view| {
            let mut found: Vec<(String, String)> = of_kind(view, Kind::Workplace)
                .map(|(_, w)| (text(w, "name"), text(w, "id")))
                .collect();
            found.sort();
            found
        })
    });
    let supervisors = Memo::new(move |_| {
        let chosen = workplace.get();
        status.view.with(|view| {
            let mut found: Vec<(String, String)> = of_kind(view, Kind::Supervisor)
                .filter(|(_, s)| s["workplace_id"] == chosen.as_str())
                .map(|(_, s)| (full_name(s), text(s, "id")))
                .collect();
            found.sort();
            found
        })
    });
    let limit = move || {
        status.view.with(|view| {
            let programme = view.get(&key(Kind::Programme.as_str(), &programme_id))?;
            serde_json::from_value::<PlacementLimit>(programme["max_placement"].clone()).ok()
        })
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Ok(first), Ok(last)) = (
            starts.get_untracked().parse::<chrono::NaiveDate>(),
            ends.get_untracked().parse::<chrono::NaiveDate>(),
        ) else {
            set_error.set(Some(t_string!(i18n, plan_incomplete).to_owned()));
            return;
        };
        if workplace.get_untracked().is_empty() || supervisor.get_untracked().is_empty() {
            set_error.set(Some(t_string!(i18n, plan_incomplete).to_owned()));
            return;
        }
        if let Some(limit) = limit() {
            let last_allowed = limit.last_day(first);
            if last > last_allowed {
                set_error.set(Some(
                    t_string!(i18n, plan_too_long, date = last_allowed.to_string()).to_string(),
                ));
                return;
            }
        }
        let pattern: Vec<Value> = WEEKDAYS
            .iter()
            .zip(&week)
            .filter(|(_, day)| day.on.get_untracked())
            .map(|((weekday, _), day)| {
                json!({ "weekday": weekday, "starts_at": day.from.get_untracked(),
                    "ends_at": day.to.get_untracked() })
            })
            .collect();
        let data = json!({
            "id": uuid::Uuid::new_v4(),
            "programme_id": text(&participant, "programme_id"),
            "participant_id": participant_id,
            "workplace_id": workplace.get_untracked(),
            "supervisor_id": supervisor.get_untracked(),
            "starts_on": first,
            "ends_on": last,
            "weekly_pattern": pattern,
        });
        let placement = match from_json::<Placement>(data).and_then(|placement| {
            placement.validate(limit())?;
            Ok(placement)
        }) {
            Ok(placement) => placement,
            Err(problem) => return set_error.set(Some(refusal_text(i18n, problem.refusal))),
        };
        let place = workplaces.with_untracked(|all| {
            all.iter()
                .find(|(_, id)| *id == workplace.get_untracked())
                .and_then(|(name, _)| ShortText::parse(name).ok())
        });
        let mut records: Vec<Record> = placement
            .shifts(uuid::Uuid::new_v4)
            .into_iter()
            .map(|shift| {
                Record::ScheduleEvent(ScheduleEvent {
                    location: place.clone(),
                    ..shift
                })
            })
            .collect();
        records.insert(0, Record::Placement(placement));
        set_error.set(None);
        save_on_device(records, set_error, saving, move || {
            starts.set(String::new());
            ends.set(String::new());
            for day in week {
                day.on.set(false);
            }
        });
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, plan_placement_heading)}</h2>
            <form on:submit=save data-testid="placement-form">
                <label>
                    {t!(i18n, plan_workplace)}
                    <select name="workplace_id" on:change=move |ev| { workplace.set(event_target_value(&ev)); supervisor.set(String::new()); }>
                        <option value="">{t!(i18n, plan_choose)}</option>
                        {move || workplaces.get().into_iter().map(|(name, id)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    {t!(i18n, plan_supervisor)}
                    <select name="supervisor_id" on:change=move |ev| supervisor.set(event_target_value(&ev))>
                        <option value="">{t!(i18n, plan_choose)}</option>
                        {move || supervisors.get().into_iter().map(|(name, id)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>
                    {t!(i18n, plan_starts)}
                    <input type="date" name="starts_on" bind:value=starts />
                </label>
                <label>
                    {t!(i18n, plan_ends)}
                    <input type="date" name="ends_on" bind:value=ends />
                </label>
                <fieldset class="week" data-testid="weekly-pattern">
                    <legend>{t!(i18n, plan_weekly)}</legend>
                    {WEEKDAYS.into_iter().zip(week).map(|((weekday, label), day)| view! {
                        <div class="work-day">
                            <label class="choice">
                                <input type="checkbox" name="weekday" value=weekday bind:checked=day.on />
                                {weekday_label(i18n, label)}
                            </label>
                            <Show when=move || day.on.get()>
                                <label>
                                    {t!(i18n, plan_day_from)}
                                    <input type="time" name=format!("{weekday}-from") bind:value=day.from />
                                </label>
                                <label>
                                    {t!(i18n, plan_day_to)}
                                    <input type="time" name=format!("{weekday}-to") bind:value=day.to />
                                </label>
                            </Show>
                        </div>
                    }).collect_view()}
                    <p class="note">{t!(i18n, plan_shifts_note)}</p>
                </fieldset>
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="placement-error">{problem}</p>
                })}
                <button class="button" type="submit">{t!(i18n, plan_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

/// A training day, language class, meeting or other entry in the participant's schedule,
/// once or every week.
#[component]
pub fn EventForm(participant: Value) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new("training_day".to_owned());
    let title = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let starts_at = RwSignal::new("09:00".to_owned());
    let ends_at = RwSignal::new("15:00".to_owned());
    let weekly_until = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let programme_id = text(&participant, "programme_id");
    let participant_id = text(&participant, "id");
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut data = json!({
            "id": uuid::Uuid::new_v4(),
            "programme_id": programme_id,
            "participant_id": participant_id,
            "kind": kind.get_untracked(),
            "date": date.get_untracked(),
            "starts_at": starts_at.get_untracked(),
            "ends_at": ends_at.get_untracked(),
        });
        // Empty optional fields are left out rather than sent as empty text.
        for (field, value) in [
            ("title", title),
            ("location", location),
            ("weekly_until", weekly_until),
        ] {
            let value = value.get_untracked();
            if !value.trim().is_empty() {
                data[field] = json!(value);
            }
        }
        let parsed = from_json::<ScheduleEvent>(data).and_then(|event| {
            event.validate()?;
            Ok(event)
        });
        match parsed {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            Ok(event) => {
                set_error.set(None);
                save_on_device(
                    vec![Record::ScheduleEvent(event)],
                    set_error,
                    saving,
                    move || {
                        title.set(String::new());
                        weekly_until.set(String::new());
                    },
                );
            }
        }
    };
    let kinds = vec![
        choice("training_day", t_string!(i18n, event_training_day)),
        choice("language_class", t_string!(i18n, event_language_class)),
        choice("meeting", t_string!(i18n, event_meeting)),
        choice("study_visit", t_string!(i18n, event_study_visit)),
        choice("introduction", t_string!(i18n, event_introduction)),
        choice("workplace_shift", t_string!(i18n, event_workplace_shift)),
    ];
    view! {
        <section class="card">
            <h2>{t!(i18n, event_form_heading)}</h2>
            <form on:submit=save data-testid="event-form">
                <Choice name="kind" label=t_string!(i18n, event_form_kind) options=kinds value=kind />
                <label>
                    {t!(i18n, event_form_title)}
                    <input type="text" name="title" bind:value=title />
                </label>
                <label>
                    {t!(i18n, event_form_location)}
                    <input type="text" name="location" bind:value=location />
                </label>
                <label>
                    {t!(i18n, event_form_date)}
                    <input type="date" name="date" required bind:value=date />
                </label>
                <label>
                    {t!(i18n, event_form_starts)}
                    <input type="time" name="starts_at" required bind:value=starts_at />
                </label>
                <label>
                    {t!(i18n, event_form_ends)}
                    <input type="time" name="ends_at" required bind:value=ends_at />
                </label>
                <label>
                    {t!(i18n, event_form_weekly_until)}
                    <input type="date" name="weekly_until" bind:value=weekly_until />
                </label>
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="event-error">{problem}</p>
                })}
                <button class="button" type="submit">{t!(i18n, event_form_save)}</button>
            </form>
        </section>
    }
    .into_any()
}

/// Registering a new participant in one of the programme's intake rounds, in the signed-in
/// case manager's own caseload. Opens their page once it is saved on the device.
#[component]
pub fn RegisterForm() -> impl IntoView {
    let i18n = use_i18n();
    let status = expect_context::<SyncStatus>();
    // (programme id, [(round id, round name)]) for each programme on the device.
    let programmes = Memo::new(move |_| {
        status.view.with(|view| {
            of_kind(view, Kind::Programme)
                .map(|(_, programme)| {
                    let rounds: Vec<(String, String)> = programme["intake_rounds"]
                        .as_array()
                        .map(|rounds| {
                            rounds
                                .iter()
                                .map(|round| (text(round, "id"), text(round, "name")))
                                .collect()
                        })
                        .unwrap_or_default();
                    (text(programme, "id"), rounds)
                })
                .collect::<Vec<_>>()
        })
    });
    let round = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let birth_date = RwSignal::new(String::new());
    let gender = RwSignal::new("woman".to_owned());
    let phone = RwSignal::new(String::new());
    let language = RwSignal::new(String::new());
    let interpreter = RwSignal::new(false);
    let entry = RwSignal::new("long_term_unemployed".to_owned());
    let education = RwSignal::new("isced0_to2".to_owned());
    let (error, set_error) = signal(None::<String>);
    let saving = Saving::default();
    let navigate = leptos_router::hooks::use_navigate();
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(me), Some((programme_id, rounds))) = (
            status.user_id.get_untracked(),
            programmes.with_untracked(|all| all.first().cloned()),
        ) else {
            return set_error.set(Some(t_string!(i18n, register_no_programme).to_owned()));
        };
        let chosen_round = Some(round.get_untracked())
            .filter(|chosen| !chosen.is_empty())
            .or_else(|| rounds.last().map(|(id, _)| id.clone()));
        let language = language.get_untracked();
        let mut data = json!({
            "id": uuid::Uuid::new_v4(),
            "programme_id": programme_id,
            "first_name": first_name.get_untracked(),
            "last_name": last_name.get_untracked(),
            "birth_date": birth_date.get_untracked(),
            "gender": gender.get_untracked(),
            "status_at_entry": entry.get_untracked(),
            "education_at_entry": education.get_untracked(),
            "case_manager_id": me,
            "phase": "recruited",
            "intake_round_id": chosen_round,
        });
        if !language.is_empty() {
            data["languages"] = json!([language]);
            if interpreter.get_untracked() {
                data["interpreter"] = json!(language);
            }
        }
        if !phone.get_untracked().trim().is_empty() {
            data["phone"] = json!(phone.get_untracked());
        }
        let parsed = from_json::<Participant>(data).and_then(|participant| {
            participant.validate()?;
            Ok(participant)
        });
        match parsed {
            Err(problem) => set_error.set(Some(refusal_text(i18n, problem.refusal))),
            Ok(participant) => {
                set_error.set(None);
                let page = format!("/caseload?p={}", participant.id);
                let navigate = navigate.clone();
                save_on_device(
                    vec![Record::Participant(participant)],
                    set_error,
                    saving,
                    move || {
                        navigate(&page, Default::default());
                    },
                );
            }
        }
    };
    let mut languages: Vec<_> = OFFERED_LANGUAGES
        .into_iter()
        .map(|code| (code, language_name(i18n, code)))
        .collect();
    languages.sort_by(|a, b| a.1.cmp(&b.1));
    languages.insert(0, choice("", t_string!(i18n, register_language_none)));
    let genders = vec![
        choice("woman", t_string!(i18n, gender_woman)),
        choice("man", t_string!(i18n, gender_man)),
        choice("non_binary", t_string!(i18n, gender_non_binary)),
    ];
    let entries = vec![
        choice(
            "long_term_unemployed",
            t_string!(i18n, entry_long_term_unemployed),
        ),
        choice("unemployed", t_string!(i18n, entry_unemployed)),
        choice("inactive", t_string!(i18n, entry_inactive)),
        choice("employed", t_string!(i18n, entry_employed)),
    ];
    let educations = vec![
        choice("isced0_to2", t_string!(i18n, education_isced0_to2)),
        choice("isced3_to4", t_string!(i18n, education_isced3_to4)),
        choice("isced5_to8", t_string!(i18n, education_isced5_to8)),
    ];
    view! {
        <details class="card" data-testid="register">
            <summary>{t!(i18n, register_heading)}</summary>
            <form on:submit=save data-testid="register-form">
                <label>
                    {t!(i18n, register_first_name)}
                    <input type="text" name="first_name" required autocomplete="off" bind:value=first_name />
                </label>
                <label>
                    {t!(i18n, register_last_name)}
                    <input type="text" name="last_name" required autocomplete="off" bind:value=last_name />
                </label>
                <label>
                    {t!(i18n, register_birth_date)}
                    <input type="date" name="birth_date" required bind:value=birth_date />
                </label>
                <Choice name="gender" label=t_string!(i18n, register_gender) options=genders value=gender />
                <label>
                    {t!(i18n, register_phone)}
                    <input type="tel" name="phone" autocomplete="off" bind:value=phone />
                </label>
                <Choice name="language" label=t_string!(i18n, register_language) options=languages value=language />
                <label class="choice">
                    <input type="checkbox" name="interpreter" bind:checked=interpreter />
                    {t!(i18n, register_interpreter)}
                </label>
                <Choice name="status_at_entry" label=t_string!(i18n, register_status) options=entries value=entry />
                <Choice name="education_at_entry" label=t_string!(i18n, register_education) options=educations value=education />
                <label>
                    {t!(i18n, register_round)}
                    <select name="intake_round_id" on:change=move |ev| round.set(event_target_value(&ev))>
                        {move || programmes.with(|all| {
                            let rounds = all.first().map(|(_, rounds)| rounds.clone()).unwrap_or_default();
                            // The newest round is the one being filled, so it is offered first.
                            rounds.into_iter().rev().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()
                        })}
                    </select>
                </label>
                {move || error.get().map(|problem| view! {
                    <p class="form-error" role="alert" data-testid="register-error">{problem}</p>
                })}
                <button class="button" type="submit">{t!(i18n, register_save)}</button>
            </form>
        </details>
    }
    .into_any()
}
