// A DMN decision table drawn by the dmn-js viewer (global `DmnJS`), on the analysts' page of one decision
// (templates/analyste/decision.html). Nothing inline (CSP): data come from data-* attributes.
//   data-xml-url: the DMN file of the version; data-decision-id: the decision whose table is opened;
//   data-regles-trouvees: JSON list of the rule ids that applied to the analyst's try (their cells are marked).
// When drawn, the container gets data-pret="oui" (or "erreur", with a message above it).
// The same file puts the focus on the error summary, else on the result of the try, after a submit.
// Loaded BEFORE the dmn-js bundle (see the console filter below); it draws once the page has loaded.
(function () {
  "use strict";

  var ERREUR = "La table n'a pas pu être dessinée ; le tableau des règles ci-dessous en donne le contenu.";

  // dmn-js's « production » bundle embeds Inferno's development build, which reports itself as an error when it
  // loads (bpmn-io/dmn-js#965): that one known message is dropped, any other error still reaches the console.
  var INFERNO = "It looks like you're using a minified copy of the development build of Inferno.";
  var erreurConsole = window.console && window.console.error;
  if (erreurConsole) {
    window.console.error = function (premier) {
      if (typeof premier === "string" && premier.indexOf(INFERNO) === 0) { return; }
      return erreurConsole.apply(window.console, arguments);
    };
  }

  // The decision table's « Powered by bpmn.io » mark is built by dmn-js from markup with style="" attributes, which
  // the CSP refuses (a violation each time). Its module is replaced by one that draws nothing, and the same mark —
  // link, title, logo — is added below with createElement, placed by css/decision.css: the mark stays visible, as
  // the bpmn.io licence asks.
  function SansMarque() {}
  SansMarque.$inject = [];
  var SANS_MARQUE = { poweredBy: ["type", SansMarque] };
  var SVG = "http://www.w3.org/2000/svg";
  var LOGO = "M1.88.92v.14c0 .41-.13.68-.4.8.33.14.46.44.46.86v.33c0 .61-.33.95-.95.95H0V0h.95c.65 0 .93.3.93.92zM.63.57v1.06h.24c.24 0 .38-.1.38-.43V.98c0-.28-.1-.4-.32-.4zm0 1.63v1.22h.36c.2 0 .32-.1.32-.39v-.35c0-.37-.12-.48-.4-.48H.63zM4.18.99v.52c0 .64-.31.98-.94.98h-.3V4h-.62V0h.92c.63 0 .94.35.94.99zM2.94.57v1.35h.3c.2 0 .3-.09.3-.37v-.6c0-.29-.1-.38-.3-.38h-.3zm2.89 2.27L6.25 0h.88v4h-.6V1.12L6.1 3.99h-.6l-.46-2.82v2.82h-.55V0h.87zM8.14 1.1V4h-.56V0h.79L9 2.4V0h.56v4h-.64zm2.49 2.29v.6h-.6v-.6zM12.12 1c0-.63.33-1 .95-1 .61 0 .95.37.95 1v2.04c0 .64-.34 1-.95 1-.62 0-.95-.37-.95-1zm.62 2.08c0 .28.13.39.33.39s.32-.1.32-.4V.98c0-.29-.12-.4-.32-.4s-.33.11-.33.4z"
"M0 4.53h14.02v1.04H0zM11.08 0h.63v.62h-.63zm.63 4V1h-.63v2.98z";

  function marque() {
    var lien = document.createElement("a");
    lien.href = "https://bpmn.io";
    lien.target = "_blank";
    lien.rel = "noopener";
    lien.className = "bjs-powered-by decision-marque";
    lien.title = "Powered by bpmn.io";
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 14.02 5.57");
    svg.setAttribute("width", "53");
    svg.setAttribute("height", "21");
    svg.setAttribute("aria-hidden", "true");
    var chemin = document.createElementNS(SVG, "path");
    chemin.setAttribute("fill", "#000000");
    chemin.setAttribute("d", LOGO);
    svg.appendChild(chemin);
    lien.appendChild(svg);
    var texte = document.createElement("span");
    texte.className = "fr-sr-only";
    texte.textContent = "Powered by bpmn.io (nouvelle fenêtre)";
    lien.appendChild(texte);
    return lien;
  }

  function alerte(container, texte) {
    var boite = document.createElement("div");
    boite.className = "fr-alert fr-alert--error fr-alert--sm fr-mb-2w";
    boite.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = texte;
    boite.appendChild(p);
    container.parentNode.insertBefore(boite, container);
    container.classList.add("decision-dmn--vide");
    container.dataset.pret = "erreur";
  }

  function marquer(container, ids) {
    ids.forEach(function (id) {
      container.querySelectorAll('[data-row-id="' + CSS.escape(id) + '"]').forEach(function (cellule) {
        cellule.classList.add("decision-regle-trouvee");
      });
    });
  }

  // A wide table scrolls sideways inside dmn-js's container, which holds nothing focusable: the keyboard reaches the
  // scroll only if the container itself takes the focus (WCAG 2.1.1; axe-core « scrollable-region-focusable »).
  function clavier(container) {
    container.querySelectorAll(".tjs-table-container").forEach(function (zone) {
      zone.tabIndex = 0;
      zone.setAttribute("role", "region");
      zone.setAttribute("aria-label", "Table dessinée (défilement horizontal au clavier)");
    });
  }

  function dessiner(container) {
    if (typeof window.DmnJS !== "function") {
      alerte(container, ERREUR);
      return;
    }
    var decisionId = container.dataset.decisionId;
    var trouvees = [];
    try { trouvees = JSON.parse(container.dataset.reglesTrouvees || "[]"); } catch (e) { trouvees = []; }
    var viewer = new window.DmnJS({ container: container, decisionTable: { additionalModules: [SANS_MARQUE] } });
    fetch(container.dataset.xmlUrl, { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (reponse) {
        if (!reponse.ok) { throw new Error("HTTP " + reponse.status); }
        return reponse.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var vue = viewer.getViews().filter(function (v) {
          return v.element && v.element.id === decisionId && v.type === "decisionTable";
        })[0];
        if (!vue) { throw new Error("table « " + decisionId + " » absente du fichier"); }
        return viewer.open(vue);
      })
      .then(function () {
        container.appendChild(marque());
        marquer(container, trouvees);
        clavier(container);
        container.dataset.pret = "oui";
      })
      .catch(function (erreur) {
        if (window.console) { window.console.warn("dmn-js :", erreur); }
        alerte(container, ERREUR);
      });
  }

  function focaliser() {
    var cible = document.getElementById("erreurs") || document.getElementById("resultat-essai");
    if (cible) { cible.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-decision-dmn]").forEach(dessiner);
    focaliser();
  });
})();
