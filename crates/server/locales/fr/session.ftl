# L'avertissement avant la fin d'une session inactive, et la page après.
timeout-heading = Vous allez bientôt être déconnecté
timeout-text = Pour votre sécurité, nous vous déconnecterons dans { $minutes } minutes si vous ne faites rien. Ce que vous n'avez pas encore envoyé sera perdu.
timeout-text-one = Pour votre sécurité, nous vous déconnecterons dans 1 minute si vous ne faites rien. Ce que vous n'avez pas encore envoyé sera perdu.
timeout-final = Vous êtes connecté depuis la durée maximale d'une session. Envoyez maintenant ce que vous êtes en train de faire : vous devrez ensuite vous reconnecter.
timeout-stay = Rester connecté
timed-out-title = Nous vous avons déconnecté
timed-out-body = Pour votre sécurité, nous vous avons déconnecté parce que vous n'avez rien fait pendant { $minutes } minutes. Ce que vous n'aviez pas envoyé n'a pas été conservé. Reconnectez-vous pour continuer.
