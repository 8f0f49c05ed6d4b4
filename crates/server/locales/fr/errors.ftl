# Messages de refus et d'erreur, par code stable. Les arguments s'écrivent { $name }.

## Titres des réponses de problème, par statut HTTP

title-400 = Requête incorrecte
title-401 = Non connecté
title-403 = Non autorisé
title-404 = Introuvable
title-405 = Méthode non autorisée
title-408 = Requête trop lente
title-409 = Conflit
title-413 = Requête trop volumineuse
title-414 = Adresse trop longue
title-422 = Données non valides
title-429 = Trop de demandes
title-431 = En-têtes trop volumineux
title-500 = Erreur interne
title-503 = Service indisponible

## Refus

validation_failed = Certains champs ne sont pas valides ; voyez le détail par champ.
invalid_body = Le contenu de la demande n'a pas pu être lu : { $reason }
mandate_not_found = Ce mandat n'existe pas, ou vous n'en êtes pas une des parties.
enterprise_not_found = Cette entreprise n'existe pas, ou vous n'agissez pas pour elle.
role_not_found = Ce rôle n'existe pas pour cette entreprise.
not_found = Il n'y a rien à cette adresse.
method_not_allowed = Cette adresse n'accepte pas cette méthode.
unauthenticated = Connectez-vous d'abord : cette demande nécessite un jeton d'accès (bearer token) valide.
no_role_for_enterprise = Vous n'avez aucun rôle en vigueur pour l'entreprise { $enterprise }.
role_does_not_allow = Votre rôle ne le permet pas pour le service { $domain }.
not_a_party = Vous ne pouvez le faire que pour un mandat que vous (ou l'entreprise pour laquelle vous agissez) donnez ou recevez.
creator_cannot_reject = Vous avez fait cette proposition vous-même : retirez-la au lieu de la refuser.
only_initiator_withdraws = Seule la partie qui a fait cette proposition peut la retirer ; vous pouvez la refuser.
authentication_level_too_low = Votre connexion n'est pas assez sûre pour signer (au moins { $required } est nécessaire). Déconnectez-vous, reconnectez-vous de manière plus sûre, puis signez.
stale_version = Ce mandat a été modifié entre-temps. Rechargez la page, vérifiez les nouvelles conditions et réessayez.
invalid_transition = Ce n'est pas possible pour un mandat { $status ->
    [pending] en attente de signature
    [scheduled] signé, pas encore en vigueur
    [voided] devenu impossible
    [active] actif
    [rejected] refusé
    [withdrawn] retiré
    [lapsed] caduc
    [stopped] arrêté
   *[expired] expiré
}.
already_signed = Vous avez déjà signé ces conditions.
acceptance_window_passed = Le délai pour signer ce mandat est dépassé ; il est devenu caduc. Créez-en un nouveau.
nothing_to_sign = Rien n'attend votre signature pour ce mandat.
no_proposal = Aucune modification de ce mandat n'attend de signature.
proposal_pending = Une modification de ce mandat attend déjà une signature ; elle doit d'abord être signée, refusée ou retirée.
pending_cannot_be_modified = Un mandat en attente de ses signatures ne peut pas être modifié : retirez-le et créez-en un nouveau.
transfer_pending = Un transfert de ce mandat attend déjà des signatures.
role_already_ended = Ce rôle a déjà pris fin.
transfer_void = Le mandat à transférer a pris fin ; ce transfert ne peut plus avoir lieu.
exclusive_conflict = « { $type } » ne peut être donné qu'à une seule personne ou entreprise à la fois, et un autre mandat le donne déjà pendant la même période.
exclusive_conflict-named = « { $type } » ne peut être donné qu'à une seule personne ou entreprise à la fois ; le mandat { $mandate } le donne déjà pendant la même période.
idempotency_key_reused = Cette Idempotency-Key a déjà été utilisée pour une autre demande.
too_many_requests = Trop de tentatives depuis votre adresse. Réessayez dans { $retry_after } secondes.
concurrent_change = Quelqu'un d'autre a modifié ceci au même moment. Rechargez et réessayez.
identity_provider_unavailable = La connexion ne peut pas être vérifiée pour l'instant : le fournisseur d'identité ne répond pas. Réessayez dans un instant.
body_timeout = Le contenu de la requête est arrivé trop lentement et n'a pas été lu. Envoyez-la à nouveau.
payload_too_large = Le contenu de la requête est trop volumineux pour être lu. Envoyez-en moins à la fois.
uri_too_long = L'adresse de la requête est trop longue (plus de { $max } octets). Mettez-en moins dans l'adresse.
headers_too_large = Les en-têtes de la requête sont trop volumineux pour être lus.
access_log_unavailable = Le service ne peut pas enregistrer cette réponse dans le journal des accès pour le moment ; il ne la donne donc pas. Réessayez dans un instant.
store_unavailable = Le service ne peut pas joindre sa base de données pour le moment. Réessayez dans un instant.
store_full = Le service ne peut rien enregistrer pour le moment : son stockage est plein. Rien n'a été modifié. Réessayez plus tard.
uploads_busy = Le service lit déjà autant de fichiers qu'il le peut à la fois. Rien n'a été modifié. Renvoyez le fichier dans { $retry_after } secondes.
evidence_not_ready = La preuve de ce mandat n'est pas encore prête : ses événements sont encore en cours de chaînage ou de signature. Rien n'a été modifié. Redemandez dans { $retry_after } secondes.
export_not_allowed = Seules les parties d'un mandat peuvent en obtenir la preuve : vous pour vous-même, ou un représentant légal pour une entreprise.
internal_error = Une erreur s'est produite de notre côté. Mentionnez cette référence si vous nous contactez : { $request_id }.

