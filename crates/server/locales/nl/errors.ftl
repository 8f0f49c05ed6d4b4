# Meldingen bij weigeringen en fouten, per vaste code. Argumenten worden geschreven als { $name }.

## Titels van probleemantwoorden, per HTTP-status

title-400 = Ongeldig verzoek
title-401 = Niet aangemeld
title-403 = Niet toegestaan
title-404 = Niet gevonden
title-405 = Methode niet toegestaan
title-408 = Verzoek te traag
title-409 = Conflict
title-413 = Verzoek te groot
title-414 = Adres te lang
title-422 = Ongeldige invoer
title-429 = Te veel verzoeken
title-431 = Kopregels te groot
title-500 = Interne fout
title-503 = Dienst niet beschikbaar

## Weigeringen

validation_failed = Sommige velden zijn ongeldig; zie de details per veld.
invalid_body = De inhoud van het verzoek kon niet worden gelezen: { $reason }
mandate_not_found = Dit mandaat bestaat niet, of u bent er geen partij in.
enterprise_not_found = Deze onderneming bestaat niet, of u treedt er niet voor op.
role_not_found = Deze rol bestaat niet voor deze onderneming.
not_found = Er is niets op dit adres.
method_not_allowed = Dit adres aanvaardt deze methode niet.
unauthenticated = Meld u eerst aan: voor dit verzoek is een geldig bearer-token nodig.
no_role_for_enterprise = U hebt geen geldige rol voor onderneming { $enterprise }.
role_does_not_allow = Uw rol laat dit niet toe voor de dienst { $domain }.
not_a_party = U kunt dit alleen doen voor een mandaat dat u (of de onderneming voor wie u optreedt) geeft of ontvangt.
creator_cannot_reject = U hebt dit voorstel zelf gedaan: trek het in in plaats van het te weigeren.
only_initiator_withdraws = Alleen de partij die dit voorstel heeft gedaan, kan het intrekken; u kunt het weigeren.
authentication_level_too_low = U hebt zich niet veilig genoeg aangemeld om te ondertekenen (minstens { $required } is nodig). Meld u af, meld u opnieuw aan op een veiligere manier en onderteken dan.
stale_version = Dit mandaat is intussen gewijzigd. Laad de pagina opnieuw, bekijk de nieuwe voorwaarden en probeer het nog eens.
invalid_transition = Dit is niet mogelijk voor een mandaat dat { $status ->
    [pending] op een handtekening wacht
    [scheduled] ondertekend en nog niet van kracht is
    [voided] niet meer mogelijk is
    [active] actief is
    [rejected] geweigerd is
    [withdrawn] ingetrokken is
    [lapsed] vervallen is
    [stopped] stopgezet is
   *[expired] verlopen is
}.
already_signed = U hebt deze voorwaarden al ondertekend.
acceptance_window_passed = De termijn om dit mandaat te ondertekenen is voorbij; het is vervallen. Maak een nieuw mandaat aan.
nothing_to_sign = Bij dit mandaat wacht niets op uw handtekening.
no_proposal = Er wacht geen wijziging van dit mandaat op een handtekening.
proposal_pending = Er wacht al een wijziging van dit mandaat op een handtekening; die moet eerst ondertekend, geweigerd of ingetrokken worden.
pending_cannot_be_modified = Een mandaat dat op zijn handtekeningen wacht, kan niet worden gewijzigd: trek het in en maak een nieuw mandaat aan.
transfer_pending = Er wacht al een overdracht van dit mandaat op handtekeningen.
role_already_ended = Deze rol is al beëindigd.
transfer_void = Het mandaat dat zou worden overgedragen, is beëindigd; deze overdracht kan niet meer plaatsvinden.
exclusive_conflict = “{ $type }” kan maar aan één persoon of onderneming tegelijk gegeven worden, en een ander mandaat geeft het al in dezelfde periode.
exclusive_conflict-named = “{ $type }” kan maar aan één persoon of onderneming tegelijk gegeven worden; mandaat { $mandate } geeft het al in dezelfde periode.
idempotency_key_reused = Deze Idempotency-Key is al gebruikt voor een ander verzoek.
too_many_requests = Te veel pogingen vanaf uw adres. Probeer het over { $retry_after } seconden opnieuw.
concurrent_change = Iemand anders heeft dit op hetzelfde moment gewijzigd. Laad opnieuw en probeer het nog eens.
identity_provider_unavailable = De aanmelding kan nu niet gecontroleerd worden: de identiteitsprovider antwoordt niet. Probeer het zo dadelijk opnieuw.
body_timeout = De inhoud van het verzoek kwam te traag binnen en werd niet gelezen. Verstuur het opnieuw.
payload_too_large = De inhoud van het verzoek is te groot om te lezen. Verstuur minder tegelijk.
uri_too_long = Het adres van het verzoek is te lang (meer dan { $max } bytes). Verstuur minder in het adres.
headers_too_large = De kopregels van het verzoek zijn te groot om te lezen.
access_log_unavailable = De dienst kan dit antwoord momenteel niet in het toegangslogboek opnemen en geeft het daarom niet. Probeer het zo dadelijk opnieuw.
store_unavailable = De dienst kan zijn databank momenteel niet bereiken. Probeer het zo dadelijk opnieuw.
store_full = De dienst kan momenteel niets bewaren: zijn opslag is vol. Er is niets gewijzigd. Probeer het later opnieuw.
uploads_busy = De dienst leest nu zoveel bestanden als hij tegelijk kan. Er is niets gewijzigd. Stuur het bestand over { $retry_after } seconden opnieuw.
evidence_not_ready = Het bewijs van dit mandaat is nog niet klaar: de gebeurtenissen ervan worden nog geketend of ondertekend. Er is niets gewijzigd. Vraag het over { $retry_after } seconden opnieuw.
export_not_allowed = Alleen de partijen van een mandaat kunnen het bewijs ervan opvragen: u voor uzelf, of een wettelijk vertegenwoordiger voor een onderneming.
internal_error = Er is bij ons iets misgegaan. Vermeld deze referentie als u contact met ons opneemt: { $request_id }.

