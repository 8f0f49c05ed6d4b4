# Messages of refusals and errors, by stable code. Arguments are written { $name }.

## Titles of problem answers, by HTTP status

title-400 = Bad request
title-401 = Not signed in
title-403 = Not allowed
title-404 = Not found
title-405 = Method not allowed
title-408 = Request too slow
title-409 = Conflict
title-413 = Request too large
title-414 = Address too long
title-422 = Invalid input
title-429 = Too many requests
title-431 = Headers too large
title-500 = Internal error
title-503 = Service unavailable

## Refusals

validation_failed = Some fields are invalid; see the details per field.
invalid_body = The request body could not be read: { $reason }
mandate_not_found = This mandate does not exist, or you are not one of its parties.
enterprise_not_found = This enterprise does not exist, or you do not act for it.
role_not_found = This role does not exist for this enterprise.
not_found = There is nothing at this address.
method_not_allowed = This address does not accept this method.
unauthenticated = Sign in first: this request needs a valid bearer token.
no_role_for_enterprise = You have no role in force for enterprise { $enterprise }.
role_does_not_allow = Your role does not allow this for the service { $domain }.
not_a_party = You can only do this for a mandate that you (or the enterprise you act for) give or receive.
creator_cannot_reject = You made this proposal yourself: withdraw it instead of rejecting it.
only_initiator_withdraws = Only the party that made this proposal can withdraw it; you can reject it.
authentication_level_too_low = The way you signed in is not safe enough to sign (at least { $required } is needed). Sign out, sign in again in a safer way, then sign.
stale_version = This mandate has changed in the meantime. Reload the page, check the new terms and try again.
invalid_transition = This is not possible for a mandate that is { $status ->
    [pending] waiting for a signature
    [scheduled] signed, not yet in force
    [voided] no longer possible
    [active] active
    [rejected] rejected
    [withdrawn] withdrawn
    [lapsed] lapsed
    [stopped] stopped
   *[expired] expired
}.
already_signed = You have already signed these terms.
acceptance_window_passed = The time to sign this mandate has passed; it has lapsed. Create a new one.
nothing_to_sign = There is nothing waiting for your signature on this mandate.
no_proposal = No change of this mandate is waiting for a signature.
proposal_pending = A change of this mandate is already waiting for a signature; it must be signed, rejected or withdrawn first.
pending_cannot_be_modified = A mandate that waits for its signatures cannot be changed: withdraw it and create a new one.
transfer_pending = A transfer of this mandate is already waiting for signatures.
role_already_ended = This role has already ended.
transfer_void = The mandate to be transferred has ended; this transfer can no longer take effect.
exclusive_conflict = “{ $type }” can be given to only one person or enterprise at a time, and another mandate already gives it in the same period.
exclusive_conflict-named = “{ $type }” can be given to only one person or enterprise at a time; mandate { $mandate } already gives it in the same period.
idempotency_key_reused = This Idempotency-Key was already used for a different request.
too_many_requests = Too many attempts from your address. Try again in { $retry_after } seconds.
concurrent_change = Someone else changed this at the same moment. Reload and try again.
identity_provider_unavailable = Sign-in cannot be checked right now: the identity provider does not answer. Try again in a moment.
body_timeout = The request's content arrived too slowly and was not read. Send it again.
payload_too_large = The request's content is too large to be read. Send less at once.
uri_too_long = The request's address is too long (more than { $max } bytes). Send less in the address.
headers_too_large = The request's headers are too large to be read.
access_log_unavailable = The service cannot record this answer in the access log right now, so it does not give it. Try again in a moment.
store_unavailable = The service cannot reach its database right now. Try again in a moment.
store_full = The service cannot save anything right now: its storage is full. Nothing was changed. Try again later.
uploads_busy = The service is reading as many files as it can at once. Nothing was changed. Send the file again in { $retry_after } seconds.
evidence_not_ready = The evidence of this mandate is not ready yet: its events are still being chained or signed. Nothing was changed. Ask again in { $retry_after } seconds.
export_not_allowed = Only the parties of a mandate can take its evidence: you for yourself, or a legal representative for an enterprise.
internal_error = Something went wrong on our side. Quote this reference if you contact us: { $request_id }.

## Field errors

invalid_date = { $value } is not a date written as YYYY-MM-DD.
invalid_party_number = This number is not valid: { $reason }
party-not_digits = it may contain only digits, dots, dashes and spaces.
party-wrong_length = it has the wrong number of digits (11 for a person, 10 for an enterprise).
party-wrong_check_digits = its check digits do not match; check for a typing error.
party-impossible_date = the birth date in it is impossible.
party-wrong_first_digit = an enterprise number starts with 0 or 1.
party-leading_zero_lost = a leading zero was probably lost (spreadsheets do that); write the number with all its digits.
party-not_a_person = a person's national number (11 digits) is expected here.
party-not_an_enterprise = an enterprise number (10 digits) is expected here.
required = This field is required.
types_empty = Choose at least one mandate type.
type_repeated = The type { $type } is listed twice.
unknown_type = The service { $domain } has no mandate type { $type }.
type_retired = The mandate type { $type } is no longer offered.
unknown_domain = There is no service { $domain }.
same_party = Who gives and who receives the mandate must be different: enter the number of someone else.
already_mandatee = This person or enterprise already receives this mandate: enter the number of someone else.
party_kind_not_allowed = “{ $type }” cannot be { $side ->
    [mandator] given by
   *[mandatee] given to
} { $kind ->
    [person] a person
   *[enterprise] an enterprise
}.
start_in_past = The start date must be today or later (today is { $today }).
end_before_start = The end date must be the same as the start date or later.
end_in_past = The end date must be today or later (today is { $today }); to end the mandate now, stop it instead.
unlimited_not_allowed = “{ $type }” needs an end date: enter the last day.
period_too_long = For “{ $type }”, the end date can be at most { $period } after the start: { $latest } at the latest.
reference_too_long = The reference can have at most { $max } characters.
capacity_ehealth_only = The capacity can only be given for a mandate of the eHealth service.
capacity_too_long = The capacity can have at most { $max } characters.
invalid_language = { $value } is not one of the languages nl, fr, de, en.
invalid_email = This is not a valid e-mail address.
no_change = These are the current terms: nothing would change.
version_required = Say which version you change: send If-Match with the ETag, or version in the body.
invalid_value = { $value } is not an accepted value here.
invalid_cursor = This page cursor is not valid; start again from the first page.
role_kind_not_assignable = Legal representatives come from the enterprise register: they cannot be assigned or ended here.

