# Statussen, het menu, de eigen link van elke rij, het eerste bezoek en de redenen in het toegangslogboek.

col-action = Actie
row-open = Openen
row-action-about = (mandaat met { $other }: { $types })
period-stopped = van { $from }, stopgezet op { $on }
period-stopped-before = zou ingaan op { $from }; stopgezet op { $on }

start-title = Wat u hier kunt doen
start-intro = U hebt nog geen mandaten. Met een mandaat mag iemand in uw naam optreden bij een overheidsdienst, of mag u optreden in naam van iemand anders.
start-give = Geef iemand het recht om voor u op te treden, bijvoorbeeld uw boekhouder voor uw belastingaangifte: kies de dienst en wat die mag doen, geef het rijksregisternummer of ondernemingsnummer op en onderteken.
start-other-signs = Daarna ondertekent ook de andere partij. Pas dan is het mandaat van kracht; tot dan vindt u het op deze pagina, in afwachting van die handtekening. U kunt een mandaat op elk moment stopzetten.
start-receive = Als iemand u een mandaat geeft of er u een vraagt, verschijnt het op deze pagina en wacht het op uw handtekening. Zodra het van kracht is, vindt u het onder "Mandaten die ik mag gebruiken".
start-button = Een mandaat geven

executor-own = Aan mij gegeven
executor-enterprises = Gegeven aan een onderneming waarvoor ik uitvoerder ben
executor-none = Er is geen mandaat dat u nu mag gebruiken.

access-refused-no_executor_role = Geweigerd: een mandaat staat dit toe aan een onderneming, maar deze persoon is daarvoor geen uitvoerder van die onderneming.
access-refused-pending_signature = Geweigerd: het mandaat wacht nog op een handtekening.
access-refused-not_yet_in_force = Geweigerd: het mandaat is ondertekend, maar de periode ervan is nog niet begonnen.
access-refused-stopped = Geweigerd: het mandaat werd stopgezet.
access-refused-expired = Geweigerd: de periode van het mandaat is afgelopen.
access-refused-no_mandate = Geweigerd: geen enkel mandaat staat deze persoon toe dit voor u te doen.
