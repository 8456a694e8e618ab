//! After the load: every device syncs until it has nothing left to send, then until a pull
//! brings nothing new; a fresh device of each user then pulls from cursor 0, and every
//! device must hold exactly what that fresh device holds. Every mutation must have been
//! answered once and never refused, and every record a device made must reach its user.
//! What only the database can tell (each write stored exactly once) is written out for
//! `scripts/bench-scale.sh` to check with psql.

use crate::device::Device;
use crate::{lock, signed_in_as, Shared, DEMO_PASSWORD, LOGIN_PATH, SYNC_PATH};
use lotsa_core::domain::Kind;
use lotsa_core::sync::replica::{self, Held};
use lotsa_core::sync::{
    MutationStatus, SyncRequest, SyncResponse, PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests the verification sends, so that the servers' counts add up.
static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// Round trips a device may need to settle: its outbox, the pages behind it, and the pull
/// that confirms a response's scopes.
const ROUNDS: usize = 20;
/// Devices settling at once: enough to be quick, few enough not to be a second load test.
const PARALLEL: usize = 16;

#[derive(Debug, Default)]
pub struct Verdict {
    pub problems: Vec<String>,
    pub requests: usize,
    pub devices: usize,
    pub users: usize,
    pub records_compared: usize,
    pub made: usize,
    pub check_ins: usize,
    pub attendance: usize,
    /// Mutations the server answered `applied` exactly once.
    pub applied_once: usize,
    /// Mutations sent again (a repeated request, a retry) and answered `duplicate`.
    pub sent_again: usize,
    /// Mutations whose answer was lost on the way (a failed request).
    pub uncertain: usize,
    pub replaced_notices: usize,
}

pub async fn verify(devices: &[Shared], out: Option<&Path>) -> anyhow::Result<Verdict> {
    let mut verdict = Verdict {
        devices: devices.len(),
        ..Verdict::default()
    };
    // Everything a device still has to send first, so that the pulls after it see every
    // write there will be.
    verdict.problems.extend(settle_all(devices, false).await);
    verdict.problems.extend(settle_all(devices, true).await);

    let usernames: BTreeSet<&'static str> = devices.iter().map(|d| lock(d).username).collect();
    verdict.users = usernames.len();
    let base_url = devices
        .first()
        .map(|device| lock(device).base_url.clone())
        .unwrap_or_default();
    let mut fresh: BTreeMap<&'static str, BTreeMap<String, Held>> = BTreeMap::new();
    for (n, username) in usernames.iter().enumerate() {
        match fresh_device(username, &base_url, 1_000_000 + n).await {
            Ok(held) => {
                fresh.insert(username, held);
            }
            Err(error) => verdict
                .problems
                .push(format!("a fresh device of {username}: {error}")),
        }
    }

    let mut writes: BTreeMap<(Kind, String), usize> = BTreeMap::new();
    let mut clients = Vec::new();
    for device in devices {
        let device = lock(device);
        let Some(expected) = fresh.get(device.username) else {
            continue;
        };
        verdict.records_compared += device.held.len();
        verdict.replaced_notices += device.replaced_notices;
        let mut problems = compare(&device, expected);
        problems.extend(mutations(&device, expected, &mut verdict));
        verdict.problems.extend(problems);
        for made in device.made.values() {
            *writes.entry((made.kind, made.id.to_string())).or_default() += 1;
        }
        if device.meta.cursor.is_some() {
            clients.push((device.client_id, device.last_mutation_id));
        }
    }

    verdict.requests = REQUESTS.load(Ordering::Relaxed);
    if let Some(out) = out {
        std::fs::create_dir_all(out)?;
        let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("writes.tsv"))?);
        for ((kind, id), mutations) in &writes {
            writeln!(file, "{kind}\t{id}\t{mutations}")?;
        }
        file.flush()?;
        let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("devices.tsv"))?);
        for (client_id, last_mutation_id) in &clients {
            writeln!(file, "{client_id}\t{last_mutation_id}")?;
        }
        file.flush()?;
    }
    Ok(verdict)
}