## Erreurs de champ

invalid_date = { $value } n'est pas une date au format YYYY-MM-DD.
invalid_party_number = Ce numéro n'est pas valide : { $reason }
party-not_digits = il ne peut contenir que des chiffres, des points, des tirets et des espaces.
party-wrong_length = il n'a pas le bon nombre de chiffres (11 pour une personne, 10 pour une entreprise).
party-wrong_check_digits = ses chiffres de contrôle ne correspondent pas ; vérifiez qu'il n'y a pas de faute de frappe.
party-impossible_date = la date de naissance qu'il contient est impossible.
party-wrong_first_digit = un numéro d'entreprise commence par 0 ou 1.
party-leading_zero_lost = un zéro initial a probablement été perdu (les tableurs le font) ; écrivez le numéro avec tous ses chiffres.
party-not_a_person = le numéro de registre national d'une personne (11 chiffres) est attendu ici.
party-not_an_enterprise = un numéro d'entreprise (10 chiffres) est attendu ici.
required = Ce champ est obligatoire.
types_empty = Choisissez au moins un type de mandat.
type_repeated = Le type { $type } figure deux fois dans la liste.
unknown_type = Le service { $domain } n'a pas de type de mandat { $type }.
type_retired = Le type de mandat { $type } n'est plus proposé.
unknown_domain = Le service { $domain } n'existe pas.
same_party = Qui donne et qui reçoit le mandat doivent être différents : saisissez le numéro de quelqu'un d'autre.
already_mandatee = Cette personne ou entreprise reçoit déjà ce mandat : saisissez le numéro de quelqu'un d'autre.
party_kind_not_allowed = « { $type } » ne peut pas être { $side ->
    [mandator] donné par
   *[mandatee] donné à
} { $kind ->
    [person] une personne
   *[enterprise] une entreprise
}.
start_in_past = La date de début doit être aujourd'hui ou plus tard (nous sommes le { $today }).
end_before_start = La date de fin doit être le même jour que la date de début, ou plus tard.
end_in_past = La date de fin doit être aujourd'hui ou plus tard (nous sommes le { $today }) ; pour mettre fin au mandat maintenant, arrêtez-le.
unlimited_not_allowed = « { $type } » exige une date de fin : saisissez le dernier jour.
period_too_long = Pour « { $type } », la date de fin peut être au plus { $period } après la date de début : le { $latest } au plus tard.
reference_too_long = La référence peut contenir au maximum { $max } caractères.
capacity_ehealth_only = Une qualité ne peut être indiquée que pour un mandat du service eHealth.
capacity_too_long = La qualité peut contenir au maximum { $max } caractères.
invalid_language = { $value } ne fait pas partie des langues nl, fr, de, en.
invalid_email = Cette adresse e-mail n'est pas valide.
no_change = Ce sont les conditions actuelles : rien ne changerait.
version_required = Indiquez quelle version vous modifiez : envoyez If-Match avec l'ETag, ou version dans le contenu de la demande.
invalid_value = { $value } n'est pas une valeur acceptée ici.
invalid_cursor = Ce curseur de page n'est pas valide ; recommencez à partir de la première page.
role_kind_not_assignable = Les représentants légaux proviennent du registre des entreprises : ils ne peuvent être ni attribués ni arrêtés ici.

