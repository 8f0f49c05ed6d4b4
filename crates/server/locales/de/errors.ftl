# Meldungen zu Ablehnungen und Fehlern, nach festem Code. Argumente werden als { $name } geschrieben.

## Titel von Problemantworten, nach HTTP-Status

title-400 = Ungültige Anfrage
title-401 = Nicht angemeldet
title-403 = Nicht erlaubt
title-404 = Nicht gefunden
title-405 = Methode nicht erlaubt
title-408 = Anfrage zu langsam
title-409 = Konflikt
title-413 = Anfrage zu groß
title-414 = Adresse zu lang
title-422 = Ungültige Eingabe
title-429 = Zu viele Anfragen
title-431 = Header zu groß
title-500 = Interner Fehler
title-503 = Dienst nicht verfügbar

## Ablehnungen

validation_failed = Einige Felder sind ungültig; siehe die Angaben zu den einzelnen Feldern.
invalid_body = Der Inhalt der Anfrage konnte nicht gelesen werden: { $reason }
mandate_not_found = Dieses Mandat existiert nicht, oder Sie sind keine Partei dieses Mandats.
enterprise_not_found = Dieses Unternehmen existiert nicht, oder Sie handeln nicht in seinem Namen.
role_not_found = Diese Rolle existiert für dieses Unternehmen nicht.
not_found = Unter dieser Adresse gibt es nichts.
method_not_allowed = Diese Adresse nimmt diese Methode nicht an.
unauthenticated = Melden Sie sich zuerst an: Diese Anfrage erfordert ein gültiges Bearer-Token.
no_role_for_enterprise = Sie haben keine gültige Rolle für das Unternehmen { $enterprise }.
role_does_not_allow = Ihre Rolle erlaubt dies für den Dienst { $domain } nicht.
not_a_party = Sie können dies nur für ein Mandat tun, das Sie (oder das Unternehmen, für das Sie handeln) erteilen oder erhalten.
creator_cannot_reject = Sie haben diesen Vorschlag selbst gemacht: Ziehen Sie ihn zurück, statt ihn abzulehnen.
only_initiator_withdraws = Nur die Partei, die diesen Vorschlag gemacht hat, kann ihn zurückziehen; Sie können ihn ablehnen.
authentication_level_too_low = Ihre Anmeldung ist zum Unterzeichnen nicht sicher genug (mindestens { $required } ist nötig). Melden Sie sich ab, melden Sie sich auf sicherere Weise wieder an und unterzeichnen Sie dann.
stale_version = Dieses Mandat wurde inzwischen geändert. Laden Sie die Seite neu, prüfen Sie die neuen Bedingungen und versuchen Sie es erneut.
invalid_transition = Dies ist nicht möglich für ein Mandat, das { $status ->
    [pending] auf eine Unterschrift wartet
    [scheduled] unterschrieben, aber noch nicht gültig ist
    [voided] nicht mehr möglich ist
    [active] aktiv ist
    [rejected] abgelehnt wurde
    [withdrawn] zurückgezogen wurde
    [lapsed] verfallen ist
    [stopped] beendet wurde
   *[expired] abgelaufen ist
}.
already_signed = Sie haben diese Bedingungen bereits unterzeichnet.
acceptance_window_passed = Die Frist zum Unterzeichnen dieses Mandats ist abgelaufen; es ist verfallen. Erstellen Sie ein neues.
nothing_to_sign = Bei diesem Mandat wartet nichts auf Ihre Unterschrift.
no_proposal = Keine Änderung dieses Mandats wartet auf eine Unterschrift.
proposal_pending = Eine Änderung dieses Mandats wartet bereits auf eine Unterschrift; sie muss zuerst unterzeichnet, abgelehnt oder zurückgezogen werden.
pending_cannot_be_modified = Ein Mandat, das auf seine Unterschriften wartet, kann nicht geändert werden: Ziehen Sie es zurück und erstellen Sie ein neues.
transfer_pending = Eine Übertragung dieses Mandats wartet bereits auf Unterschriften.
role_already_ended = Diese Rolle ist bereits beendet.
transfer_void = Das zu übertragende Mandat ist beendet; diese Übertragung kann nicht mehr wirksam werden.
exclusive_conflict = „{ $type }“ kann jeweils nur einer Person oder einem Unternehmen erteilt werden, und ein anderes Mandat erteilt es bereits im selben Zeitraum.
exclusive_conflict-named = „{ $type }“ kann jeweils nur einer Person oder einem Unternehmen erteilt werden; das Mandat { $mandate } erteilt es bereits im selben Zeitraum.
idempotency_key_reused = Dieser Idempotency-Key wurde bereits für eine andere Anfrage verwendet.
too_many_requests = Zu viele Versuche von Ihrer Adresse. Versuchen Sie es in { $retry_after } Sekunden erneut.
concurrent_change = Jemand anderes hat dies im selben Moment geändert. Laden Sie neu und versuchen Sie es erneut.
identity_provider_unavailable = Die Anmeldung kann gerade nicht geprüft werden: der Identitätsanbieter antwortet nicht. Versuchen Sie es gleich noch einmal.
body_timeout = Der Inhalt der Anfrage kam zu langsam an und wurde nicht gelesen. Senden Sie sie erneut.
payload_too_large = Der Inhalt der Anfrage ist zu groß, um gelesen zu werden. Senden Sie weniger auf einmal.
uri_too_long = Die Adresse der Anfrage ist zu lang (mehr als { $max } Bytes). Senden Sie weniger in der Adresse.
headers_too_large = Die Header der Anfrage sind zu groß, um gelesen zu werden.
access_log_unavailable = Der Dienst kann diese Antwort zurzeit nicht im Zugriffsprotokoll festhalten und gibt sie daher nicht. Versuchen Sie es gleich noch einmal.
store_unavailable = Der Dienst kann seine Datenbank zurzeit nicht erreichen. Versuchen Sie es gleich noch einmal.
store_full = Der Dienst kann zurzeit nichts speichern: sein Speicher ist voll. Es wurde nichts geändert. Versuchen Sie es später noch einmal.
uploads_busy = Der Dienst liest gerade so viele Dateien, wie er gleichzeitig kann. Es wurde nichts geändert. Senden Sie die Datei in { $retry_after } Sekunden erneut.
evidence_not_ready = Der Nachweis dieses Mandats ist noch nicht bereit: seine Ereignisse werden noch verkettet oder signiert. Es wurde nichts geändert. Fragen Sie in { $retry_after } Sekunden erneut.
export_not_allowed = Nur die Parteien eines Mandats können seinen Nachweis abrufen: Sie für sich selbst oder ein gesetzlicher Vertreter für ein Unternehmen.
internal_error = Bei uns ist ein Fehler aufgetreten. Geben Sie diese Referenz an, wenn Sie uns kontaktieren: { $request_id }.

