//! Lotsa's server: renders the app (SSR + hydration), serves its files and the service worker,
//! and owns the database.

pub mod admin;
pub mod api;
pub mod api_error;
pub mod assets;
pub mod auth;
pub mod client_address;
pub mod config;
pub mod db;
pub mod demo;
pub mod health;
pub mod http_headers;
pub mod page_forms;
pub mod report_pdf;
pub mod schedule_page;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod today_page;