async fn settle_all(devices: &[Shared], until_quiet: bool) -> Vec<String> {
    let problems = Arc::new(Mutex::new(Vec::new()));
    let permits = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for device in devices {
        let (device, problems, permits) = (device.clone(), problems.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let found = settle(&device, until_quiet).await;
            problems.lock().unwrap().extend(found);
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Err(error) = joined {
            problems
                .lock()
                .unwrap()
                .push(format!("a device's verification task failed: {error}"));
        }
    }
    let problems = problems.lock().unwrap().clone();
    problems
}

/// Syncs one device until it has sent everything and pulled every page; `until_quiet` also
/// until a pull brings nothing (the pull that confirms a response's scopes).
async fn settle(device: &Shared, until_quiet: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let (number, username) = {
        let device = lock(device);
        (device.number, device.username)
    };
    for _ in 0..ROUNDS {
        let (request, client, base_url) = {
            let device = lock(device);
            (
                device.request(),
                device.client.clone(),
                device.base_url.clone(),
            )
        };
        match post(&client, &base_url, &request).await {
            Ok(response) => {
                let mut device = lock(device);
                problems.extend(device.note_answers(&request, &response));
                let taken = device.absorb(response);
                problems.extend(taken.problems);
                if device.outbox.is_empty() && !taken.more && (!until_quiet || taken.changes == 0) {
                    return problems
                        .into_iter()
                        .map(|p| format!("device {number} ({username}): {p}"))
                        .collect();
                }
            }
            Err(error) => {
                lock(device).lost(&request);
                problems.push(error);
                break;
            }
        }
    }
    problems.push(format!("not settled after {ROUNDS} syncs"));
    problems
        .into_iter()
        .map(|p| format!("device {number} ({username}): {p}"))
        .collect()
}

/// What a new phone of `username` holds after its first sync: the server's view of what the
/// user may see now.
async fn fresh_device(
    username: &'static str,
    base_url: &str,
    number: usize,
) -> Result<BTreeMap<String, Held>, String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .gzip(true)
        .timeout(Duration::from_secs(60))
        .user_agent("lotsa-bench-scale")
        .build()
        .map_err(|e| e.to_string())?;
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let response = client
        .post(format!("{}{LOGIN_PATH}", base_url.trim_end_matches('/')))
        .json(&json!({ "username": username, "password": DEMO_PASSWORD }))
        .send()
        .await
        .map_err(|e| format!("sign-in: {e}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("sign-in: {status}"));
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    let mut device = Device::new(number, username, client, base_url.to_owned(), seed);
    device.signed_in = Some(signed_in_as(username, &body)?);
    let device = Arc::new(Mutex::new(device));
    let problems = settle(&device, true).await;
    if let Some(problem) = problems.first() {
        return Err(problem.clone());
    }
    let held = lock(&device).held.clone();
    Ok(held)
}

pub async fn post(
    client: &reqwest::Client,
    base_url: &str,
    request: &SyncRequest,
) -> Result<SyncResponse, String> {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let response = client
        .post(format!("{}{SYNC_PATH}", base_url.trim_end_matches('/')))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .json(request)
        .send()
        .await
        .map_err(|e| format!("sync: {e}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("sync: {e}"))?;
    if !status.is_success() {
        let error = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|body| body["error"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return Err(format!("sync: {status} {error}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("sync: answer unreadable: {e}"))
}

/// The device against a fresh device of its user: the same records at the same versions
/// with the same data. Problems name kinds and ids, never what the records say.
fn compare(device: &Device, expected: &BTreeMap<String, Held>) -> Vec<String> {
    let who = format!("device {} ({})", device.number, device.username);
    let mut extra = Vec::new();
    let mut missing = Vec::new();
    let mut version = Vec::new();
    let mut data = Vec::new();
    for (key, held) in &device.held {
        match expected.get(key) {
            None => extra.push(key.clone()),
            Some(fresh) if fresh.version != held.version => version.push(format!(
                "{key} v{} (fresh v{})",
                held.version, fresh.version
            )),
            Some(fresh) if fresh.data != held.data => data.push(key.clone()),
            Some(_) => {}
        }
    }
    for key in expected.keys() {
        if !device.held.contains_key(key) {
            missing.push(key.clone());
        }
    }
    let mut problems = Vec::new();
    for (what, keys) in [
        ("holds records its user may not see now", extra),
        ("lacks records its user may see", missing),
        ("holds records at another version", version),
        ("holds records whose data differ", data),
    ] {
        if !keys.is_empty() {
            problems.push(format!(
                "{who} {what}: {} (e.g. {})",
                keys.len(),
                keys.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    problems
}

/// Each mutation answered applied exactly once (at most once where an answer was lost),
/// settled, never refused; each record made present for its user, a check-in as it was sent.
fn mutations(
    device: &Device,
    expected: &BTreeMap<String, Held>,
    verdict: &mut Verdict,
) -> Vec<String> {
    let who = format!("device {} ({})", device.number, device.username);
    let mut problems = Vec::new();
    if !device.outbox.is_empty() {
        problems.push(format!(
            "{who}: {} mutations never answered",
            device.outbox.len()
        ));
    }
    for (id, made) in &device.made {
        verdict.made += 1;
        match made.kind {
            Kind::CheckIn => verdict.check_ins += 1,
            Kind::Attendance => verdict.attendance += 1,
            _ => {}
        }
        let answers = device.answers.get(id).copied().unwrap_or_default();
        verdict.applied_once += usize::from(answers.applied == 1);
        verdict.sent_again += usize::from(answers.duplicate > 0);
        match device.settled.get(id) {
            Some(MutationStatus::Applied | MutationStatus::Duplicate) => {}
            Some(MutationStatus::Rejected) => {
                problems.push(format!("{who}: mutation {id} ({}) refused", made.kind))
            }
            None => problems.push(format!(
                "{who}: mutation {id} ({}) never settled",
                made.kind
            )),
        }
        let uncertain = device.uncertain.contains(id);
        verdict.uncertain += usize::from(uncertain);
        if answers.rejected > 0 || answers.applied > 1 || (answers.applied == 0 && !uncertain) {
            problems.push(format!(
                "{who}: mutation {id} ({}) answered applied {}, duplicate {}, rejected {} times{}",
                made.kind,
                answers.applied,
                answers.duplicate,
                answers.rejected,
                if uncertain {
                    " (an answer was lost)"
                } else {
                    ""
                }
            ));
        }
        let key = replica::key(made.kind.as_str(), &made.id.to_string());
        match expected.get(&key) {
            None => problems.push(format!(
                "{who}: {key} it made is not on the server for its user"
            )),
            Some(held) if made.kind == Kind::CheckIn && held.data != made.data => problems.push(
                format!("{who}: {key} it made is on the server with other data"),
            ),
            Some(_) => {}
        }
    }
    problems
}
