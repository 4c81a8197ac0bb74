// Step 2: the union fields are shown only for Marié(e) / Pacsé(e); the server checks them either way.
(function () {
  var select = document.getElementById("situation_familiale"), bloc = document.getElementById("union");
  if (!select || !bloc) { return; }
  function mettreAJour() { bloc.hidden = ["Marié(e)", "Pacsé(e)"].indexOf(select.value) < 0; }
  select.addEventListener("change", mettreAJour);
  mettreAJour();
})();
