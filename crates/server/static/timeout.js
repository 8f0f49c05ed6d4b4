// Warns a signed-in person before their session ends for want of activity, and lets them
// stay signed in (WCAG 2.2.1). The page gives the seconds left and how long before the end to
// warn; "Stay signed in" counts as a visit and the warning comes again before the new end.
// When the time runs out unanswered, the person is signed out and told why. Without this
// script nothing changes: the session ends on the server all the same.
(function () {
  var dialog = document.getElementById('timeout');
  if (!dialog || typeof dialog.showModal !== 'function') {
    return;
  }
  var warnBefore = Number(dialog.getAttribute('data-warn-before')) * 1000;
  var stay = document.getElementById('timeout-stay');
  var leave = document.getElementById('timeout-leave');
  var endsAt = 0;
  var warnTimer = 0;
  var endTimer = 0;

  // The session ends at `at` (a time of this browser's clock): warn ahead, sign out at the end.
  function schedule(at) {
    endsAt = at;
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(warn, Math.max(0, at - warnBefore - Date.now()));
    // A few seconds before the server forgets the session, so that signing out still counts.
    endTimer = window.setTimeout(end, Math.max(0, at - 5000 - Date.now()));
  }

  function warn() {
    if (!dialog.open) {
      dialog.showModal();
    }
  }

  function end() {
    if (Date.now() >= endsAt) {
      // Too late to sign out properly (a sleeping computer): the session is gone already.
      window.location.assign('/signed-out?state=timeout');
      return;
    }
    leave.elements.why.value = 'timeout';
    leave.submit();
  }

  stay.addEventListener('submit', function (event) {
    event.preventDefault();
    fetch(stay.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
      body: new URLSearchParams(new FormData(stay)),
    })
      .then(function (res) {
        if (!res.ok) {
          throw new Error('stay: ' + res.status);
        }
        return res.json();
      })
      .then(function (left) {
        var seconds = Number(left.expires_in);
        dialog.close();
        if (seconds * 1000 <= warnBefore) {
          // The session has reached its longest life: it cannot be extended again.
          document.getElementById('timeout-text').hidden = true;
          document.getElementById('timeout-final').hidden = false;
          stay.hidden = true;
        }
        schedule(Date.now() + seconds * 1000);
      })
      // Without an answer, the form the normal way (the page reloads).
      .catch(function () { stay.submit(); });
  });

  schedule(Date.now() + Number(dialog.getAttribute('data-expires-in')) * 1000);
})();
