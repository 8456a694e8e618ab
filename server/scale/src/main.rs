//! `make bench-scale` (a benchmark, not a test): simulated phones sync through a reverse proxy
//! with two server processes behind it, all on one PostgreSQL. `scripts/bench-scale.sh` starts
//! those and runs this against the proxy.
//!
//! Each goose user is one device of a demo account: it signs in, pulls everything from cursor
//! 0, then keeps making the changes its user may make (check-ins, attendance) and syncing
//! them, now and then sending a request twice as a phone does when an answer is lost. The
//! device keeps its replica with the app's own rules (`lotsa_core::sync::replica`).
//!
//! When goose has stopped, every device syncs until it has nothing left to send or pull, and
//! is compared with a fresh device of its user; every mutation must have been answered once,
//! none refused, and every record a device made must be on the server. What the database
//! itself must hold is written to `$LOTSA_BENCH_OUT` for the script to check with psql.
//!
//! Goose's own options pick the load (`--host`, `--users`, `--run-time`, `--increase-time`);
//! the defaults are the issue's: 200 devices for 60 seconds.

mod device;
mod verify;

use device::{Device, SignedIn};
use goose::prelude::*;
use lotsa_core::domain::{stockholm_day, Role};
use lotsa_core::sync::{
    MutationStatus, SyncRequest, SyncResponse, PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const LOGIN_PATH: &str = "/api/v1/auth/login";
pub const SYNC_PATH: &str = "/api/v1/sync";
/// Every demo account signs in with it (server/src/demo.rs); it only guards fictional data.
pub const DEMO_PASSWORD: &str = lotsa_core::demo::DEMO_PASSWORD;

/// The demo's staff and its supervisor (server/src/demo.rs: `STAFF` and `handledare`), with
/// the role each must have when it signs in: a changed demo fails here, not in the numbers.
const ACCOUNTS: [(&str, Role); 8] = [
    ("handlaggare1", Role::CaseManager),
    ("handlaggare2", Role::CaseManager),
    ("handlaggare3", Role::CaseManager),
    ("handlaggare4", Role::CaseManager),
    ("arbetsformedlare1", Role::EmploymentOfficer),
    ("arbetsformedlare2", Role::EmploymentOfficer),
    ("handledare", Role::Supervisor),
    ("projektledare", Role::ProjectLeader),
];
/// Of every 25 devices: 16 case managers' (4 each), who write the most, 4 employment
/// officers' (2 each), 3 of the supervisor and 2 of the project leader, who only reads.
const ROTATION: [usize; 25] = [
    0, 1, 2, 3, 4, 0, 1, 2, 3, 6, 0, 1, 2, 3, 5, 0, 1, 2, 3, 7, 4, 6, 5, 6, 7,
];
/// How often a sync that carries changes is sent twice, its first answer taken as lost.
const REPEAT_PERCENT: u64 = 5;
/// A phone's pause between two syncs; `LOTSA_BENCH_WAIT_MS=min-max` sets another.
const WAIT_MS: (u64, u64) = (500, 1500);

/// One simulated phone, shared between its goose user and the verification pass.
pub type Shared = Arc<Mutex<Device>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    SignIn,
    FirstSync,
    Sync,
    Repeat,
}

#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub what: What,
    pub done: Instant,
    pub took: Duration,
}

/// What the goose users share: goose's transactions are plain functions.
struct Run {
    seed: u64,
    next_device: AtomicUsize,
    devices: Mutex<Vec<Shared>>,
    samples: Mutex<Vec<Sample>>,
    errors: Mutex<BTreeMap<String, usize>>,
}

static RUN: OnceLock<Run> = OnceLock::new();

fn run() -> &'static Run {
    RUN.get().expect("the run is set up before goose starts")
}

impl Run {
    fn error(&self, what: String) {
        *self.errors.lock().unwrap().entry(what).or_default() += 1;
    }

