// The analysts' modelers (F-45): bpmn-js with the spiffworkflow extensions and dmn-js, opened on a process file.
//
//   var m = window.Modeleur.ouvrir(container, {type: 'bpmn'|'dmn', xmlUrl, enregistrerUrl, csrf, descripteurUrl,
//                                              telechargementNom});
//   m.pret          Promise resolved once the file is imported (rejected with a French message otherwise)
//   m.exporter()    Promise<string>: the XML as the modeler writes it
//   m.enregistrer() POST of that XML to enregistrerUrl; the answer {ok, problemes: [{fichier, libelle, id, message}]}
//                   is shown in the page
//
// Every container `[data-modeleur]` of the page (macro analyste/_modeleur.html) is opened at load; its object is
// `container.modeleur`. Built with createElement only: the Content-Security-Policy allows no inline script or style.
(function () {
  'use strict';

  var SPIFF = 'http://spiffworkflow.org/bpmn/schema/1.0/core';
  var compteur = 0;

  // dmn-js's « production » bundle embeds Inferno's development build, which reports itself as an error when it
  // loads (bpmn-io/dmn-js#965): that one known message is dropped, any other error still reaches the console.
  // This file is loaded before the bundle for that reason.
  var INFERNO = 'It looks like you\'re using a minified copy of the development build of Inferno.';
  var erreurConsole = window.console && window.console.error;
  if (erreurConsole) {
    window.console.error = function (premier) {
      if (typeof premier === 'string' && premier.indexOf(INFERNO) === 0) { return; }
      return erreurConsole.apply(window.console, arguments);
    };
  }

  function el(tag, classe, texte) {
    var noeud = document.createElement(tag);
    if (classe) { noeud.className = classe; }
    if (texte !== undefined && texte !== null) { noeud.textContent = texte; }
    return noeud;
  }

  function identifiant(prefixe) {
    compteur += 1;
    return 'modeleur-' + prefixe + '-' + compteur;
  }

  function bouton(libelle, classe, action) {
    var b = el('button', 'fr-btn ' + (classe || ''), libelle);
    b.type = 'button';
    b.addEventListener('click', action);
    return b;
  }

  function charger(url, comme) {
    return fetch(url, {credentials: 'same-origin'}).then(function (reponse) {
      if (!reponse.ok) {
        throw new Error('Le fichier n\'a pas pu être lu (' + url + ' : erreur ' + reponse.status + ').');
      }
      return comme === 'json' ? reponse.json() : reponse.text();
    });
  }

  // --- Messages of the page: import warnings, save result, errors ----------------------------------------------

  function Messages(zone) {
    this.zone = zone;
  }

  Messages.prototype.vider = function () {
    this.zone.replaceChildren();
  };

  Messages.prototype.afficher = function (genre, titre, lignes) {
    this.vider();
    var boite = el('div', 'fr-alert fr-alert--sm fr-alert--' + genre);
    boite.setAttribute('role', genre === 'error' || genre === 'warning' ? 'alert' : 'status');
    boite.appendChild(el('p', 'modeleur__message-titre', titre));
    if (lignes && lignes.length) {
      var liste = el('ul', 'modeleur__problemes');
      lignes.forEach(function (ligne) { liste.appendChild(el('li', null, ligne)); });
      boite.appendChild(liste);
    }
    this.zone.appendChild(boite);
  };

  function probleme(p) {
    var qui = p.libelle ? '« ' + p.libelle + ' »' + (p.id ? ' (' + p.id + ')' : '') : (p.id || '');
    return [p.fichier, qui].filter(Boolean).join(' — ') + (qui || p.fichier ? ' : ' : '') + p.message;
  }

  // --- The BPMN panel « Propriétés du processus » ---------------------------------------------------------------

  // Several changes as one command: one undo step.
  function Groupe() {}
  Groupe.prototype.preExecute = function (contexte) {
    contexte.etapes.forEach(function (etape) { etape(); });
  };
  Groupe.prototype.execute = function () { return []; };
  Groupe.prototype.revert = function () { return []; };

  function extension(objet, type) {
    var valeurs = (objet && objet.extensionElements && objet.extensionElements.values) || [];
    return valeurs.filter(function (v) { return v.$instanceOf(type); })[0] || null;
  }

  function PanneauBpmn(modeleur, parent) {
    this.modeleur = modeleur;
    this.modeling = modeleur.get('modeling');
    this.moddle = modeleur.get('moddle');
    this.canvas = modeleur.get('canvas');
    this.commandes = modeleur.get('commandStack');
    this.commandes.registerHandler('modeleur.groupe', Groupe);
    this.element = null;
    this.racine = el('section', 'modeleur__panneau');
    this.racine.setAttribute('aria-labelledby', identifiant('titre-panneau'));
    var titre = el('h2', 'fr-h5 modeleur__panneau-titre', 'Propriétés du processus');
    titre.id = this.racine.getAttribute('aria-labelledby');
    this.racine.appendChild(titre);
    this.corps = el('div', 'modeleur__panneau-corps');
    this.racine.appendChild(this.corps);
    this.erreur = el('p', 'fr-error-text modeleur__panneau-erreur');
    this.erreur.setAttribute('role', 'alert');
    this.racine.appendChild(this.erreur);
    parent.appendChild(this.racine);

    var self = this;
    modeleur.on('selection.changed', function (e) {
      self.element = e.newSelection.length === 1 ? e.newSelection[0] : null;
      self.erreur.textContent = '';
      self.afficher();
    });
    // Undo, redo, or a change made on the diagram: show what the model holds now.
    modeleur.on('commandStack.changed', function () {
      if (self.element && !modeleur.get('elementRegistry').get(self.element.id)) { self.element = null; }
      self.afficher();
    });
  }

  PanneauBpmn.prototype.cible = function () {
    return this.element || this.canvas.getRootElement();
  };

  PanneauBpmn.prototype.grouper = function (etapes) {
    this.commandes.execute('modeleur.groupe', {etapes: etapes});
  };

  PanneauBpmn.prototype.champ = function (parent, libelle, valeur, cle, quandChange, aide) {
    var groupe = el('div', 'fr-input-group modeleur__champ');
    var id = identifiant('champ');
    var etiquette = el('label', 'fr-label', libelle);
    etiquette.htmlFor = id;
    if (aide) { etiquette.appendChild(el('span', 'fr-hint-text', aide)); }
    var entree = el('input', 'fr-input');
    entree.type = 'text';
    entree.id = id;
    entree.value = valeur || '';
    entree.setAttribute('data-cle', cle);
    entree.addEventListener('change', function () { quandChange(entree.value); });
    groupe.appendChild(etiquette);
    groupe.appendChild(entree);
    parent.appendChild(groupe);
    return entree;
  };

  PanneauBpmn.prototype.afficher = function () {
    var actif = document.activeElement;
    var cleActive = actif && this.racine.contains(actif) ? actif.getAttribute('data-cle') : null;
    this.corps.replaceChildren();
    var element = this.cible();
    if (!element || !element.businessObject) { return; }
    var objet = element.businessObject;
    var self = this;

    this.corps.appendChild(el('p', 'fr-text--sm modeleur__type', 'Élément : ' + objet.$type.replace('bpmn:', '')));
    this.champ(this.corps, 'Identifiant', objet.id, 'id', function (v) { self.changerId(element, v); },
      'Les identifiants cités par le contrat ne se changent pas.');
    this.champ(this.corps, 'Nom', objet.name, 'name', function (v) {
      self.erreur.textContent = '';
      self.modeling.updateProperties(element, {name: v || undefined});
    });

    var decision = extension(objet, 'spiffworkflow:CalledDecisionId');
    if (objet.$instanceOf('bpmn:BusinessRuleTask')) {
      this.champ(this.corps, 'Décision appelée (table DMN)', decision && decision.value, 'decision', function (v) {
        self.texteExtension(element, 'spiffworkflow:CalledDecisionId', v);
      });
    }
    (objet.eventDefinitions || []).forEach(function (definition, i) {
      var variable = extension(definition, 'spiffworkflow:MessageVariable');
      if (variable) {
        self.champ(self.corps, 'Variable du message', variable.value, 'message-' + i, function (v) {
          self.modeling.updateModdleProperties(element, variable, {value: v});
        });
      }
    });
    this.afficherProprietes(element, objet);
    if (objet.$instanceOf('bpmn:ServiceTask')) { this.afficherOperateur(element, objet); }

    if (cleActive) {
      var retrouve = this.corps.querySelector('[data-cle="' + cleActive + '"]');
      if (retrouve) { retrouve.focus(); }
    }
  };

  PanneauBpmn.prototype.changerId = function (element, valeur) {
    this.erreur.textContent = '';
    var objet = element.businessObject;
    if (valeur === objet.id) { return; }
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(valeur)) {
      this.erreur.textContent = 'Identifiant « ' + valeur + ' » refusé : il commence par une lettre ou « _ » et ne '
        + 'contient que des lettres sans accent, chiffres, « _ », « - » ou « . ».';
      this.afficher();
      return;
    }
    if (this.moddle.ids.assigned(valeur)) {
      this.erreur.textContent = 'Identifiant « ' + valeur + ' » refusé : un autre élément le porte déjà.';
      this.afficher();
      return;
    }
    this.modeling.updateProperties(element, {id: valeur});
  };

  // The extension elements of `objet`, created (in the same command) if it has none.
  PanneauBpmn.prototype.assurerExtensions = function (element, objet, etapes) {
    if (objet.extensionElements) { return objet.extensionElements; }
    var extensions = this.moddle.create('bpmn:ExtensionElements', {values: []});
    extensions.$parent = objet;
    var modeling = this.modeling;
    etapes.push(function () { modeling.updateModdleProperties(element, objet, {extensionElements: extensions}); });
    return extensions;
  };

  PanneauBpmn.prototype.texteExtension = function (element, type, valeur) {
    var objet = element.businessObject;
    var existant = extension(objet, type);
    var modeling = this.modeling;
    if (existant) {
      modeling.updateModdleProperties(element, existant, {value: valeur});
      return;
    }
    var etapes = [];
    var extensions = this.assurerExtensions(element, objet, etapes);
    var nouveau = this.moddle.create(type, {value: valeur});
    nouveau.$parent = extensions;
    etapes.push(function () {
      modeling.updateModdleProperties(element, extensions, {values: (extensions.values || []).concat([nouveau])});
    });
    this.grouper(etapes);
  };

  PanneauBpmn.prototype.afficherProprietes = function (element, objet) {
    var self = this;
    var bloc = el('fieldset', 'fr-fieldset modeleur__bloc');
    bloc.appendChild(el('legend', 'fr-fieldset__legend fr-text--md', 'Propriétés spiffworkflow'));
    var conteneur = extension(objet, 'spiffworkflow:Properties');
    var proprietes = (conteneur && conteneur.properties) || [];
    if (!proprietes.length) { bloc.appendChild(el('p', 'fr-text--sm', 'Aucune propriété.')); }
    proprietes.forEach(function (propriete, i) {
      var ligne = el('div', 'modeleur__ligne');
      self.champ(ligne, 'Propriété « ' + propriete.name + ' »', propriete.value, 'propriete-' + i, function (v) {
        self.modeling.updateModdleProperties(element, propriete, {value: v});
      });
      ligne.appendChild(bouton('Retirer « ' + propriete.name + ' »', 'fr-btn--tertiary fr-btn--sm', function () {
        self.modeling.updateModdleProperties(element, conteneur, {
          properties: conteneur.properties.filter(function (p) { return p !== propriete; })
        });
      }));
      bloc.appendChild(ligne);
    });

    var ajout = el('div', 'modeleur__ajout');
    var nom = this.champ(ajout, 'Nom de la nouvelle propriété', '', 'nouvelle-nom', function () {});
    var valeur = this.champ(ajout, 'Valeur de la nouvelle propriété', '', 'nouvelle-valeur', function () {});
    ajout.appendChild(bouton('Ajouter la propriété', 'fr-btn--secondary fr-btn--sm', function () {
      self.ajouterPropriete(element, nom.value.trim(), valeur.value);
    }));
    bloc.appendChild(ajout);
    this.corps.appendChild(bloc);
  };

  PanneauBpmn.prototype.ajouterPropriete = function (element, nom, valeur) {
    this.erreur.textContent = '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(nom)) {
      this.erreur.textContent = 'Nom de propriété « ' + nom + ' » refusé : lettres sans accent, chiffres et « _ », '
        + 'en commençant par une lettre (par exemple « description »).';
      return;
    }
    var objet = element.businessObject;
    var conteneur = extension(objet, 'spiffworkflow:Properties');
    if (conteneur && conteneur.properties.some(function (p) { return p.name === nom; })) {
      this.erreur.textContent = 'La propriété « ' + nom + ' » existe déjà : changez sa valeur.';
      return;
    }
    var moddle = this.moddle;
    var modeling = this.modeling;
    var etapes = [];
    var extensions = this.assurerExtensions(element, objet, etapes);
    if (!conteneur) {
      conteneur = moddle.create('spiffworkflow:Properties', {properties: []});
      conteneur.$parent = extensions;
      var cree = conteneur;
      etapes.push(function () {
        modeling.updateModdleProperties(element, extensions, {values: (extensions.values || []).concat([cree])});
      });
    }
    var propriete = moddle.create('spiffworkflow:Property', {name: nom, value: valeur});
    propriete.$parent = conteneur;
    var cible = conteneur;
    etapes.push(function () {
      modeling.updateModdleProperties(element, cible, {properties: (cible.properties || []).concat([propriete])});
    });
    this.grouper(etapes);
  };

  PanneauBpmn.prototype.afficherOperateur = function (element, objet) {
    var self = this;
    var operateur = extension(objet, 'spiffworkflow:ServiceTaskOperator');
    var bloc = el('fieldset', 'fr-fieldset modeleur__bloc');
    bloc.appendChild(el('legend', 'fr-fieldset__legend fr-text--md', 'Opérateur de la tâche de service'));
    if (!operateur) {
      bloc.appendChild(el('p', 'fr-text--sm', 'Aucun opérateur : la tâche ne fera rien.'));
      this.corps.appendChild(bloc);
      return;
    }
    this.champ(bloc, 'Opérateur', operateur.id, 'operateur', function (v) {
      self.modeling.updateModdleProperties(element, operateur, {id: v});
    }, 'Un module de app/tasks (voir « flask processus catalogue »).');
    this.champ(bloc, 'Variable du résultat', operateur.resultVariable, 'resultat', function (v) {
      self.modeling.updateModdleProperties(element, operateur, {resultVariable: v || undefined});
    });
    var parametres = (operateur.parameterList && operateur.parameterList.parameters) || [];
    parametres.forEach(function (parametre, i) {
      self.champ(bloc, 'Paramètre « ' + parametre.id + ' »', parametre.value, 'parametre-' + i, function (v) {
        self.modeling.updateModdleProperties(element, parametre, {value: v});
      }, parametre.type ? 'Type : ' + parametre.type + ' ; une expression (un texte entre apostrophes).' : null);
    });
    if (!parametres.length) { bloc.appendChild(el('p', 'fr-text--sm', 'Aucun paramètre.')); }
    this.corps.appendChild(bloc);
  };

  // --- Opening a file -------------------------------------------------------------------------------------------

  function ouvrir(container, options) {
    var type = options.type === 'dmn' ? 'dmn' : 'bpmn';
    container.classList.add('modeleur--' + type);
    var barre = el('div', 'fr-btns-group fr-btns-group--inline-md fr-btns-group--sm modeleur__barre');
    var vues = el('div', 'modeleur__vues');
    var zoneMessages = el('div', 'modeleur__messages');
    var zone = el('div', 'modeleur__zone');
    var toile = el('div', 'modeleur__toile');
    toile.setAttribute('role', 'application');
    toile.setAttribute('aria-label', type === 'bpmn' ? 'Modeleur BPMN' : 'Modeleur DMN');
    zone.appendChild(toile);
    container.replaceChildren(barre, vues, zoneMessages, zone);
    var messages = new Messages(zoneMessages);
    var objet = {type: type, avertissements: [], modeleur: null};

    var modeleur;
    var Classe = type === 'bpmn' ? window.BpmnJS : window.DmnJS;
    if (typeof Classe !== 'function') {
      objet.pret = Promise.reject(new Error('Le modeleur n\'est pas installé sur ce serveur (make assets).'));
    } else if (type === 'bpmn') {
      var descripteur = options.descripteurUrl ? charger(options.descripteurUrl, 'json') : Promise.resolve(null);
      var colonne = el('div', 'modeleur__colonne');
      zone.appendChild(colonne);
      objet.pret = descripteur.then(function (spiff) {
        var reglages = {container: toile, moddleExtensions: spiff ? {spiffworkflow: spiff} : {}};
        // bpmn.io's own panel (its UMD build works with the pre-built modeler), for what ours does not show:
        // documentation, conditions, timers, messages. It speaks English.
        var officiel = window.BpmnJSPropertiesPanel;
        var parentOfficiel = null;
        if (officiel && officiel.BpmnPropertiesPanelModule) {
          parentOfficiel = el('section', 'modeleur__panneau modeleur__panneau--bpmnio');
          var titre = el('h2', 'fr-h5 modeleur__panneau-titre', 'Toutes les propriétés BPMN (panneau bpmn.io, en anglais)');
          titre.id = identifiant('titre-bpmnio');
          parentOfficiel.setAttribute('aria-labelledby', titre.id);
          parentOfficiel.appendChild(titre);
          var corps = el('div', 'modeleur__bpmnio');
          parentOfficiel.appendChild(corps);
          reglages.additionalModules = [officiel.BpmnPropertiesPanelModule, officiel.BpmnPropertiesProviderModule];
          reglages.propertiesPanel = {parent: corps};
        }
        modeleur = new Classe(reglages);
        objet.modeleur = modeleur;
        objet.panneau = new PanneauBpmn(modeleur, colonne);
        if (parentOfficiel) { colonne.appendChild(parentOfficiel); }
        return charger(options.xmlUrl);
      }).then(function (xml) {
        return modeleur.importXML(xml);
      }).then(function (resultat) {
        modeleur.get('canvas').zoom('fit-viewport');
        objet.panneau.afficher();
        return resultat;
      });
    } else {
      modeleur = new Classe({container: toile});
      objet.modeleur = modeleur;
      modeleur.on('views.changed', function (e) { afficherVues(vues, modeleur, e.views, e.activeView); });
      objet.pret = charger(options.xmlUrl).then(function (xml) {
        return modeleur.importXML(xml);
      }).then(function (resultat) {
        var table = modeleur.getViews().filter(function (v) { return v.type === 'decisionTable'; })[0];
        return (table ? modeleur.open(table) : Promise.resolve()).then(function () { return resultat; });
      });
    }
    objet.pret = objet.pret.then(function (resultat) {
      objet.avertissements = (resultat && resultat.warnings || []).map(function (w) { return w.message; });
      if (objet.avertissements.length) {
        messages.afficher('warning', 'Le modeleur a signalé des éléments qu\'il ne comprend pas (ils pourraient '
          + 'ne pas être conservés) :', objet.avertissements);
      }
      return objet;
    }, function (erreur) {
      messages.afficher('error', 'Le fichier n\'a pas pu être ouvert dans le modeleur.', [String(erreur.message || erreur)]);
      throw erreur;
    });

    objet.exporter = function () {
      return objet.pret.then(function () { return modeleur.saveXML({format: true}); }).then(function (r) {
        return r.xml;
      });
    };

    objet.enregistrer = function () {
      return objet.exporter().then(function (xml) {
        return fetch(options.enregistrerUrl, {
          method: 'POST', credentials: 'same-origin', body: xml,
          headers: {'X-CSRFToken': options.csrf || '', 'Content-Type': 'application/xml', 'Accept': 'application/json'}
        });
      }).then(function (reponse) {
        var json = (reponse.headers.get('Content-Type') || '').indexOf('json') >= 0 ? reponse.json() : null;
        return Promise.resolve(json).then(function (resultat) {
          if (!resultat) {
            throw new Error('Le serveur a répondu sans résultat lisible (erreur ' + reponse.status + ').');
          }
          return resultat;
        });
      }).then(function (resultat) {
        var problemes = resultat.problemes || [];
        if (resultat.ok && !problemes.length) {
          messages.afficher('success', 'Brouillon enregistré');
        } else {
          var n = problemes.length;
          messages.afficher('error', resultat.ok
            ? 'Brouillon enregistré, mais le contrat avec le code n\'est pas respecté (' + n + ' problème'
              + (n > 1 ? 's' : '') + ') :'
            : 'Le brouillon n\'a pas été enregistré (' + n + ' problème' + (n > 1 ? 's' : '') + ') :',
          problemes.map(probleme));
        }
        return resultat;
      }, function (erreur) {
        messages.afficher('error', 'Le brouillon n\'a pas été enregistré.', [String(erreur.message || erreur)]);
        return {ok: false, problemes: [{fichier: '', libelle: '', id: '', message: String(erreur.message || erreur)}]};
      });
    };

    objet.telecharger = function () {
      return objet.exporter().then(function (xml) {
        var lien = el('a', 'modeleur__lien-cache');
        lien.href = URL.createObjectURL(new Blob([xml], {type: 'application/xml'}));
        lien.download = options.telechargementNom || ('processus.' + type);
        document.body.appendChild(lien);
        lien.click();
        lien.remove();
        setTimeout(function () { URL.revokeObjectURL(lien.href); }, 1000);
        return xml;
      });
    };

    barre.appendChild(bouton('Annuler', 'fr-btn--tertiary', function () {
      modeleur && (type === 'bpmn' ? modeleur : modeleur.getActiveViewer()).get('commandStack').undo();
    }));
    barre.appendChild(bouton('Rétablir', 'fr-btn--tertiary', function () {
      modeleur && (type === 'bpmn' ? modeleur : modeleur.getActiveViewer()).get('commandStack').redo();
    }));
    if (options.enregistrerUrl) {
      barre.appendChild(bouton('Enregistrer le brouillon', 'modeleur__enregistrer', function () {
        objet.enregistrer();
      }));
    }
    if (options.telechargementNom) {
      barre.appendChild(bouton('Télécharger le fichier exporté', 'fr-btn--secondary modeleur__telecharger',
        function () { objet.telecharger(); }));
    }
    container.modeleur = objet;
    return objet;
  }

  var LIBELLES_VUES = {drd: 'Diagramme des décisions (DRD)', decisionTable: 'Table de décision',
    literalExpression: 'Expression', boxedExpression: 'Expression'};

  function afficherVues(zone, modeleur, vues, active) {
    zone.replaceChildren();
    if (!vues || vues.length < 2) { return; }
    var groupe = el('div', 'fr-btns-group fr-btns-group--inline fr-btns-group--sm');
    groupe.setAttribute('role', 'group');
    groupe.setAttribute('aria-label', 'Vues du fichier DMN');
    vues.forEach(function (vue) {
      var nom = (vue.element && vue.element.name) || (vue.element && vue.element.id) || '';
      var libelle = (LIBELLES_VUES[vue.type] || vue.type) + (vue.type === 'drd' || !nom ? '' : ' : ' + nom);
      var b = bouton(libelle, vue === active ? '' : 'fr-btn--secondary', function () { modeleur.open(vue); });
      if (vue === active) { b.setAttribute('aria-pressed', 'true'); } else { b.setAttribute('aria-pressed', 'false'); }
      groupe.appendChild(b);
    });
    zone.appendChild(groupe);
  }

  window.Modeleur = {ouvrir: ouvrir, SPIFF: SPIFF};

  function ouvrirLesConteneurs() {
    document.querySelectorAll('[data-modeleur]').forEach(function (container) {
      var d = container.dataset;
      ouvrir(container, {type: d.type, xmlUrl: d.xmlUrl, enregistrerUrl: d.enregistrerUrl, csrf: d.csrf,
        descripteurUrl: d.descripteurUrl, telechargementNom: d.telechargementNom}).pret.catch(function () {});
    });
  }

  // The bundle (BpmnJS or DmnJS) is the next script of the page: open once the whole page has been read.
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ouvrirLesConteneurs);
  } else {
    ouvrirLesConteneurs();
  }
}());
