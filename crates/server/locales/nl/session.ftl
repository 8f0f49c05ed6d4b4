# De waarschuwing voordat een sessie afloopt door inactiviteit, en de pagina daarna.
timeout-heading = U wordt binnenkort afgemeld
timeout-text = Voor uw veiligheid melden we u over { $minutes } minuten af als u niets doet. Wat u nog niet hebt verstuurd, gaat dan verloren.
timeout-text-one = Voor uw veiligheid melden we u over 1 minuut af als u niets doet. Wat u nog niet hebt verstuurd, gaat dan verloren.
timeout-final = U bent aangemeld zo lang als een sessie mag duren. Verstuur nu wat u aan het doen bent: daarna moet u zich opnieuw aanmelden.
timeout-stay = Aangemeld blijven
timed-out-title = We hebben u afgemeld
timed-out-body = Voor uw veiligheid hebben we u afgemeld omdat u { $minutes } minuten niets hebt gedaan. Wat u nog niet had verstuurd, is niet bewaard. Meld u opnieuw aan om verder te gaan.