    fn sample(&self, what: What, took: Duration) {
        self.samples.lock().unwrap().push(Sample {
            what,
            done: Instant::now(),
            took,
        });
    }
}

pub fn lock(device: &Shared) -> std::sync::MutexGuard<'_, Device> {
    device
        .lock()
        .expect("no device code panics while holding it")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seed = match std::env::var("LOTSA_BENCH_SEED") {
        Ok(seed) => seed.parse()?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos() as u64,
    };
    let wait = match std::env::var("LOTSA_BENCH_WAIT_MS") {
        Ok(range) => {
            let (min, max) = range
                .split_once('-')
                .ok_or_else(|| anyhow::anyhow!("LOTSA_BENCH_WAIT_MS: write min-max"))?;
            (min.trim().parse()?, max.trim().parse()?)
        }
        Err(_) => WAIT_MS,
    };
    let out = std::env::var_os("LOTSA_BENCH_OUT").map(std::path::PathBuf::from);
    RUN.set(Run {
        seed,
        next_device: AtomicUsize::new(0),
        devices: Mutex::new(Vec::new()),
        samples: Mutex::new(Vec::new()),
        errors: Mutex::new(BTreeMap::new()),
    })
    .map_err(|_| anyhow::anyhow!("set up twice"))?;
    println!(
        "bench-scale: seed {seed} (LOTSA_BENCH_SEED={seed} gives the devices the same ids and random choices; what they hold still depends on timing), a sync every {}-{} ms per device",
        wait.0, wait.1
    );

    let started = Instant::now();
    let metrics = GooseAttack::initialize()?
        .set_client_builder_with_cookies(
            goose::client::GooseClientBuilder::new()
                .user_agent("lotsa-bench-scale")
                .timeout(Duration::from_secs(60)),
        )?
        .register_scenario(
            scenario!("Device")
                .register_transaction(
                    transaction!(sign_in)
                        .set_name("sign in")
                        .set_on_start()
                        .set_sequence(1),
                )
                .register_transaction(
                    transaction!(first_sync)
                        .set_name("first sync")
                        .set_on_start()
                        .set_sequence(2),
                )
                .register_transaction(transaction!(sync).set_name("sync"))
                .set_wait_time(Duration::from_millis(wait.0), Duration::from_millis(wait.1))?,
        )
        .set_default(GooseDefault::Users, 200)?
        .set_default(GooseDefault::IncreaseTime, 10)?
        .set_default(GooseDefault::RunTime, 60)?
        // Goose's own tables then count the sign-ins and first syncs too.
        .set_default(GooseDefault::NoResetMetrics, true)?
        // No controller: nothing but the servers listens during the bench.
        .set_default(GooseDefault::NoTelnet, true)?
        .execute()
        .await?;
    let load_ended = Instant::now();

    let devices: Vec<Shared> = run().devices.lock().unwrap().clone();
    println!(
        "\nverifying {} devices: each syncs until nothing is left, then is compared with a fresh device of its user",
        devices.len()
    );
    let verdict = verify::verify(&devices, out.as_deref()).await?;

    let samples = run().samples.lock().unwrap().clone();
    let errors = run().errors.lock().unwrap().clone();
    let goose_errors: usize = metrics.errors.values().map(|e| e.occurrences).sum();
    report(
        &devices,
        &samples,
        &errors,
        goose_errors,
        started,
        load_ended,
        &verdict,
    );

    let failed = !errors.is_empty() || !verdict.problems.is_empty() || devices.is_empty();
    if failed {
        println!("\nbench-scale: FAILED");
        std::process::exit(1);
    }
    println!("\nbench-scale: the devices and the server agree");
    Ok(())
}

/// The device of this goose user, created on its first transaction.
fn device_of(user: &mut GooseUser) -> Shared {
    if let Some(device) = user.get_session_data::<Shared>() {
        return device.clone();
    }
    let number = run().next_device.fetch_add(1, Ordering::Relaxed);
    let (username, _) = ACCOUNTS[ROTATION[number % ROTATION.len()]];
    let device = Arc::new(Mutex::new(Device::new(
        number,
        username,
        user.client.clone(),
        user.base_url.to_string(),
        run().seed,
    )));
    run().devices.lock().unwrap().push(device.clone());
    user.set_session_data(device.clone());
    device
}