## Reasons of a check that says no

check-no_mandate = No mandate allows this person to act for this mandator for this type.
check-pending_signature = Mandate { $mandate } waits for the signature of the { $side ->
    [mandator] mandator
   *[mandatee] mandatee
}.
check-not_yet_in_force = Mandate { $mandate } is in force from { $from } on.
check-stopped = Mandate { $mandate } was stopped at { $at }.
check-expired = Mandate { $mandate } ended on { $on }.
check-no_executor_role = Mandate { $mandate } is held by enterprise { $enterprise }, and this person has no executor role for this type there.
min_consistency_not_reached = This instance has not yet seen event { $wanted }; it is at { $applied }. Try again in a moment.
invalid_instant = { $value } is not an instant written as RFC 3339 (e.g. 2027-03-01T09:00:00Z).
too_many_checks = At most { $max } checks fit in one request.
client_type_not_allowed = This application may not ask about the type { $type }.

## Pages

login_expired = The sign-in took too long or was started elsewhere. Sign in again.
login_cancelled = The sign-in was cancelled at the identity provider.
login_failed = The sign-in failed: the answer of the identity provider could not be verified. Sign in again.
login_no_national_number = The identity provider did not give a valid national number; you cannot use this service with this account.
act_for_enterprise_first = Choose first, at the top of the page, for which enterprise you act.
invalid_filter = This search filter is not valid.

## Bulk files

file_empty = The file is empty.
not_text = This is not a text file. Save the spreadsheet as CSV (separated by commas or semicolons) and upload that file.
file_too_large = Read as Windows text, this file is larger than { $max } MiB. Save it as UTF-8 text, or split it into several files.
no_rows = The file has no rows to process.
too_many_rows = A file can have at most { $max } rows; split it into several files.
unknown_column = A file for this operation has no column or field { $value }.
duplicate_column = The column { $value } appears twice in the header.
missing_column = The header has no column { $value }.
invalid_csv = The file could not be read as CSV from line { $line } on.
invalid_json = The file is not valid JSON (the error is near line { $line }).
json_rows_expected = A JSON file holds an array of rows, or an object with only "rows": [...].
ssm_context_required = Choose the service and the mandate types for the whole SSM file first.
ssm_create_only = An SSM file can only create mandates.
required_row_or_file = Fill this in on the row, or choose it once for the whole file.
cell_outside_columns = This line has a value in a column that the header does not name.
invalid_uuid = { $value } is not a mandate id (one looks like 3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10).
invalid_version = { $value } is not a version number (a whole number from 1 on).
invalid_ssm_date = { $value } is not a date written as yyyyMMdd (e.g. 20270131).
wrong_field_count = This line has { $value } fields; an SSM file has { $required } on every line.
row_not_object = Each row of a JSON file is an object with named fields.
json_type = { $kind ->
    [integer] A whole number
    [list] A list of texts
   *[text] A text
} is expected here.
duplicate_in_file = Line { $line } of this file already has this mandate.
cell_too_long = This value is too long: a cell can have at most { $max } characters.
too_many_types = A row can have at most { $max } mandate types.
line_too_long = Line { $line } is too long for a row: a row can have at most { $max } bytes.

## Bulk jobs

bulk_job_not_found = This bulk job does not exist, or it was made for someone else.
bulk_job_not_validated = This job has already been started ({ $status }); upload the file again to make a new job.

# Permissions and lists
roster_not_allowed = Only the enterprise's legal representatives and managers can see and change its roster.
access_log_not_allowed = Only the enterprise's legal representatives and managers can read who checked its mandates.
bulk_not_allowed = Your role does not allow changing mandates in bulk: only legal representatives and managers can.
bulk_job_has_invalid_rows = { $invalid } rows of this file are not valid, and this file was uploaded as all or nothing: nothing would be done. Correct those rows and upload the file again, or upload it row by row.
transfer_voided = This transfer is no longer possible: the mandate it was to replace has ended.
unknown_parameter = This address does not read a parameter of this name; the ones it reads are: { $known }.
out_of_range = Enter a whole number from { $min } to { $max }.
unknown_entity_type = { $value } is not a type this service knows here; use { $known }.
control_character = The field “{ $field }” may not hold control characters (such as a NUL byte).

## Webhooks
webhook_not_found = This webhook subscription does not exist, or it belongs to another application.
invalid_webhook_url = { $url } is not an absolute https address.
webhook_url_not_https = Only https addresses can receive webhooks; { $url } is not one.
webhook_url_credentials = An address with a user name or password cannot receive webhooks: give the address without them.
webhook_url_unresolvable = The host name of { $url } could not be resolved.
webhook_url_not_public = { $url } leads to { $address }, which is not a public internet address (loopback, private, link-local, ...); webhooks are only sent to public addresses.
unknown_event_type = { $type } is not an event type; the types are: { $known }.
too_many_webhooks = An application can have at most { $max } webhook subscriptions; remove one first.