## Fouten in velden

invalid_date = { $value } is geen datum in de vorm YYYY-MM-DD.
invalid_party_number = Dit nummer is niet geldig: { $reason }
party-not_digits = het mag alleen cijfers, punten, streepjes en spaties bevatten.
party-wrong_length = het heeft niet het juiste aantal cijfers (11 voor een persoon, 10 voor een onderneming).
party-wrong_check_digits = de controlecijfers kloppen niet; kijk na of u geen tikfout hebt gemaakt.
party-impossible_date = de geboortedatum erin is onmogelijk.
party-wrong_first_digit = een ondernemingsnummer begint met 0 of 1.
party-leading_zero_lost = waarschijnlijk is een nul vooraan weggevallen (rekenbladen doen dat); schrijf het nummer met al zijn cijfers.
party-not_a_person = hier wordt het rijksregisternummer van een persoon (11 cijfers) verwacht.
party-not_an_enterprise = hier wordt een ondernemingsnummer (10 cijfers) verwacht.
required = Dit veld is verplicht.
types_empty = Kies minstens één mandaattype.
type_repeated = Het type { $type } staat er twee keer in.
unknown_type = De dienst { $domain } heeft geen mandaattype { $type }.
type_retired = Het mandaattype { $type } wordt niet meer aangeboden.
unknown_domain = Er bestaat geen dienst { $domain }.
same_party = Wie het mandaat geeft en wie het ontvangt, moeten verschillend zijn: vul het nummer van iemand anders in.
already_mandatee = Deze persoon of onderneming ontvangt dit mandaat al: vul het nummer van iemand anders in.
party_kind_not_allowed = “{ $type }” kan niet { $side ->
    [mandator] gegeven worden door
   *[mandatee] gegeven worden aan
} { $kind ->
    [person] een persoon
   *[enterprise] een onderneming
}.
start_in_past = De begindatum moet vandaag of later zijn (vandaag is het { $today }).
end_before_start = De einddatum moet dezelfde dag als de begindatum zijn, of later.
end_in_past = De einddatum moet vandaag of later zijn (vandaag is het { $today }); zet het mandaat stop om het nu te beëindigen.
unlimited_not_allowed = “{ $type }” vereist een einddatum: vul de laatste dag in.
period_too_long = Voor “{ $type }” mag de einddatum hoogstens { $period } na de begindatum liggen: uiterlijk { $latest }.
reference_too_long = De referentie mag hoogstens { $max } tekens bevatten.
capacity_ehealth_only = Een hoedanigheid kan alleen worden opgegeven voor een mandaat van de dienst eHealth.
capacity_too_long = De hoedanigheid mag hoogstens { $max } tekens bevatten.
invalid_language = { $value } is geen van de talen nl, fr, de, en.
invalid_email = Dit is geen geldig e-mailadres.
no_change = Dit zijn de huidige voorwaarden: er zou niets veranderen.
version_required = Geef aan welke versie u wijzigt: stuur If-Match met de ETag, of version in de inhoud van het verzoek.
invalid_value = { $value } is hier geen aanvaarde waarde.
invalid_cursor = Deze paginacursor is niet geldig; begin opnieuw bij de eerste pagina.
role_kind_not_assignable = Wettelijke vertegenwoordigers komen uit het ondernemingsregister: ze kunnen hier niet worden toegewezen of beëindigd.