fn outcome(result: Result<(), String>) -> TransactionResult {
    result.map_err(|error| Box::new(TransactionError::Custom(error)))
}

async fn sign_in(user: &mut GooseUser) -> TransactionResult {
    let device = device_of(user);
    outcome(ensure_signed_in(user, &device).await)
}

async fn first_sync(user: &mut GooseUser) -> TransactionResult {
    let device = device_of(user);
    outcome(ensure_ready(user, &device).await)
}

/// One round of a phone in use: a change its user may make, a sync carrying it (sometimes
/// twice), and the pages that follow.
async fn sync(user: &mut GooseUser) -> TransactionResult {
    let device = device_of(user);
    outcome(sync_once(user, &device).await)
}

async fn ensure_signed_in(user: &mut GooseUser, device: &Shared) -> Result<(), String> {
    if lock(device).signed_in.is_some() {
        return Ok(());
    }
    let username = lock(device).username;
    let builder = user
        .get_request_builder(&GooseMethod::Post, LOGIN_PATH)
        .map_err(|e| e.to_string())?
        .json(&json!({ "username": username, "password": DEMO_PASSWORD }));
    let started = Instant::now();
    let body = exchange(user, LOGIN_PATH, "sign in", builder).await?;
    run().sample(What::SignIn, started.elapsed());
    let signed_in =
        signed_in_as(username, &body).inspect_err(|error| run().error(error.clone()))?;
    lock(device).signed_in = Some(signed_in);
    Ok(())
}

