# Statuts, le menu, le lien propre à chaque ligne, la première visite et les motifs du journal des accès.

col-action = Action
row-open = Ouvrir
row-action-about = le mandat avec { $other } : { $types }
period-stopped = du { $from }, arrêté le { $on }
period-stopped-before = devait commencer le { $from } ; arrêté le { $on }

start-title = Ce que vous pouvez faire ici
start-intro = Vous n'avez pas encore de mandat. Un mandat permet à quelqu'un d'agir en votre nom auprès d'un service public, ou vous permet d'agir au nom de quelqu'un d'autre.
start-give = Donnez à quelqu'un le droit d'agir pour vous, par exemple à votre comptable pour votre déclaration d'impôt : choisissez le service et ce qu'il pourra faire, indiquez son numéro de registre national ou d'entreprise, et signez.
start-other-signs = L'autre partie signe ensuite à son tour. Ce n'est qu'alors que le mandat est en vigueur ; d'ici là, vous le trouvez sur cette page, en attente de sa signature. Vous pouvez arrêter un mandat à tout moment.
start-receive = Quand quelqu'un vous donne un mandat ou vous en demande un, il apparaît sur cette page, en attente de votre signature. Une fois en vigueur, vous le trouvez sous « Mandats que je peux utiliser ».
start-button = Donner un mandat

executor-own = Qui m'ont été donnés
executor-enterprises = Donnés à une entreprise dont je suis exécutant
executor-none = Il n'y a aucun mandat que vous pouvez utiliser maintenant.

access-refused-no_executor_role = Refusé : un mandat le permet à une entreprise, mais cette personne n'en est pas l'exécutant pour cela.
access-refused-pending_signature = Refusé : le mandat attend encore une signature.
access-refused-not_yet_in_force = Refusé : le mandat est signé, mais sa période n'a pas encore commencé.
access-refused-stopped = Refusé : le mandat a été arrêté.
access-refused-expired = Refusé : la période du mandat est terminée.
access-refused-no_mandate = Refusé : aucun mandat ne permet à cette personne de faire cela pour vous.
