# Die Warnung, bevor eine Sitzung wegen Inaktivität endet, und die Seite danach.
timeout-heading = Sie werden gleich abgemeldet
timeout-text = Zu Ihrer Sicherheit melden wir Sie in { $minutes } Minuten ab, wenn Sie nichts tun. Was Sie noch nicht gesendet haben, geht dann verloren.
timeout-text-one = Zu Ihrer Sicherheit melden wir Sie in 1 Minute ab, wenn Sie nichts tun. Was Sie noch nicht gesendet haben, geht dann verloren.
timeout-final = Sie sind so lange angemeldet, wie eine Sitzung dauern darf. Senden Sie jetzt, was Sie gerade tun: danach müssen Sie sich erneut anmelden.
timeout-stay = Angemeldet bleiben
timed-out-title = Wir haben Sie abgemeldet
timed-out-body = Zu Ihrer Sicherheit haben wir Sie abgemeldet, weil Sie { $minutes } Minuten lang nichts getan haben. Was Sie noch nicht gesendet hatten, wurde nicht gespeichert. Melden Sie sich erneut an, um fortzufahren.