/// Who the server says signed in, checked against the role the bench expects of the account.
fn signed_in_as(username: &str, body: &[u8]) -> Result<SignedIn, String> {
    let body: Value =
        serde_json::from_slice(body).map_err(|e| format!("sign-in answer unreadable: {e}"))?;
    let user_id = body["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or("sign-in answer without a user id")?;
    let roles: Vec<Role> = serde_json::from_value(body["roles"].clone())
        .map_err(|e| format!("sign-in answer's roles unreadable: {e}"))?;
    let expected = ACCOUNTS
        .iter()
        .find(|(name, _)| *name == username)
        .map(|(_, role)| *role);
    if !expected.is_some_and(|role| roles.contains(&role)) {
        return Err(format!(
            "{username} signed in without the role {expected:?}"
        ));
    }
    Ok(SignedIn { user_id, roles })
}

async fn ensure_ready(user: &mut GooseUser, device: &Shared) -> Result<(), String> {
    ensure_signed_in(user, device).await?;
    while !lock(device).first_sync_done {
        let request = lock(device).request();
        let response = send(user, device, &request, What::FirstSync).await?;
        let mut device = lock(device);
        let mut problems = device.note_answers(&request, &response);
        let taken = device.absorb(response);
        problems.extend(taken.problems);
        device.first_sync_done = !taken.more;
        drop(device);
        tally(problems)?;
    }
    Ok(())
}

async fn sync_once(user: &mut GooseUser, device: &Shared) -> Result<(), String> {
    ensure_ready(user, device).await?;
    let today = stockholm_day(chrono::Utc::now());
    let (request, repeat) = {
        let mut device = lock(device);
        device.change(today);
        let request = device.request();
        let repeat = !request.mutations.is_empty() && device.chance(REPEAT_PERCENT);
        (request, repeat)
    };
    let mut response = send(user, device, &request, What::Sync).await?;
    if repeat {
        // The first answer counts as lost on its way to the phone, which sends the same
        // request again: what the first applied, the second must call a duplicate.
        let problems = lock(device).note_answers(&request, &response);
        tally(problems)?;
        let first = response;
        response = send(user, device, &request, What::Repeat).await?;
        tally(repeated_answers(&request, &first, &response))?;
    }
    let mut more = take(device, &request, response)?;
    while more {
        let request = lock(device).request();
        let response = send(user, device, &request, What::Sync).await?;
        more = take(device, &request, response)?;
    }
    Ok(())
}

fn take(device: &Shared, request: &SyncRequest, response: SyncResponse) -> Result<bool, String> {
    let mut device = lock(device);
    let mut problems = device.note_answers(request, &response);
    let taken = device.absorb(response);
    problems.extend(taken.problems);
    drop(device);
    tally(problems)?;
    Ok(taken.more)
}

/// A request sent a second time: every mutation the first answer settled is a duplicate now.
fn repeated_answers(
    request: &SyncRequest,
    first: &SyncResponse,
    second: &SyncResponse,
) -> Vec<String> {
    request
        .mutations
        .iter()
        .filter_map(|mutation| {
            let status = |response: &SyncResponse| {
                response
                    .results
                    .iter()
                    .find(|result| result.id == mutation.id)
                    .map(|result| result.status)
            };
            match (status(first), status(second)) {
                (
                    Some(MutationStatus::Applied | MutationStatus::Duplicate),
                    Some(MutationStatus::Duplicate),
                )
                | (Some(MutationStatus::Rejected), _) => None,
                (first, second) => Some(format!(
                    "{} sent twice: answered {first:?}, then {second:?}",
                    mutation.name
                )),
            }
        })
        .collect()
}

fn tally(problems: Vec<String>) -> Result<(), String> {
    let Some(first) = problems.first().cloned() else {
        return Ok(());
    };
    for problem in problems {
        run().error(problem);
    }
    Err(first)
}

/// One sync round trip through goose (which measures it too), timed from sending to having
/// read the answer.
async fn send(
    user: &mut GooseUser,
    device: &Shared,
    request: &SyncRequest,
    what: What,
) -> Result<SyncResponse, String> {
    let name = match what {
        What::FirstSync => "first sync",
        What::Repeat => "sync (repeated)",
        _ => "sync",
    };
    let builder = user
        .get_request_builder(&GooseMethod::Post, SYNC_PATH)
        .map_err(|e| e.to_string())?
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .json(request);
    let started = Instant::now();
    let answer = exchange(user, SYNC_PATH, name, builder)
        .await
        .and_then(|body| {
            serde_json::from_slice::<SyncResponse>(&body).map_err(|e| {
                let error = format!("{name}: answer unreadable: {e}");
                run().error(error.clone());
                error
            })
        });
    match answer {
        Ok(response) => {
            run().sample(what, started.elapsed());
            Ok(response)
        }
        Err(error) => {
            lock(device).lost(request);
            Err(error)
        }
    }
}

/// Sends a request through goose and reads the whole answer; anything but a 200 is an error,
/// counted here and marked failed in goose's figures.
async fn exchange(
    user: &mut GooseUser,
    path: &str,
    name: &str,
    builder: reqwest::RequestBuilder,
) -> Result<Vec<u8>, String> {
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build();
    let mut goose = user.request(request).await.map_err(|e| {
        let error = format!("{name}: {e}");
        run().error(error.clone());
        error
    })?;
    let failure = match goose.response {
        Ok(response) => {
            let status = response.status();
            match response.bytes().await {
                Ok(body) if status.is_success() => return Ok(body.to_vec()),
                // The API's error bodies name what went wrong, never whose data.
                Ok(body) => format!(
                    "{name}: {status} {}",
                    serde_json::from_slice::<Value>(&body)
                        .ok()
                        .and_then(|body| body["error"].as_str().map(str::to_owned))
                        .unwrap_or_default()
                ),
                Err(e) => format!("{name}: reading the answer failed: {e}"),
            }
        }
        Err(e) => format!("{name}: {e}"),
    };
    run().error(failure.clone());
    let _ = user.set_failure(&failure, &mut goose.request, None, None);
    Err(failure)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn report(
    devices: &[Shared],
    samples: &[Sample],
    errors: &BTreeMap<String, usize>,
    goose_errors: usize,
    started: Instant,
    load_ended: Instant,
    verdict: &verify::Verdict,
) {
    let count = |what: What| samples.iter().filter(|s| s.what == what).count();
    let sign_ins = count(What::SignIn);
    let first_pages = count(What::FirstSync);
    let syncs = count(What::Sync);
    let repeats = count(What::Repeat);
    let mut per_user: BTreeMap<&str, usize> = BTreeMap::new();
    for device in devices {
        *per_user.entry(lock(device).username).or_default() += 1;
    }
    println!("\n== bench-scale ==");
    println!(
        "devices: {} ({})",
        devices.len(),
        per_user
            .iter()
            .map(|(user, n)| format!("{user} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "requests: {} answered (sign-ins {sign_ins}, first-sync pages {first_pages}, syncs {syncs}, repeated syncs {repeats}); errors: {} (goose counted {goose_errors})",
        sign_ins + first_pages + syncs + repeats,
        errors.values().sum::<usize>(),
    );
    for (error, n) in errors.iter().take(20) {
        println!("  error ×{n}: {error}");
    }

    // The steady phase: every device has its first sync, until goose stopped the devices.
    let steady_from = samples
        .iter()
        .filter(|s| s.what == What::FirstSync)
        .map(|s| s.done)
        .max()
        .unwrap_or(started);
    let steady_secs = load_ended
        .saturating_duration_since(steady_from)
        .as_secs_f64();
    let mut steady: Vec<Duration> = samples
        .iter()
        .filter(|s| matches!(s.what, What::Sync | What::Repeat) && s.done > steady_from)
        .map(|s| s.took)
        .collect();
    steady.sort();
    println!(
        "sync latency (sent to answer read, through nginx), steady phase: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} syncs)",
        ms(percentile(&steady, 0.50)),
        ms(percentile(&steady, 0.95)),
        ms(percentile(&steady, 0.99)),
        ms(steady.last().copied().unwrap_or_default()),
        steady.len()
    );
    println!(
        "syncs per second: {:.1} (steady phase, {:.1} s from the last device's first sync to the end)",
        if steady_secs > 0.0 { steady.len() as f64 / steady_secs } else { 0.0 },
        steady_secs
    );
    let mut first: Vec<Duration> = samples
        .iter()
        .filter(|s| s.what == What::FirstSync)
        .map(|s| s.took)
        .collect();
    first.sort();
    let mut logins: Vec<Duration> = samples
        .iter()
        .filter(|s| s.what == What::SignIn)
        .map(|s| s.took)
        .collect();
    logins.sort();
    println!(
        "first-sync pages: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; sign-ins: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ms(percentile(&first, 0.50)),
        ms(percentile(&first, 0.95)),
        ms(first.last().copied().unwrap_or_default()),
        ms(percentile(&logins, 0.50)),
        ms(percentile(&logins, 0.95)),
        ms(logins.last().copied().unwrap_or_default()),
    );
    println!(
        "load phase: {:.1} s in all",
        load_ended.duration_since(started).as_secs_f64()
    );
    println!(
        "mutations: {} made ({} check-ins, {} attendance); answered applied exactly once: {}; sent again and answered duplicate: {}; answers lost on the way: {}; replaced-notices received: {}",
        verdict.made,
        verdict.check_ins,
        verdict.attendance,
        verdict.applied_once,
        verdict.sent_again,
        verdict.uncertain,
        verdict.replaced_notices,
    );
    println!(
        "verification: {} devices drained and compared with a fresh device of their user ({} users), {} records held in all, {} requests",
        verdict.devices, verdict.users, verdict.records_compared, verdict.requests
    );
    if verdict.problems.is_empty() {
        println!("  no mismatch");
    } else {
        println!("  {} problems:", verdict.problems.len());
        for problem in verdict.problems.iter().take(40) {
            println!("  - {problem}");
        }
    }
}
