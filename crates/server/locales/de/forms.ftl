# Die Formulare: die Zusammenfassung der Fehler, die Datumseingabe und Meldungen, die sagen, was einzugeben ist.

error-prefix = Fehler:
error-summary-title = Es gibt ein Problem
date-hint = Zum Beispiel 31 12 2027
date-day = Tag
date-month = Monat
date-year = Jahr
date-missing = { $date ->
    [valid_from] Das Anfangsdatum
   *[valid_until] Das Enddatum
} muss { $parts ->
    [day] einen Tag
    [month] einen Monat
    [year] ein Jahr
    [day-month] einen Tag und einen Monat
    [day-year] einen Tag und ein Jahr
   *[month-year] einen Monat und ein Jahr
} enthalten.
date-not-real = { $date ->
    [valid_from] Geben Sie ein tatsächliches Anfangsdatum ein
   *[valid_until] Geben Sie ein tatsächliches Enddatum ein
}, zum Beispiel 31 12 2027.
date-year-digits = Das Jahr des { $date ->
    [valid_from] Anfangsdatums
   *[valid_until] Enddatums
} muss 4 Ziffern haben, zum Beispiel 2027.
party-enter-mandatee = Geben Sie die Nationalregisternummer oder Unternehmensnummer dessen ein, der das Mandat erhält.
party-enter-mandator = Geben Sie die Nationalregisternummer oder Unternehmensnummer dessen ein, der das Mandat erteilt.
party-enter-new-mandatee = Geben Sie die Nationalregisternummer oder Unternehmensnummer dessen ein, der das Mandat künftig erhält.
period-one-year = 1 Jahr
period-years = { $years } Jahre
period-days = { $days } Tage

# The levels of a login, in the words of the ways of signing in that reach them.
login-level-low = eine Anmeldung mit einem Passwort
login-level-substantial = eine Anmeldung mit einer Identitäts-App oder einem Sicherheitscode
login-level-high = eine Anmeldung mit Ihrer eID-Karte und einem Kartenleser
