/* The outcome form: show only the fields the chosen kind uses.
   Without this script every field shows and the server ignores those the kind does not
   use; the list of fields per kind comes from the form's data-outcome-fields. */
(function () {
  "use strict";
  var form = document.getElementById("outcome-form");
  if (!form) { return; }
  var byKind;
  try {
    byKind = JSON.parse(form.getAttribute("data-outcome-fields") || "{}");
  } catch (e) {
    return;
  }
  var kind = form.querySelector("select[name=kind]");
  var details = form.querySelectorAll(".outcome-details .field");
  if (!kind) { return; }

  function fieldName(wrapper) {
    var match = /(?:^|\s)field-([a-z_]+)(?:\s|$)/.exec(wrapper.className);
    return match ? match[1] : "";
  }

  function update() {
    var used = byKind[kind.value] || [];
    for (var i = 0; i < details.length; i++) {
      var wrapper = details[i];
      var shown = used.indexOf(fieldName(wrapper)) !== -1;
      wrapper.hidden = !shown;
      var inputs = wrapper.querySelectorAll("input, select, textarea");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !shown; }
    }
  }

  kind.addEventListener("change", update);
  update();
})();
