# Status, das Menü, der eigene Link jeder Zeile, der erste Besuch und die Gründe im Zugriffsprotokoll.

col-action = Aktion
row-open = Öffnen
row-action-about = (Mandat mit { $other }: { $types })
period-stopped = vom { $from }, beendet am { $on }
period-stopped-before = sollte am { $from } beginnen; beendet am { $on }

start-title = Was Sie hier tun können
start-intro = Sie haben noch keine Mandate. Mit einem Mandat darf jemand bei einem öffentlichen Dienst in Ihrem Namen handeln, oder Sie dürfen im Namen eines anderen handeln.
start-give = Geben Sie jemandem das Recht, für Sie zu handeln, zum Beispiel Ihrem Buchhalter für Ihre Steuererklärung: Wählen Sie den Dienst und was er tun darf, geben Sie seine Nationalregisternummer oder Unternehmensnummer an und unterzeichnen Sie.
start-other-signs = Danach unterzeichnet auch die andere Partei. Erst dann ist das Mandat wirksam; bis dahin finden Sie es auf dieser Seite, wo es auf deren Unterschrift wartet. Sie können ein Mandat jederzeit beenden.
start-receive = Wenn Ihnen jemand ein Mandat erteilt oder Sie um eines bittet, erscheint es auf dieser Seite und wartet auf Ihre Unterschrift. Sobald es wirksam ist, finden Sie es unter „Mandate, die ich nutzen darf“.
start-button = Ein Mandat erteilen

executor-own = Mir erteilt
executor-enterprises = Einem Unternehmen erteilt, für das ich Ausführender bin
executor-none = Es gibt kein Mandat, das Sie jetzt nutzen dürfen.

access-refused-no_executor_role = Abgelehnt: Ein Mandat erlaubt dies einem Unternehmen, aber diese Person ist dafür nicht dessen Ausführender.
access-refused-pending_signature = Abgelehnt: Das Mandat wartet noch auf eine Unterschrift.
access-refused-not_yet_in_force = Abgelehnt: Das Mandat ist unterzeichnet, aber sein Zeitraum hat noch nicht begonnen.
access-refused-stopped = Abgelehnt: Das Mandat wurde beendet.
access-refused-expired = Abgelehnt: Der Zeitraum des Mandats ist abgelaufen.
access-refused-no_mandate = Abgelehnt: Kein Mandat erlaubt dieser Person, dies für Sie zu tun.
