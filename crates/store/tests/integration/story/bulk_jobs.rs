//! A bulk job from its dry run to its end.

use super::*;

pub(super) fn job(owner: &str, now: Instant, total: i64) -> StoredJob {
    StoredJob {
        id: Uuid::new_v4(),
        owner: party(owner),
        spec: JobSpec {
            operation: Operation::Create,
            format: Format::Csv,
            mode: Mode::PerRow,
            acting_for: None,
            uploaded_by: Signer {
                person: insz(owner),
                auth: auth(),
            },
            committed_by: None,
            domains: ["fin".to_owned()].into(),
        },
        state: JobState::Validated,
        total,
        succeeded: 0,
        failed: 0,
        created_at: now,
        updated_at: now,
    }
}

pub(super) fn valid_row(line: i64, draft: Draft) -> StoredRow {
    StoredRow {
        line,
        natural_key: Some(natural_key(&draft)),
        input: Some(RowInput::Create { draft }),
        state: RowState::Valid,
        errors: vec![],
        mandate_id: None,
    }
}

/// A bulk job from its dry run to its end: rows checked, committed, applied.
pub(super) async fn bulk_job(story: &Story, cast: &Cast) -> StoredJob {
    let uploaded = at("2027-03-02T14:00:00Z");
    let job = job(ANN, uploaded, 3);
    let wrong_number = RowError {
        field: "mandatee".into(),
        code: "invalid_party_number".into(),
        args: vec![("reason".into(), "wrong_check_digits".into())],
    };
    let rows = vec![
        valid_row(
            1,
            draft("fin", &["fin.tax_on_web"], ANN, CARL, Some("2027-12-31")),
        ),
        StoredRow {
            line: 2,
            input: None,
            natural_key: None,
            state: RowState::Invalid,
            errors: vec![wrong_number.clone()],
            mandate_id: None,
        },
        valid_row(3, draft("fin", &["fin.ubo_register"], ANN, BOB, None)),
    ];
    let mut tx = story.store.begin().await.expect("begin");
    tx.put_bulk_job(&job, &rows).await.expect("a new job");
    tx.commit().await.expect("commit");
    assert_eq!(
        story.store.bulk_job(job.id).await.expect("the job"),
        Some(job.clone())
    );
    assert_eq!(
        story.store.bulk_job(Uuid::new_v4()).await.expect("no job"),
        None
    );
    let stored = story.store.bulk_rows(job.id, 0, 10).await.expect("rows");
    assert_eq!(
        stored.iter().map(row_values).collect::<Vec<_>>(),
        rows.iter().map(row_values).collect::<Vec<_>>()
    );
    assert_eq!(
        story
            .store
            .bulk_rows(job.id, 1, 1)
            .await
            .expect("a page of rows")
            .iter()
            .map(row_values)
            .collect::<Vec<_>>(),
        [row_values(&rows[1])]
    );
    assert!(
        story
            .store
            .running_bulk_jobs()
            .await
            .expect("running")
            .is_empty()
    );

    // Committed: running, in the committer's name.
    let committed = at("2027-03-02T14:05:00Z");
    let committer = Signer {
        person: insz(ANN),
        auth: auth(),
    };
    let mut tx = story.store.begin().await.expect("begin");
    tx.commit_bulk_job(&job, &committer, committed)
        .await
        .expect("commit the job");
    let running = tx
        .bulk_job(job.id)
        .await
        .expect("the job under the lock")
        .expect("the job exists");
    assert_eq!(
        (
            running.state,
            running.updated_at,
            &running.spec.committed_by
        ),
        (JobState::Running, committed, &Some(committer.clone()))
    );
    tx.commit().await.expect("commit");
    assert_eq!(
        story.store.running_bulk_jobs().await.expect("running"),
        [job.id],
        "resumed after a restart"
    );

    // Applied in two ranges of lines: line 1 made a mandate, line 3 was refused.
    let done = at("2027-03-02T14:06:00Z");
    let mut tx = story.store.begin().await.expect("begin");
    assert_eq!(tx.last_bulk_line(job.id).await.expect("last line"), 3);
    assert_eq!(
        tx.last_bulk_line(Uuid::new_v4()).await.expect("last line"),
        0
    );
    let pending = tx
        .pending_bulk_rows(job.id, 0, 3)
        .await
        .expect("rows to apply");
    assert_eq!(pending.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 3]);
    let second_range = tx
        .pending_bulk_rows(job.id, 1, 3)
        .await
        .expect("rows to apply");
    assert_eq!(second_range.iter().map(|r| r.line).collect::<Vec<_>>(), [3]);
    let refused = RowError {
        field: "types".into(),
        code: "role_does_not_allow".into(),
        args: vec![("domain".into(), "fin".into())],
    };
    tx.set_bulk_rows(
        job.id,
        &[
            RowOutcome {
                line: 1,
                state: RowState::Applied,
                errors: vec![],
                mandate_id: Some(cast.a.id),
            },
            RowOutcome {
                line: 3,
                state: RowState::Failed,
                errors: vec![refused.clone()],
                mandate_id: None,
            },
        ],
    )
    .await
    .expect("the rows' outcomes");
    tx.set_bulk_job(job.id, JobState::Done, 1, 1, done)
        .await
        .expect("the job's end");
    assert!(
        tx.pending_bulk_rows(job.id, 0, 3)
            .await
            .expect("rows to apply")
            .is_empty()
    );
    tx.commit().await.expect("commit");

    let finished = story
        .store
        .bulk_job(job.id)
        .await
        .expect("the job")
        .expect("the job exists");
    assert_eq!(
        (
            finished.state,
            finished.succeeded,
            finished.failed,
            finished.total,
            finished.created_at,
            finished.updated_at
        ),
        (JobState::Done, 1, 1, 3, uploaded, done)
    );
    assert_eq!(finished.spec.committed_by, Some(committer));
    let after = story.store.bulk_rows(job.id, 0, 10).await.expect("rows");
    let expected: Vec<RowValues> = vec![
        (
            1,
            row_values(&rows[0]).1,
            rows[0].natural_key.clone(),
            RowState::Applied,
            vec![],
            Some(cast.a.id),
        ),
        row_values(&rows[1]),
        (
            3,
            row_values(&rows[2]).1,
            rows[2].natural_key.clone(),
            RowState::Failed,
            vec![refused],
            None,
        ),
    ];
    assert_eq!(
        after.iter().map(row_values).collect::<Vec<_>>(),
        expected,
        "outcomes recorded, inputs kept"
    );
    assert!(
        story
            .store
            .running_bulk_jobs()
            .await
            .expect("running")
            .is_empty()
    );
    finished
}
