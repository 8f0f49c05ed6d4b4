//! `mandates bench bulk`: one bulk file of creations timed as its dry run and as its commit,
//! beside mandates created one by one through the same service, on the same store.

use chrono::Utc;
use mandates_domain::actor::AuthContext;
use mandates_domain::mandate::Draft;
use mandates_domain::time::brussels_date;
use mandates_server::config::Config;

use super::numbers::{STAFF, person};
use crate::config::open_store;

/// The bulk benchmark: dry run and commit of one file, then single creations.
pub(super) async fn bulk(
    config: &Config,
    rows: u64,
    single: u64,
    mode: mandates_domain::bulk::Mode,
) -> Result<(), String> {
    use mandates_server::auth::Principal;

    let store = open_store(config).await?;
    let err = |e: mandates_store::StoreError| e.to_string();
    if store.last_seq().await.map_err(err)? > 0 {
        return Err("the database is not empty: use a new one".into());
    }
    let mut config = config.clone();
    config.demo = true;
    config.demo_data = false;
    let state = mandates_server::build(
        config,
        store.clone(),
        mandates_server::clock::Clock::System,
        "http://127.0.0.1",
    )
    .await
    .map_err(|e| e.to_string())?;
    let (from, until) = period();
    let mandator = person(STAFF + 9_500_000);
    let principal = Principal {
        person: mandator.clone(),
        auth: AuthContext {
            acr: Some("bench".into()),
            amr: vec!["bench".into()],
        },
    };
    let (dry, commit, done) = create_in_bulk(&state, &principal, 0, rows, mode).await?;
    // The single creations start with the index level with the store, as a quiet service.
    state.catch_up().await;
    let started = std::time::Instant::now();
    for k in 0..single {
        let draft = Draft {
            domain: "fin".into(),
            types: vec!["fin.myminfin_consult".into()],
            mandator: mandator.to_string(),
            mandatee: person(rows + k).to_string(),
            valid_from: Some(from.to_string()),
            valid_until: Some(until.to_string()),
            ..Draft::default()
        };
        mandates_server::service::mandates::change(
            &state,
            &principal,
            None,
            None,
            mandates_server::service::mandates::MandateCommand::Create(draft),
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    let one_by_one = started.elapsed().as_secs_f64();
    let how = match mode {
        mandates_domain::bulk::Mode::PerRow => "row by row",
        mandates_domain::bulk::Mode::AllOrNothing => "all or nothing",
    };
    println!(
        "store {}: dry run of {rows} rows {dry:.1} s ({:.0} rows/s); commit ({how}) {commit:.1} s ({:.0} rows/s, {} applied, {} failed); {single} single creations {one_by_one:.1} s ({:.0} a second)",
        store.backend_name(),
        rows as f64 / dry,
        rows as f64 / commit,
        done.succeeded,
        done.failed,
        single as f64 / one_by_one,
    );
    // (The index follower keeps a connection to the end of the process: no pool close here.)
    state.shutdown().await;
    Ok(())
}

/// The period of the benchmarks' mandates: from tomorrow, for 300 days.
pub(super) fn period() -> (chrono::NaiveDate, chrono::NaiveDate) {
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let today = brussels_date(Utc::now());
    let from = today + chrono::Days::new(1);
    (from, from + chrono::Days::new(300))
}

/// One bulk file of `rows` creations by `principal` to the people numbered from `first`,
/// validated then committed and followed to its end: the dry run's and the commit's seconds,
/// and the job as it ended.
pub(super) async fn create_in_bulk(
    state: &mandates_server::AppState,
    principal: &mandates_server::auth::Principal,
    first: u64,
    rows: u64,
    mode: mandates_domain::bulk::Mode,
) -> Result<(f64, f64, mandates_store::StoredJob), String> {
    use mandates_domain::bulk::{FileDefaults, Format, JobState, Operation};
    use mandates_server::service::bulk::{self, Upload};

    let (from, until) = period();
    let mandator = &principal.person;
    let mut file = String::from("mandator;mandatee;valid_from;valid_until\n");
    for k in first..first + rows {
        file.push_str(&format!("{mandator};{};{from};{until}\n", person(k)));
    }
    let upload = Upload {
        selection: None,
        bytes: file.into_bytes().into(),
        format: Format::Csv,
        operation: Operation::Create,
        mode,
        defaults: FileDefaults {
            domain: Some("fin".into()),
            types: vec!["fin.myminfin_consult".into()],
        },
        ssm_side: None,
        key: None,
    };
    let started = std::time::Instant::now();
    let job = bulk::validate(state, principal, None, upload)
        .await
        .map_err(|e| e.to_string())?
        .job;
    let dry = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    bulk::commit(state, principal, None, job.id, None)
        .await
        .map_err(|e| e.to_string())?;
    let done = loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let now = state
            .store()
            .bulk_job(job.id)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(j) = now.filter(|j| matches!(j.state, JobState::Done | JobState::Failed)) {
            break j;
        }
    };
    Ok((dry, started.elapsed().as_secs_f64(), done))
}
