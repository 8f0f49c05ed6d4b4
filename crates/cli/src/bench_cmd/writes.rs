//! `mandates bench writes`: single creations and signatures through the service, with the
//! notices and mails each writes and the evidence chain, without the notices, and without
//! the chain, alternating in one run on one store.

use mandates_domain::actor::AuthContext;
use mandates_domain::mandate::Draft;
use mandates_domain::time::brussels_date;
use mandates_server::AppState;
use mandates_server::auth::Principal;
use mandates_server::config::Config;
use mandates_server::service::mandates::{Action, MandateCommand, change};

use super::numbers::{STAFF, person};
use crate::config::open_store;

/// Time spent creating and signing, in seconds, and how many of each.
#[derive(Default)]
struct Spent {
    create: f64,
    sign: f64,
    count: u64,
}

fn principal(number: u64) -> Principal {
    Principal {
        person: person(number),
        auth: AuthContext {
            acr: Some("bench".into()),
            amr: vec!["bench".into()],
        },
    }
}

/// `n` mandates, each created by a citizen of their own and signed by its mandatee.
async fn round(state: &AppState, first: u64, n: u64, spent: &mut Spent) -> Result<(), String> {
    let err = |e: mandates_server::error::AppError| e.to_string();
    #[expect(
        clippy::disallowed_methods,
        reason = "a command's edge reads the clock once"
    )]
    let from = brussels_date(chrono::Utc::now()) + chrono::Days::new(1);
    for k in first..first + n {
        let mandator = principal(STAFF + 9_600_000 + k);
        let draft = Draft {
            domain: "fin".into(),
            types: vec!["fin.myminfin_consult".into()],
            mandator: mandator.person.to_string(),
            mandatee: person(k).to_string(),
            valid_from: Some(from.to_string()),
            valid_until: Some((from + chrono::Days::new(300)).to_string()),
            ..Draft::default()
        };
        let started = std::time::Instant::now();
        let made = change(state, &mandator, None, None, MandateCommand::Create(draft))
            .await
            .map_err(err)?;
        spent.create += started.elapsed().as_secs_f64();
        let started = std::time::Instant::now();
        let sign = Action::Sign {
            version: made.value.version,
        };
        change(
            state,
            &principal(k),
            None,
            None,
            MandateCommand::Act(made.value.id, sign),
        )
        .await
        .map_err(err)?;
        spent.sign += started.elapsed().as_secs_f64();
        spent.count += 1;
    }
    Ok(())
}

pub(super) async fn writes(config: &Config, single: u64, rounds: u64) -> Result<(), String> {
    let store = open_store(config).await?;
    if store.last_seq().await.map_err(|e| e.to_string())? > 0 {
        return Err("the database is not empty: use a new one".into());
    }
    let mut config = config.clone();
    // Not in demo mode, and no SMTP server: the mails wait in the outbox, so that what is
    // timed is the writing of the change (the sending is `bench dispatch`'s).
    config.demo = false;
    config.demo_data = false;
    // Outside demo mode evidence needs a key: one for this run, unless one is configured.
    let throwaway = std::env::temp_dir().join(format!("mandates-bench-{}.pem", std::process::id()));
    if config.evidence.key_file.is_none() {
        let pem = mandates_server::evidence::keys::generate_pem()?;
        std::fs::write(&throwaway, pem).map_err(|e| format!("{}: {e}", throwaway.display()))?;
        config.evidence.key_file = Some(throwaway.clone());
    }
    config.mail.smtp_url = None;
    config.notices.scheduler_seconds = 0;
    let mut quiet = config.clone();
    quiet.notices.enabled = false;
    // Two instances on one store: each its own access log spool.
    let spool = config.access_log_settings().dir;
    quiet.access_log.spool = Some(spool.with_extension("quiet-spool"));
    let build = |c: Config| {
        mandates_server::build(
            c,
            store.clone(),
            mandates_server::clock::Clock::System,
            "http://127.0.0.1",
        )
    };
    let mut plain = config.clone();
    plain.access_log.spool = Some(spool.with_extension("plain-spool"));
    let telling = build(config).await.map_err(|e| e.to_string())?;
    let silent = build(quiet).await.map_err(|e| e.to_string())?;
    // The events of this one get no digest or chain value (chained after each round, untimed,
    // so that the others always append to a chained log).
    let unchained = mandates_server::build(
        plain,
        store.unchained(),
        mandates_server::clock::Clock::System,
        "http://127.0.0.1",
    )
    .await
    .map_err(|e| e.to_string())?;
    let (mut with, mut without, mut bare) = (Spent::default(), Spent::default(), Spent::default());
    let per_round = (single / rounds.max(1)).max(1);
    let mut next = 0;
    for r in 0..rounds.max(1) {
        // Rotate which goes first, so that none always meets a warmer store.
        let mut order = [(&telling, 0), (&silent, 1), (&unchained, 2)];
        order.rotate_left((r % 3) as usize);
        for (state, which) in order {
            let spent = match which {
                0 => &mut with,
                1 => &mut without,
                _ => &mut bare,
            };
            round(state, next, per_round, spent).await?;
            next += per_round;
            if which == 2 {
                store
                    .chain_all_pending(mandates_server::CHAIN_BATCH)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    let per = |s: f64, n: u64| s * 1e6 / n as f64;
    println!(
        "store {}: {} creations and signatures each way in {} rounds\n\
         with notices and chain: create {:.0} µs, sign {:.0} µs\n\
         without notices:        create {:.0} µs, sign {:.0} µs\n\
         without chain:          create {:.0} µs, sign {:.0} µs\n\
         notices: with ÷ without: create {:.2}, sign {:.2}\n\
         chain:   with ÷ without: create {:.2}, sign {:.2}",
        store.backend_name(),
        with.count,
        rounds.max(1),
        per(with.create, with.count),
        per(with.sign, with.count),
        per(without.create, without.count),
        per(without.sign, without.count),
        per(bare.create, bare.count),
        per(bare.sign, bare.count),
        with.create / without.create,
        with.sign / without.sign,
        with.create / bare.create,
        with.sign / bare.sign,
    );
    telling.shutdown().await;
    silent.shutdown().await;
    unchained.shutdown().await;
    let _ = std::fs::remove_file(&throwaway);
    Ok(())
}