## Feldfehler

invalid_date = { $value } ist kein Datum im Format YYYY-MM-DD.
invalid_party_number = Diese Nummer ist ungültig: { $reason }
party-not_digits = sie darf nur Ziffern, Punkte, Bindestriche und Leerzeichen enthalten.
party-wrong_length = sie hat die falsche Anzahl Ziffern (11 für eine Person, 10 für ein Unternehmen).
party-wrong_check_digits = ihre Prüfziffern stimmen nicht; prüfen Sie sie auf Tippfehler.
party-impossible_date = das darin enthaltene Geburtsdatum ist unmöglich.
party-wrong_first_digit = eine Unternehmensnummer beginnt mit 0 oder 1.
party-leading_zero_lost = wahrscheinlich ist eine führende Null verloren gegangen (Tabellenkalkulationen tun das); schreiben Sie die Nummer mit allen Ziffern.
party-not_a_person = hier wird die Nationalregisternummer einer Person (11 Ziffern) erwartet.
party-not_an_enterprise = hier wird eine Unternehmensnummer (10 Ziffern) erwartet.
required = Dieses Feld ist erforderlich.
types_empty = Wählen Sie mindestens einen Mandatstyp.
type_repeated = Der Typ { $type } ist zweimal angegeben.
unknown_type = Der Dienst { $domain } hat keinen Mandatstyp { $type }.
type_retired = Der Mandatstyp { $type } wird nicht mehr angeboten.
unknown_domain = Es gibt keinen Dienst { $domain }.
same_party = Wer das Mandat erteilt und wer es erhält, müssen verschieden sein: Geben Sie die Nummer einer anderen Person ein.
already_mandatee = Diese Person oder dieses Unternehmen erhält dieses Mandat bereits: Geben Sie die Nummer einer anderen Person ein.
party_kind_not_allowed = „{ $type }“ kann nicht { $side ->
    [mandator] von { $kind ->
        [person] einer Person
       *[enterprise] einem Unternehmen
    }
   *[mandatee] { $kind ->
        [person] einer Person
       *[enterprise] einem Unternehmen
    }
} erteilt werden.
start_in_past = Das Anfangsdatum muss heute oder später sein (heute ist der { $today }).
end_before_start = Das Enddatum muss am selben Tag wie das Anfangsdatum oder später liegen.
end_in_past = Das Enddatum muss heute oder später sein (heute ist der { $today }); soll das Mandat jetzt enden, beenden Sie es stattdessen.
unlimited_not_allowed = „{ $type }“ erfordert ein Enddatum: Geben Sie den letzten Tag ein.
period_too_long = Für „{ $type }“ darf das Enddatum höchstens { $period } nach dem Anfangsdatum liegen: spätestens am { $latest }.
reference_too_long = Die Referenz darf höchstens { $max } Zeichen lang sein.
capacity_ehealth_only = Eine Eigenschaft kann nur bei einem Mandat des Dienstes eHealth angegeben werden.
capacity_too_long = Die Eigenschaft darf höchstens { $max } Zeichen lang sein.
invalid_language = { $value } ist keine der Sprachen nl, fr, de, en.
invalid_email = Dies ist keine gültige E-Mail-Adresse.
no_change = Dies sind die aktuellen Bedingungen: Es würde sich nichts ändern.
version_required = Geben Sie an, welche Version Sie ändern: Senden Sie If-Match mit dem ETag oder version im Inhalt der Anfrage.
invalid_value = { $value } ist hier kein zulässiger Wert.
invalid_cursor = Dieser Seitencursor ist ungültig; beginnen Sie erneut mit der ersten Seite.
role_kind_not_assignable = Gesetzliche Vertreter stammen aus dem Unternehmensregister: Sie können hier weder zugewiesen noch beendet werden.

