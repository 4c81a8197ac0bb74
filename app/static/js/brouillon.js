// A draft's page (F-45): after « Vérifier », « Publier » or an upload, the focus goes to what the analyst asked
// for — the error summary, the verdicts or the files — named by the page's data-focus attribute (no inline script).
(function () {
  'use strict';
  var page = document.querySelector('[data-focus]');
  var cible = page && document.getElementById(page.getAttribute('data-focus'));
  if (cible) {
    if (!cible.hasAttribute('tabindex')) { cible.setAttribute('tabindex', '-1'); }
    cible.focus();
  }
}());