## Raisons d'un contrôle négatif

check-no_mandate = Aucun mandat ne permet à cette personne d'agir pour ce mandant pour ce type.
check-pending_signature = Le mandat { $mandate } attend la signature du { $side ->
    [mandator] mandant
   *[mandatee] mandataire
}.
check-not_yet_in_force = Le mandat { $mandate } est en vigueur à partir du { $from }.
check-stopped = Le mandat { $mandate } a été arrêté le { $at }.
check-expired = Le mandat { $mandate } a pris fin le { $on }.
check-no_executor_role = Le mandat { $mandate } est détenu par l'entreprise { $enterprise }, où cette personne n'a pas de rôle d'exécutant pour ce type.
min_consistency_not_reached = Cette instance n'a pas encore vu l'événement { $wanted } ; elle en est à { $applied }. Réessayez dans un instant.
invalid_instant = { $value } n'est pas un instant au format RFC 3339 (p. ex. 2027-03-01T09:00:00Z).
too_many_checks = Une requête contient au plus { $max } contrôles.
client_type_not_allowed = Cette application ne peut pas demander le type { $type }.

## Pages

login_expired = La connexion a pris trop de temps ou a été lancée ailleurs. Reconnectez-vous.
login_cancelled = La connexion a été annulée auprès du fournisseur d'identité.
login_failed = La connexion a échoué : la réponse du fournisseur d'identité n'a pas pu être vérifiée. Reconnectez-vous.
login_no_national_number = Le fournisseur d'identité n'a pas transmis de numéro de registre national valide ; vous ne pouvez pas utiliser ce service avec ce compte.
act_for_enterprise_first = Choisissez d'abord, en haut de la page, pour quelle entreprise vous agissez.
invalid_filter = Ce filtre de recherche n'est pas valide.

## Fichiers en masse