## Redenen waarom een controle nee zegt

check-no_mandate = Geen enkel mandaat laat deze persoon toe voor deze mandaatgever op te treden voor dit type.
check-pending_signature = Mandaat { $mandate } wacht op de handtekening van de { $side ->
    [mandator] mandaatgever
   *[mandatee] mandaatnemer
}.
check-not_yet_in_force = Mandaat { $mandate } is van kracht vanaf { $from }.
check-stopped = Mandaat { $mandate } werd stopgezet op { $at }.
check-expired = Mandaat { $mandate } is afgelopen op { $on }.
check-no_executor_role = Mandaat { $mandate } is in handen van onderneming { $enterprise }, en deze persoon heeft daar geen uitvoerdersrol voor dit type.
min_consistency_not_reached = Deze instantie heeft gebeurtenis { $wanted } nog niet gezien; ze is aan { $applied }. Probeer het zo dadelijk opnieuw.
invalid_instant = { $value } is geen tijdstip in RFC 3339 (bv. 2027-03-01T09:00:00Z).
too_many_checks = Er passen hoogstens { $max } controles in één verzoek.
client_type_not_allowed = Deze toepassing mag niet vragen naar het type { $type }.

## Pagina's

login_expired = De aanmelding duurde te lang of werd elders gestart. Meld u opnieuw aan.
login_cancelled = De aanmelding werd geannuleerd bij de identiteitsprovider.
login_failed = De aanmelding is mislukt: het antwoord van de identiteitsprovider kon niet gecontroleerd worden. Meld u opnieuw aan.
login_no_national_number = De identiteitsprovider heeft geen geldig rijksregisternummer doorgegeven; met deze account kunt u deze dienst niet gebruiken.
act_for_enterprise_first = Kies eerst, bovenaan de pagina, voor welke onderneming u optreedt.
invalid_filter = Deze zoekfilter is niet geldig.

## Bulkbestanden

