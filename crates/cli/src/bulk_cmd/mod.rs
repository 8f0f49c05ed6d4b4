//! `mandates bulk`: a client of a running server's bulk API. Uploads a file (a dry run that
//! changes nothing), prints every row's outcome and, with `--commit`, runs the job and follows it
//! to its end.
//!
//! It reads no configuration: the server's configuration refuses unknown `MANDATES_*` keys, so
//! the token comes from `--token` or `--token-file`, not from a `MANDATES_` variable.
//!
//! - this file: the command line, the run of a job and what it prints;
//! - `client.rs`: the requests to the server and its answers.

mod client;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::header;

use client::{Api, Failure, Job, Row};

/// How often a running job is asked for its progress.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Create mandates: one a row (CSV header
    /// `mandator;mandatee;domain;types;valid_from;valid_until;reference;language;email;capacity`).
    Create(BulkArgs),
    /// Sign pending mandates or proposed changes: one a row (CSV header `mandate;version`).
    Sign(BulkArgs),
    /// Stop active mandates now: one a row (CSV header `mandate`).
    Stop(BulkArgs),
    /// Transfer mandates to a new mandatee: one a row (CSV header `mandate;new_mandatee`).
    Transfer(BulkArgs),
}

/// The file, what to do with it, and the server to send it to.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when every row is valid (dry run) or applied or unchanged \
(commit); 1 when a row is invalid or failed; 2 when the job could not be made or run (server \
unreachable, token refused, file refused as a whole)."
)]
#[command(group(ArgGroup::new("action").required(true).args(["dry_run", "commit"])))]
#[command(group(ArgGroup::new("credentials").required(true).args(["token", "token_file"])))]
pub struct BulkArgs {
    /// The file of changes: CSV, JSON or the federal SSM file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Check every row and print the report; nothing is changed.
    #[arg(long)]
    dry_run: bool,
    /// Check every row, then apply the job and follow it to its end (a progress bar on a
    /// terminal); prints the rows that were not applied.
    #[arg(long)]
    commit: bool,
    /// The server's base URL, e.g. `https://mandates.example.be`.
    #[arg(long, value_name = "URL")]
    server: String,
    /// A bearer access token for the API (visible to other users of this machine in the
    /// process list: prefer `--token-file`).
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// A file holding the bearer access token (surrounding whitespace is ignored).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Act for this enterprise (its KBO/BCE number) instead of in your own name; you need a role
    /// for it.
    #[arg(long, value_name = "ENTERPRISE")]
    act_for: Option<String>,
    /// The file's format [default: from the extension: .json is json, .txt is ssm, else csv].
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// `all-or-nothing`: one invalid or failing row and nothing is applied; `per-row`: valid
    /// rows are applied, the others reported.
    #[arg(long, value_enum, default_value_t = Mode::AllOrNothing)]
    mode: Mode,
    /// The domain of every row that names none (required for ssm).
    #[arg(long, value_name = "DOMAIN")]
    domain: Option<String>,
    /// The mandate types of every row that names none, comma-separated (required for ssm).
    #[arg(long, value_name = "T1,T2", value_delimiter = ',')]
    types: Vec<String>,
    /// For ssm: your side in every row (the file names only the other party).
    #[arg(long, value_enum)]
    role: Option<Role>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FileFormat {
    /// Our CSV: a header row, `,` or `;`.
    Csv,
    /// An array of objects with the CSV's column names.
    Json,
    /// The federal SSM file: seven `;`-separated fields a line.
    Ssm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    AllOrNothing,
    PerRow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Role {
    Mandator,
    Mandatee,
}

impl FileFormat {
    /// What the extension suggests: `.json` is JSON, `.txt` the SSM file, anything else CSV.
    fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("json") => Self::Json,
            Some("txt") => Self::Ssm,
            _ => Self::Csv,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Ssm => "ssm",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Ssm => "text/plain",
        }
    }
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Self::AllOrNothing => "all-or-nothing",
            Self::PerRow => "per-row",
        }
    }
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Self::Mandator => "mandator",
            Self::Mandatee => "mandatee",
        }
    }
}