file_empty = Le fichier est vide.
not_text = Ce n'est pas un fichier texte. Enregistrez la feuille de calcul au format CSV (séparé par des virgules ou des points-virgules) et chargez ce fichier.
file_too_large = Lu comme texte Windows, ce fichier dépasse { $max } Mio. Enregistrez-le en texte UTF-8, ou répartissez-le en plusieurs fichiers.
no_rows = Le fichier ne contient aucune ligne à traiter.
too_many_rows = Un fichier peut contenir au maximum { $max } lignes ; répartissez-le en plusieurs fichiers.
unknown_column = Un fichier pour cette opération n'a pas de colonne ou de champ { $value }.
duplicate_column = La colonne { $value } figure deux fois dans l'en-tête.
missing_column = L'en-tête n'a pas de colonne { $value }.
invalid_csv = Le fichier n'a pas pu être lu comme CSV à partir de la ligne { $line }.
invalid_json = Le fichier n'est pas du JSON valide (l'erreur se situe vers la ligne { $line }).
json_rows_expected = Un fichier JSON contient un tableau de lignes, ou un objet avec uniquement "rows": [...].
ssm_context_required = Choisissez d'abord le service et les types de mandat pour l'ensemble du fichier SSM.
ssm_create_only = Un fichier SSM permet uniquement de créer des mandats.
required_row_or_file = Complétez ceci sur la ligne, ou choisissez-le une fois pour tout le fichier.
cell_outside_columns = Cette ligne a une valeur dans une colonne que l'en-tête ne nomme pas.
invalid_uuid = { $value } n'est pas un identifiant de mandat (il ressemble à 3f2b8c1e-6d4a-4c7e-9a51-0b2d7e8f9a10).
invalid_version = { $value } n'est pas un numéro de version (un nombre entier à partir de 1).
invalid_ssm_date = { $value } n'est pas une date au format yyyyMMdd (p. ex. 20270131).
wrong_field_count = Cette ligne a { $value } champs ; un fichier SSM en a { $required } sur chaque ligne.
row_not_object = Chaque ligne d'un fichier JSON est un objet avec des champs nommés.
json_type = { $kind ->
    [integer] Un nombre entier est attendu
    [list] Une liste de textes est attendue
   *[text] Un texte est attendu
} ici.
duplicate_in_file = La ligne { $line } de ce fichier contient déjà ce mandat.
cell_too_long = Cette valeur est trop longue : une cellule peut contenir au maximum { $max } caractères.
too_many_types = Une ligne peut contenir au maximum { $max } types de mandat.
line_too_long = La ligne { $line } est trop longue : une ligne peut contenir au maximum { $max } octets.

## Traitements en masse

bulk_job_not_found = Ce traitement en masse n’existe pas, ou il a été créé pour quelqu’un d’autre.
bulk_job_not_validated = Ce traitement a déjà été lancé ({ $status }) ; chargez à nouveau le fichier pour créer un nouveau traitement.

# Permissions and lists
roster_not_allowed = Seuls les représentants légaux et les gestionnaires de l'entreprise peuvent voir et modifier ses rôles.
access_log_not_allowed = Seuls les représentants légaux et les gestionnaires de l'entreprise peuvent lire qui a vérifié ses mandats.
bulk_not_allowed = Votre rôle ne permet pas de modifier des mandats en masse : seuls les représentants légaux et les gestionnaires le peuvent.
bulk_job_has_invalid_rows = { $invalid } lignes de ce fichier ne sont pas valables, et ce fichier a été chargé en tout ou rien : rien ne serait fait. Corrigez ces lignes et chargez à nouveau le fichier, ou chargez-le ligne par ligne.
transfer_voided = Ce transfert n'est plus possible : le mandat qu'il devait remplacer a pris fin.
unknown_parameter = Cette adresse ne lit aucun paramètre de ce nom ; elle lit : { $known }.
out_of_range = Indiquez un nombre entier de { $min } à { $max }.
unknown_entity_type = { $value } n'est pas un type que ce service connaît ici ; utilisez { $known }.
control_character = Le champ « { $field } » ne peut pas contenir de caractères de contrôle (comme un octet NUL).

## Webhooks
webhook_not_found = Cet abonnement webhook n’existe pas, ou il appartient à une autre application.
invalid_webhook_url = { $url } n’est pas une adresse https complète.
webhook_url_not_https = Seules les adresses https peuvent recevoir des webhooks ; { $url } n’en est pas une.
webhook_url_credentials = Une adresse avec un nom d’utilisateur ou un mot de passe ne peut pas recevoir de webhooks : donnez l’adresse sans eux.
webhook_url_unresolvable = Le nom d’hôte de { $url } n’a pas pu être résolu.
webhook_url_not_public = { $url } mène à { $address }, qui n’est pas une adresse internet publique (boucle locale, privée, lien local, ...) ; les webhooks ne sont envoyés qu’à des adresses publiques.
unknown_event_type = { $type } n’est pas un type d’événement ; les types sont : { $known }.
too_many_webhooks = Une application peut avoir au plus { $max } abonnements webhook ; supprimez-en d’abord un.