## Gründe einer negativen Prüfung

check-no_mandate = Kein Mandat erlaubt dieser Person, für diesen Vollmachtgeber bei diesem Typ zu handeln.
check-pending_signature = Mandat { $mandate } wartet auf die Unterschrift des { $side ->
    [mandator] Vollmachtgebers
   *[mandatee] Bevollmächtigten
}.
check-not_yet_in_force = Mandat { $mandate } ist ab dem { $from } wirksam.
check-stopped = Mandat { $mandate } wurde am { $at } beendet.
check-expired = Mandat { $mandate } ist am { $on } abgelaufen.
check-no_executor_role = Mandat { $mandate } liegt bei Unternehmen { $enterprise }, und diese Person hat dort keine Ausführungsrolle für diesen Typ.
min_consistency_not_reached = Diese Instanz hat Ereignis { $wanted } noch nicht gesehen; sie steht bei { $applied }. Versuchen Sie es gleich noch einmal.
invalid_instant = { $value } ist kein Zeitpunkt im Format RFC 3339 (z. B. 2027-03-01T09:00:00Z).
too_many_checks = Eine Anfrage enthält höchstens { $max } Prüfungen.
client_type_not_allowed = Diese Anwendung darf nicht nach dem Typ { $type } fragen.

## Seiten

login_expired = Die Anmeldung hat zu lange gedauert oder wurde anderswo gestartet. Melden Sie sich erneut an.
login_cancelled = Die Anmeldung wurde beim Identitätsanbieter abgebrochen.
login_failed = Die Anmeldung ist fehlgeschlagen: die Antwort des Identitätsanbieters konnte nicht geprüft werden. Melden Sie sich erneut an.
login_no_national_number = Der Identitätsanbieter hat keine gültige Nationalregisternummer übermittelt; mit diesem Konto können Sie diesen Dienst nicht nutzen.
act_for_enterprise_first = Wählen Sie zuerst oben auf der Seite, für welches Unternehmen Sie handeln.
invalid_filter = Dieser Suchfilter ist ungültig.

## Massendateien

