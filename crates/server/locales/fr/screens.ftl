# The header on small screens.

## The button that opens the menu (the person, whom one acts for, sign-out and the links).
nav-menu = Menu
