// A BPMN diagram drawn by the bpmn-js navigated viewer (global `BpmnJS`, loaded before this file), with badges and
// highlights. Nothing inline: the CSP forbids style="" in HTML strings, so badges are built with createElement and
// styled by classes of css/diagramme.css.
//
// API (for every page that shows a diagram):
//   window.Diagramme.afficher(container, options) → Promise of the viewer (null when the diagram could not be shown)
//   options = {
//     xmlUrl: "/…/fichiers/bpmn/x.bpmn",   // the BPMN file, fetched with the session cookie
//     comptes: {elementId: n},             // a badge « n » on each element (only n > 0 is drawn)
//     lien: "/…/elements/__ID__",          // a badge links there, __ID__ replaced by the element id (optional)
//     surligner: {passes: [ids], actuels: [ids], flux: [ids]},  // markers « passe », « actuel », « flux-pris »
//     fluxNonPris: [ids],                  // marker « non-pris » (flows no test took)
//     messageErreur: "…"                   // shown (role="alert") if the XML cannot be loaded or drawn
//   }
// Any element with the attribute data-diagramme is drawn when the page loads, from its data-* attributes:
//   data-xml-url, data-comptes (JSON), data-lien, data-surligner (JSON), data-flux-non-pris (JSON),
//   data-message-erreur. When drawn, the container gets data-pret="oui" (or data-pret="erreur").
(function () {
  "use strict";

  var ERREUR = "Le diagramme n'a pas pu être affiché.";

  function alerte(container, texte) {
    var boite = document.createElement("div");
    boite.className = "fr-alert fr-alert--error fr-alert--sm fr-mb-2w diagramme-erreur";
    boite.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = texte;
    boite.appendChild(p);
    container.parentNode.insertBefore(boite, container);
    container.classList.add("diagramme--vide");
    container.dataset.pret = "erreur";
  }

  function pluriel(n) {
    return n > 1 ? n + " demandes" : n + " demande";
  }

  function badge(nombre, href, nom) {
    var el = document.createElement(href ? "a" : "span");
    el.className = "diagramme-badge";
    if (href) { el.href = href; }
    el.textContent = String(nombre);
    var texte = pluriel(nombre) + " à « " + nom + " »";
    el.title = texte;
    el.setAttribute("aria-label", texte);
    return el;
  }

  function marquer(canvas, registre, ids, classe) {
    (ids || []).forEach(function (id) {
      if (registre.get(id)) { canvas.addMarker(id, classe); }
    });
  }

  function dessiner(viewer, options) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registre = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    var comptes = options.comptes || {};
    Object.keys(comptes).forEach(function (id) {
      var nombre = Number(comptes[id]);
      var element = registre.get(id);
      if (!element || !(nombre > 0)) { return; }
      var nom = (element.businessObject && element.businessObject.name) || id;
      var href = options.lien ? options.lien.replace("__ID__", encodeURIComponent(id)) : null;
      overlays.add(id, "comptes", {
        position: {top: -12, right: 14}, scale: {min: 1}, html: badge(nombre, href, nom)  // readable when zoomed out
      });
    });
    var surligner = options.surligner || {};
    marquer(canvas, registre, surligner.passes, "passe");
    marquer(canvas, registre, surligner.actuels, "actuel");
    marquer(canvas, registre, surligner.flux, "flux-pris");
    marquer(canvas, registre, options.fluxNonPris, "non-pris");
  }

  function afficher(container, options) {
    options = options || {};
    var erreur = options.messageErreur || ERREUR;
    if (typeof window.BpmnJS !== "function") {
      alerte(container, erreur + " (la bibliothèque bpmn-js n'est pas chargée)");
      return Promise.resolve(null);
    }
    if (!options.xmlUrl) {
      alerte(container, erreur + " (aucun fichier BPMN)");
      return Promise.resolve(null);
    }
    var viewer = new window.BpmnJS({container: container});
    return fetch(options.xmlUrl, {credentials: "same-origin", headers: {Accept: "application/xml"}})
      .then(function (reponse) {
        if (!reponse.ok) { throw new Error("le serveur a répondu " + reponse.status); }
        return reponse.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        dessiner(viewer, options);
        container.dataset.pret = "oui";
        return viewer;
      })
      .catch(function (err) {
        viewer.destroy();
        alerte(container, erreur + " (" + (err && err.message ? err.message : "erreur inconnue") + ")");
        return null;
      });
  }

  function json(texte, defaut) {
    if (!texte) { return defaut; }
    try { return JSON.parse(texte); } catch (e) { return defaut; }
  }

  function depuisAttributs(container) {
    var d = container.dataset;
    return afficher(container, {
      xmlUrl: d.xmlUrl,
      comptes: json(d.comptes, {}),
      lien: d.lien || null,
      surligner: json(d.surligner, {}),
      fluxNonPris: json(d.fluxNonPris, []),
      messageErreur: d.messageErreur || null
    });
  }

  window.Diagramme = {afficher: afficher};

  document.querySelectorAll("[data-diagramme]").forEach(depuisAttributs);
})();
