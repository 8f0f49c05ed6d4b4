# De formulieren: de samenvatting van de fouten, de datuminvoer, en berichten die zeggen wat in te vullen.

error-prefix = Fout:
error-summary-title = Er is een probleem
date-hint = Bijvoorbeeld 31 12 2027
date-day = Dag
date-month = Maand
date-year = Jaar
date-missing = { $date ->
    [valid_from] De begindatum
   *[valid_until] De einddatum
} moet { $parts ->
    [day] een dag
    [month] een maand
    [year] een jaar
    [day-month] een dag en een maand
    [day-year] een dag en een jaar
   *[month-year] een maand en een jaar
} bevatten.
date-not-real = { $date ->
    [valid_from] Vul een bestaande begindatum in
   *[valid_until] Vul een bestaande einddatum in
}, bijvoorbeeld 31 12 2027.
date-year-digits = Het jaar van de { $date ->
    [valid_from] begindatum
   *[valid_until] einddatum
} moet 4 cijfers hebben, bijvoorbeeld 2027.
party-enter-mandatee = Vul het rijksregisternummer of ondernemingsnummer in van wie het mandaat ontvangt.
party-enter-mandator = Vul het rijksregisternummer of ondernemingsnummer in van wie het mandaat geeft.
party-enter-new-mandatee = Vul het rijksregisternummer of ondernemingsnummer in van wie het mandaat voortaan ontvangt.
period-one-year = 1 jaar
period-years = { $years } jaar
period-days = { $days } dagen

# The levels of a login, in the words of the ways of signing in that reach them.
login-level-low = een aanmelding met een wachtwoord
login-level-substantial = een aanmelding met een identiteitsapp of een beveiligingscode
login-level-high = een aanmelding met uw eID-kaart en een kaartlezer
