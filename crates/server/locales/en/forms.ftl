# The forms: the error summary, the date input, and messages that say what to enter.

error-prefix = Error:
error-summary-title = There is a problem
date-hint = For example, 31 12 2027
date-day = Day
date-month = Month
date-year = Year
date-missing = { $date ->
    [valid_from] The start date
   *[valid_until] The end date
} must include { $parts ->
    [day] a day
    [month] a month
    [year] a year
    [day-month] a day and a month
    [day-year] a day and a year
   *[month-year] a month and a year
}.
date-not-real = { $date ->
    [valid_from] Enter a real start date
   *[valid_until] Enter a real end date
}, for example 31 12 2027.
date-year-digits = The year of the { $date ->
    [valid_from] start date
   *[valid_until] end date
} must have 4 digits, for example 2027.
party-enter-mandatee = Enter the national number or enterprise number of who receives the mandate.
party-enter-mandator = Enter the national number or enterprise number of who gives the mandate.
party-enter-new-mandatee = Enter the national number or enterprise number of who will receive the mandate.
period-one-year = 1 year
period-years = { $years } years
period-days = { $days } days

# The levels of a login, in the words of the ways of signing in that reach them.
login-level-low = a login with a password
login-level-substantial = a login with an identity app or a security code
login-level-high = a login with your eID card and a card reader
