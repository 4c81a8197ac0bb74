// The agent's review (F-32 to F-34). After a refused submit the focus goes to the error summary, where the agent
// reads what to fix (the page's <title> already starts with « Erreur : »). In the examination, the index of the
// documents follows the verdicts as they are given.
(function () {
  "use strict";
  var resume = document.getElementById("erreurs");
  if (resume) { resume.focus(); }

  var LIBELLES = { valide: "Valide", non_valide: "Non valide" };
  document.querySelectorAll(".statut-avis[data-champ]").forEach(function (statut) {
    var champ = statut.getAttribute("data-champ");
    document.querySelectorAll('input[type="radio"][name="' + champ + '"]').forEach(function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked) { statut.textContent = LIBELLES[radio.value] || radio.value; }
      });
    });
  });
})();
