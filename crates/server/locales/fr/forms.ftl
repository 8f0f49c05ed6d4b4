# Les formulaires : le résumé des erreurs, la saisie des dates, et des messages qui disent quoi saisir.

error-prefix = Erreur :
error-summary-title = Il y a un problème
date-hint = Par exemple, 31 12 2027
date-day = Jour
date-month = Mois
date-year = Année
date-missing = { $date ->
    [valid_from] La date de début
   *[valid_until] La date de fin
} doit comporter { $parts ->
    [day] un jour
    [month] un mois
    [year] une année
    [day-month] un jour et un mois
    [day-year] un jour et une année
   *[month-year] un mois et une année
}.
date-not-real = { $date ->
    [valid_from] Saisissez une date de début qui existe
   *[valid_until] Saisissez une date de fin qui existe
}, par exemple 31 12 2027.
date-year-digits = L'année de la { $date ->
    [valid_from] date de début
   *[valid_until] date de fin
} doit avoir 4 chiffres, par exemple 2027.
party-enter-mandatee = Saisissez le numéro de registre national ou le numéro d'entreprise de qui reçoit le mandat.
party-enter-mandator = Saisissez le numéro de registre national ou le numéro d'entreprise de qui donne le mandat.
party-enter-new-mandatee = Saisissez le numéro de registre national ou le numéro d'entreprise de qui recevra désormais le mandat.
period-one-year = 1 an
period-years = { $years } ans
period-days = { $days } jours

# The levels of a login, in the words of the ways of signing in that reach them.
login-level-low = une connexion avec un mot de passe
login-level-substantial = une connexion avec une application d'identité ou un code de sécurité
login-level-high = une connexion avec votre carte eID et un lecteur de carte
