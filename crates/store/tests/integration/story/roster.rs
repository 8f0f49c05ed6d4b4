//! The roster of an enterprise: roles written with row versions and their events.

use super::*;

pub(super) fn role(
    person: &str,
    kind: RoleKind,
    domain: Option<&str>,
    types: &[&str],
) -> EnterpriseRole {
    EnterpriseRole {
        id: Uuid::new_v4(),
        enterprise: kbo(OFFICE),
        person: insz(person),
        kind,
        domain: domain.map(str::to_owned),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        valid_from: day("2027-03-01"),
        valid_until: None,
        ended_at: None,
        assigned_at: at("2027-03-01T08:00:00Z"),
    }
}

pub(super) fn role_event(kind: RoleEventKind, role: &EnterpriseRole) -> NewEvent {
    NewEvent {
        kind: EventKind::Role(kind),
        subject: role.enterprise.to_string(),
        at: role.ended_at.unwrap_or(role.assigned_at),
        person: Some(REPRESENTATIVE.into()),
        party: Some(OFFICE.into()),
        auth: serde_json::to_value(auth()).expect("auth as JSON"),
        version: 0,
        detail: json!({"role": role.id, "person": role.person, "kind": role.kind}),
    }
}

pub(super) fn by_id(mut roles: Vec<EnterpriseRole>) -> Vec<EnterpriseRole> {
    roles.sort_by_key(|r| r.id.to_string());
    roles
}

/// The office's roster: written with row versions, read by enterprise, person and kind.
pub(super) async fn roles(story: &mut Story) {
    let representative = role(REPRESENTATIVE, RoleKind::LegalRepresentative, None, &[]);
    let manager = role(CARL, RoleKind::Manager, Some("fin"), &[]);
    let executor = role(DINA, RoleKind::Executor, Some("fin"), &["fin.tax_on_web"]);
    let mut tx = story.store.begin().await.expect("begin");
    for r in [&representative, &manager, &executor] {
        tx.put_role(r, None).await.expect("a new role");
    }
    story
        .append(
            &mut tx,
            &[
                role_event(RoleEventKind::Imported, &representative),
                role_event(RoleEventKind::Assigned, &manager),
                role_event(RoleEventKind::Assigned, &executor),
            ],
        )
        .await;
    let roster = tx
        .roles_of_enterprise(&kbo(OFFICE))
        .await
        .expect("the roster in the transaction");
    assert!(roster.iter().all(|r| r.row_version == 1));
    tx.commit().await.expect("commit");

    let everyone = by_id(vec![
        representative.clone(),
        manager.clone(),
        executor.clone(),
    ]);
    assert_eq!(
        story
            .store
            .roles_of_enterprise(&kbo(OFFICE))
            .await
            .expect("roster"),
        everyone
    );
    assert_eq!(story.store.all_roles().await.expect("all roles"), everyone);
    assert_eq!(
        story
            .store
            .roles_of_person(&insz(DINA))
            .await
            .expect("Dina's roles"),
        std::slice::from_ref(&executor)
    );
    assert!(
        story
            .store
            .roles_of_enterprise(&kbo("0203201340"))
            .await
            .expect("another roster")
            .is_empty()
    );

    // The executor role ends; a second end written at the old row version is a conflict.
    let ended = EnterpriseRole {
        ended_at: Some(at("2027-03-02T12:00:00Z")),
        ..executor.clone()
    };
    let mut tx = story.store.begin().await.expect("begin");
    let managers = tx.roles_of_kind(RoleKind::Manager).await.expect("managers");
    assert_eq!(
        managers.iter().map(|r| &r.value).collect::<Vec<_>>(),
        [&manager]
    );
    assert_eq!(
        tx.roles_of_person(&insz(DINA)).await.expect("Dina's roles"),
        std::slice::from_ref(&executor)
    );
    tx.put_role(&ended, Some(1)).await.expect("end the role");
    story
        .append(&mut tx, &[role_event(RoleEventKind::Ended, &ended)])
        .await;
    tx.commit().await.expect("commit");
    let mut tx = story.store.begin().await.expect("begin");
    assert!(matches!(
        tx.put_role(&executor, Some(1)).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        tx.put_role(&executor, None).await,
        Err(StoreError::Conflict)
    ));
    tx.rollback().await.expect("rollback");
    assert_eq!(
        story
            .store
            .roles_of_person(&insz(DINA))
            .await
            .expect("Dina's roles"),
        [ended]
    );
    let events = story
        .store
        .events_of("role", OFFICE)
        .await
        .expect("the roster's events");
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            EventKind::Role(RoleEventKind::Imported),
            EventKind::Role(RoleEventKind::Assigned),
            EventKind::Role(RoleEventKind::Assigned),
            EventKind::Role(RoleEventKind::Ended),
        ]
    );
    assert_eq!(events.last().map(|e| e.seq), Some(story.seq));
}
