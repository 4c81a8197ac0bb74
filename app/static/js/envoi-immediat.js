// A file chosen is sent at once: the change clicks the document's « Joindre un document » button, which does the
// same without JavaScript. Used by step 3 (justificatifs) and the answer to a « Demande de complément ».
document.querySelectorAll(".piece input.fr-upload").forEach(function (input) {
  input.addEventListener("change", function () {
    var bouton = input.closest(".piece").querySelector("button.joindre");
    if (input.files.length && bouton) { bouton.click(); }
  });
});