pub async fn run(command: BulkCommand) -> ExitCode {
    let (operation, args) = match command {
        BulkCommand::Create(a) => ("create", a),
        BulkCommand::Sign(a) => ("sign", a),
        BulkCommand::Stop(a) => ("stop", a),
        BulkCommand::Transfer(a) => ("transfer", a),
    };
    match execute(operation, &args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(failure) => {
            failure.print();
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(true)` when no row was invalid or failed.
async fn execute(operation: &str, args: &BulkArgs) -> Result<bool, Failure> {
    let token = token(args)?;
    let body = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let format = args
        .format
        .unwrap_or_else(|| FileFormat::from_path(&args.file));
    let api = Api::new(args, &token, std::env::var("LANG").ok().as_deref())?;

    let mut query: Vec<(&str, String)> = vec![
        ("operation", operation.to_owned()),
        ("format", format.as_str().to_owned()),
        ("mode", args.mode.as_str().to_owned()),
    ];
    if let Some(domain) = &args.domain {
        query.push(("domain", domain.clone()));
    }
    if !args.types.is_empty() {
        query.push(("types", args.types.join(",")));
    }
    if let Some(role) = args.role {
        query.push(("role", role.as_str().to_owned()));
    }
    let uploaded: Job = api
        .send(
            api.http
                .post(api.url("/api/v1/bulk"))
                .query(&query)
                .header(header::CONTENT_TYPE, format.content_type())
                .body(body),
        )
        .await?;

    if args.dry_run {
        let rows = api.all_rows(uploaded).await?;
        let bad = rows.iter().filter(|r| r.state == "invalid").count();
        for row in &rows {
            print_row(row);
        }
        println!(
            "{} rows: {} valid, {bad} invalid (dry run: nothing was changed)",
            rows.len(),
            rows.len() - bad
        );
        return Ok(bad == 0);
    }

    let id = uploaded.id;
    let _: Job = api
        .send(api.http.post(api.url(&format!("/api/v1/bulk/{id}/commit"))))
        .await?;
    let progress = progress_bar(uploaded.total);
    let finished = loop {
        let job: Job = api
            .send(
                api.http
                    .get(api.url(&format!("/api/v1/bulk/{id}")))
                    .query(&[("limit", "1")]),
            )
            .await?;
        progress.set_length(job.total);
        progress.set_position(job.succeeded + job.failed);
        if job.state == "done" || job.state == "failed" {
            break job;
        }
        tokio::time::sleep(POLL).await;
    };
    progress.finish_and_clear();

    let state = finished.state.clone();
    let rows = api.all_rows(finished).await?;
    let count = |s: &str| rows.iter().filter(|r| r.state == s).count();
    let (applied, unchanged) = (count("applied"), count("unchanged"));
    let (invalid, failed, not_applied) = (count("invalid"), count("failed"), count("not_applied"));
    for row in rows
        .iter()
        .filter(|r| r.state != "applied" && r.state != "unchanged")
    {
        print_row(row);
    }
    println!(
        "job {id} {state}: {} rows: {applied} applied, {unchanged} unchanged, {invalid} invalid, \
         {failed} failed, {not_applied} not applied",
        rows.len()
    );
    Ok(state == "done" && invalid + failed + not_applied == 0)
}

/// The token of `--token` or `--token-file`.
fn token(args: &BulkArgs) -> Result<String, String> {
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => t.trim().to_owned(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?
            .trim()
            .to_owned(),
        (None, None) => String::new(),
    };
    if token.is_empty() {
        return Err("no token: give --token or --token-file".into());
    }
    Ok(token)
}

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {elapsed}") {
        bar.set_style(style);
    }
    bar
}

fn print_row(row: &Row) {
    match &row.mandate_id {
        Some(id) => println!("line {}: {} (mandate {id})", row.line, row.state),
        None => println!("line {}: {}", row.line, row.state),
    }
    for e in &row.errors {
        println!("  {}: {}", e.field, e.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_extension() {
        assert_eq!(FileFormat::from_path(Path::new("a.JSON")), FileFormat::Json);
        assert_eq!(FileFormat::from_path(Path::new("a.txt")), FileFormat::Ssm);
        assert_eq!(FileFormat::from_path(Path::new("a.csv")), FileFormat::Csv);
        assert_eq!(FileFormat::from_path(Path::new("rows")), FileFormat::Csv);
    }
}
