//! Bad configuration ends the server with one clear line and a non-zero exit, never a panic.

mod common;

use common::{fake_site, server_binary};
use std::process::{Command, Output};

fn run_server(envs: &[(&str, &str)]) -> Output {
    let site = fake_site();
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(server_binary());
    command
        .env_clear()
        .env("LOTSA_SITE_ROOT", site.path())
        .env("LOTSA_HASH_FILE", site.path().join("hash.txt"))
        .env("LOTSA_DATA_DIR", data.path())
        .env("LOTSA_ADDR", "127.0.0.1:0");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("the server binary runs")
}

/// The server failed with exactly one line on standard error that contains `expected`.
fn assert_one_line_failure(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr}");
    assert!(lines[0].starts_with("lotsa: "), "{stderr}");
    assert!(
        lines[0].contains(expected),
        "expected {expected:?} in: {stderr}"
    );
}

#[test]
fn a_malformed_database_url_is_refused() {
    let output = run_server(&[("DATABASE_URL", "mysql://root:hunter2@localhost/lotsa")]);
    assert_one_line_failure(&output, "DATABASE_URL is not a valid database address");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("hunter2"));
}

#[test]
fn an_unreachable_postgres_is_reported() {
    // Port 1 on loopback: nothing listens there.
    let output = run_server(&[("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/lotsa")]);
    assert_one_line_failure(&output, "cannot open the database");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("hunter2"));
}

#[test]
fn an_unwritable_data_directory_is_refused() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let data_dir = file.path().join("data");
    let output = run_server(&[("LOTSA_DATA_DIR", data_dir.to_str().unwrap())]);
    assert_one_line_failure(&output, "is not writable");
}

#[test]
fn a_port_in_use_is_refused() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = run_server(&[("LOTSA_ADDR", &address)]);
    assert_one_line_failure(&output, "is already in use");
}

#[test]
fn a_malformed_listen_address_is_refused() {
    let output = run_server(&[("LOTSA_ADDR", "localhost:http")]);
    assert_one_line_failure(&output, "localhost:http");
}

#[test]
fn a_missing_site_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let output = run_server(&[("LOTSA_SITE_ROOT", empty.path().to_str().unwrap())]);
    assert_one_line_failure(&output, "the built site was not found");
}

#[test]
fn a_missing_list_of_hashed_names_is_refused() {
    let output = run_server(&[("LOTSA_HASH_FILE", "/nonexistent/hash.txt")]);
    assert_one_line_failure(&output, "the list of hashed file names was not found");
}
