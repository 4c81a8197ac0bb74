// Answer to a « Demande de complément »: only what the chosen answer needs is shown, per document (without
// JavaScript, both parts stay visible; the server checks the answer either way).
(function () {
  function montrer(code) {
    var cle = CSS.escape(code);
    var choix = document.querySelector('input[data-reponse="' + cle + '"]:checked');
    var valeur = choix ? choix.value : "";
    document.querySelectorAll('.si-maintenir[data-code="' + cle + '"]').forEach(function (el) {
      el.hidden = valeur !== "maintenir";
    });
    document.querySelectorAll('.si-mettre-a-jour[data-code="' + cle + '"]').forEach(function (el) {
      el.hidden = valeur !== "mettre_a_jour";
    });
  }
  document.querySelectorAll("input[data-reponse]").forEach(function (input) {
    montrer(input.dataset.reponse);
    input.addEventListener("change", function () { montrer(input.dataset.reponse); });
  });
})();
