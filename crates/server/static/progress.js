// Keeps the progress of a running bulk job current without reloading the page (the page
// works without it: its "Refresh" link does the same by hand).
(function () {
  var region = document.getElementById('job-progress');
  if (!region || region.getAttribute('data-state') !== 'running') {
    return;
  }
  function tick() {
    fetch(window.location.href, { credentials: 'same-origin' })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('job-progress');
        if (!next) {
          return;
        }
        region.innerHTML = next.innerHTML;
        var state = next.getAttribute('data-state');
        region.setAttribute('data-state', state);
        if (state === 'running') {
          window.setTimeout(tick, 1500);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1500);
})();
