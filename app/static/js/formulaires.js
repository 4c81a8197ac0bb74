// Refused forms and uploads, for keyboards and screen readers (F-19); no inline script (CSP).
// 1. A page with an error summary (#erreurs, tabindex -1) puts the focus on it: the summary is read first and each
//    of its links leads to the field. 2. Otherwise a page reached at an anchor (#piece-… after an upload, a removal
//    or an ephoto number) puts the focus back on that block, not at the top of the page. 3. File inputs drawn by
//    macros.fichier say « Aucun fichier sélectionné » or the chosen file's name, in French.
(function () {
  "use strict";
  function focaliser(element) {
    if (!element) { return false; }
    if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return document.activeElement === element;
  }

  var resume = document.getElementById("erreurs");
  if (!focaliser(resume) && window.location.hash.length > 1) {
    var cible = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    if (cible && cible.classList.contains("piece")) { focaliser(cible); }
  }
  // The browser's own move to the URL's #fragment comes after this script: the summary keeps the focus.
  if (resume) {
    window.addEventListener("load", function () {
      if (document.activeElement === document.body || document.activeElement.classList.contains("piece")) {
        focaliser(resume);
      }
    });
  }

  // A summary link to a field that a script hid (e.g. the union dates) still moves the focus to the field.
  document.querySelectorAll("#erreurs a[href^='#']").forEach(function (lien) {
    lien.addEventListener("click", function (evenement) {
      var champ = document.getElementById(decodeURIComponent(lien.getAttribute("href").slice(1)));
      if (champ && focaliser(champ)) { evenement.preventDefault(); champ.scrollIntoView({block: "center"}); }
    });
  });

  document.querySelectorAll(".choix-fichier__champ").forEach(function (input) {
    var etat = document.getElementById(input.id + "-etat");
    if (!etat) { return; }
    var vide = etat.textContent;  // the page's words, in its language
    function mettreAJour() {
      var noms = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      etat.textContent = noms.length ? noms.join(", ") : vide;
    }
    var decrit = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (decrit.indexOf(etat.id) < 0) { decrit.unshift(etat.id); }
    input.setAttribute("aria-describedby", decrit.join(" "));
    etat.hidden = false;
    mettreAJour();
    input.addEventListener("change", mettreAJour);
  });
})();