file_empty = Die Datei ist leer.
not_text = Dies ist keine Textdatei. Speichern Sie die Tabelle als CSV (durch Kommas oder Semikolons getrennt) und laden Sie diese Datei hoch.
file_too_large = Als Windows-Text gelesen ist diese Datei größer als { $max } MiB. Speichern Sie sie als UTF-8-Text oder teilen Sie sie auf mehrere Dateien auf.
no_rows = Die Datei enthält keine zu verarbeitenden Zeilen.
too_many_rows = Eine Datei darf höchstens { $max } Zeilen enthalten; teilen Sie sie auf mehrere Dateien auf.
unknown_column = Eine Datei für diesen Vorgang hat keine Spalte und kein Feld { $value }.
duplicate_column = Die Spalte { $value } kommt in der Kopfzeile zweimal vor.
missing_column = In der Kopfzeile fehlt die Spalte { $value }.
invalid_csv = Die Datei konnte ab Zeile { $line } nicht als CSV gelesen werden.
invalid_json = Die Datei ist kein gültiges JSON (der Fehler liegt bei Zeile { $line }).
json_rows_expected = Eine JSON-Datei enthält eine Liste von Zeilen oder ein Objekt nur mit "rows": [...].
ssm_context_required = Wählen Sie zuerst den Dienst und die Mandatstypen für die ganze SSM-Datei.
ssm_create_only = Mit einer SSM-Datei können nur Mandate erstellt werden.
required_row_or_file = Füllen Sie dies in der Zeile aus, oder wählen Sie es einmal für die ganze Datei.
cell_outside_columns = Diese Zeile hat einen Wert in einer Spalte, die die Kopfzeile nicht benennt.
invalid_uuid = { $value } ist keine Mandatskennung (eine solche sieht so aus: 3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10).
invalid_version = { $value } ist keine Versionsnummer (eine ganze Zahl ab 1).
invalid_ssm_date = { $value } ist kein Datum im Format yyyyMMdd (z. B. 20270131).
wrong_field_count = Diese Zeile hat { $value } Felder; eine SSM-Datei hat { $required } in jeder Zeile.
row_not_object = Jede Zeile einer JSON-Datei ist ein Objekt mit benannten Feldern.
json_type = Hier wird { $kind ->
    [integer] eine ganze Zahl
    [list] eine Liste von Texten
   *[text] ein Text
} erwartet.
duplicate_in_file = Zeile { $line } dieser Datei enthält dieses Mandat bereits.
cell_too_long = Dieser Wert ist zu lang: eine Zelle darf höchstens { $max } Zeichen enthalten.
too_many_types = Eine Zeile darf höchstens { $max } Mandatstypen enthalten.
line_too_long = Zeile { $line } ist zu lang: eine Zeile darf höchstens { $max } Bytes enthalten.

## Sammelaufträge

bulk_job_not_found = Dieser Sammelauftrag existiert nicht oder wurde für jemand anderen erstellt.
bulk_job_not_validated = Dieser Auftrag wurde bereits gestartet ({ $status }); laden Sie die Datei erneut hoch, um einen neuen Auftrag zu erstellen.

# Permissions and lists
roster_not_allowed = Nur die gesetzlichen Vertreter und die Verwalter des Unternehmens können seine Rollen sehen und ändern.
access_log_not_allowed = Nur die gesetzlichen Vertreter und die Verwalter des Unternehmens können lesen, wer seine Mandate geprüft hat.
bulk_not_allowed = Ihre Rolle erlaubt es nicht, Mandate in großer Zahl zu ändern: Das können nur gesetzliche Vertreter und Verwalter.
bulk_job_has_invalid_rows = { $invalid } Zeilen dieser Datei sind nicht gültig, und die Datei wurde als „alles oder nichts“ hochgeladen: Es würde nichts geschehen. Korrigieren Sie diese Zeilen und laden Sie die Datei erneut hoch, oder laden Sie sie Zeile für Zeile hoch.
transfer_voided = Diese Übertragung ist nicht mehr möglich: Das Mandat, das sie ersetzen sollte, ist beendet.
unknown_parameter = Diese Adresse liest keinen Parameter dieses Namens; sie liest: { $known }.
out_of_range = Geben Sie eine ganze Zahl von { $min } bis { $max } ein.
unknown_entity_type = { $value } ist hier kein Typ, den dieser Dienst kennt; verwenden Sie { $known }.
control_character = Das Feld „{ $field }“ darf keine Steuerzeichen enthalten (etwa ein NUL-Byte).

## Webhooks
webhook_not_found = Dieses Webhook-Abonnement existiert nicht oder gehört einer anderen Anwendung.
invalid_webhook_url = { $url } ist keine vollständige https-Adresse.
webhook_url_not_https = Nur https-Adressen können Webhooks empfangen; { $url } ist keine.
webhook_url_credentials = Eine Adresse mit Benutzername oder Passwort kann keine Webhooks empfangen: Geben Sie die Adresse ohne sie an.
webhook_url_unresolvable = Der Hostname von { $url } konnte nicht aufgelöst werden.
webhook_url_not_public = { $url } führt zu { $address }, keiner öffentlichen Internetadresse (Loopback, privat, Link-Local, ...); Webhooks werden nur an öffentliche Adressen gesendet.
unknown_event_type = { $type } ist kein Ereignistyp; die Typen sind: { $known }.
too_many_webhooks = Eine Anwendung kann höchstens { $max } Webhook-Abonnements haben; entfernen Sie zuerst eines.