file_empty = Het bestand is leeg.
not_text = Dit is geen tekstbestand. Sla het rekenblad op als CSV (gescheiden door komma's of puntkomma's) en laad dat bestand op.
file_too_large = Gelezen als Windows-tekst is dit bestand groter dan { $max } MiB. Sla het op als UTF-8-tekst, of verdeel het over meerdere bestanden.
no_rows = Het bestand bevat geen rijen om te verwerken.
too_many_rows = Een bestand mag hoogstens { $max } rijen bevatten; verdeel het over meerdere bestanden.
unknown_column = Een bestand voor deze bewerking heeft geen kolom of veld { $value }.
duplicate_column = De kolom { $value } komt twee keer voor in de kopregel.
missing_column = De kopregel heeft geen kolom { $value }.
invalid_csv = Het bestand kon vanaf regel { $line } niet als CSV worden gelezen.
invalid_json = Het bestand is geen geldige JSON (de fout staat rond regel { $line }).
json_rows_expected = Een JSON-bestand bevat een lijst van rijen, of een object met enkel "rows": [...].
ssm_context_required = Kies eerst de dienst en de mandaattypes voor het hele SSM-bestand.
ssm_create_only = Met een SSM-bestand kunt u alleen mandaten aanmaken.
required_row_or_file = Vul dit in op de rij, of kies het één keer voor het hele bestand.
cell_outside_columns = Deze regel heeft een waarde in een kolom die de kopregel niet benoemt.
invalid_uuid = { $value } is geen mandaat-id (zo ziet er een uit: 3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10).
invalid_version = { $value } is geen versienummer (een geheel getal vanaf 1).
invalid_ssm_date = { $value } is geen datum in de vorm yyyyMMdd (bv. 20270131).
wrong_field_count = Deze regel heeft { $value } velden; een SSM-bestand heeft er { $required } op elke regel.
row_not_object = Elke rij van een JSON-bestand is een object met benoemde velden.
json_type = Hier wordt { $kind ->
    [integer] een geheel getal
    [list] een lijst van teksten
   *[text] een tekst
} verwacht.
duplicate_in_file = Regel { $line } van dit bestand bevat dit mandaat al.
cell_too_long = Deze waarde is te lang: een cel mag hoogstens { $max } tekens bevatten.
too_many_types = Een rij mag hoogstens { $max } mandaattypes bevatten.
line_too_long = Regel { $line } is te lang voor een rij: een rij mag hoogstens { $max } bytes bevatten.

## Bulkopdrachten

bulk_job_not_found = Deze bulkopdracht bestaat niet, of ze werd voor iemand anders gemaakt.
bulk_job_not_validated = Deze opdracht werd al gestart ({ $status }); laad het bestand opnieuw op voor een nieuwe opdracht.

# Permissions and lists
roster_not_allowed = Alleen de wettelijke vertegenwoordigers en beheerders van de onderneming kunnen haar rollen zien en wijzigen.
access_log_not_allowed = Alleen de wettelijke vertegenwoordigers en beheerders van de onderneming kunnen lezen wie haar mandaten controleerde.
bulk_not_allowed = Uw rol laat niet toe mandaten in bulk te wijzigen: alleen wettelijke vertegenwoordigers en beheerders kunnen dat.
bulk_job_has_invalid_rows = { $invalid } rijen van dit bestand zijn niet geldig, en het bestand werd opgeladen als alles of niets: er zou niets gebeuren. Verbeter die rijen en laad het bestand opnieuw op, of laad het rij per rij op.
transfer_voided = Deze overdracht is niet meer mogelijk: het mandaat dat ze moest vervangen, is beëindigd.
unknown_parameter = Dit adres leest geen parameter met deze naam; het leest: { $known }.
out_of_range = Vul een geheel getal in van { $min } tot { $max }.
unknown_entity_type = { $value } is hier geen type dat deze dienst kent; gebruik { $known }.
control_character = Het veld “{ $field }” mag geen stuurtekens bevatten (zoals een NUL-byte).

## Webhooks
webhook_not_found = Dit webhookabonnement bestaat niet, of het hoort bij een andere toepassing.
invalid_webhook_url = { $url } is geen volledig https-adres.
webhook_url_not_https = Alleen https-adressen kunnen webhooks ontvangen; { $url } is er geen.
webhook_url_credentials = Een adres met een gebruikersnaam of wachtwoord kan geen webhooks ontvangen: geef het adres zonder.
webhook_url_unresolvable = De hostnaam van { $url } kon niet worden opgezocht.
webhook_url_not_public = { $url } leidt naar { $address }, geen publiek internetadres (loopback, privé, link-local, ...); webhooks gaan alleen naar publieke adressen.
unknown_event_type = { $type } is geen soort gebeurtenis; de soorten zijn: { $known }.
too_many_webhooks = Een toepassing kan hoogstens { $max } webhookabonnementen hebben; verwijder er eerst een.
