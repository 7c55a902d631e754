// The admin's autocomplete boxes (Select2, e.g. "Coniuge" on a person's page) are drawn as a
// combobox next to the hidden <select>; Select2 names the combobox after the chosen value only, so
// an empty box has no name for a screen reader (axe-core: aria-input-field-name). Name it after
// the <select>'s own label as well, on page load and on every inline row added later.
"use strict";
(function () {
  let counter = 0;

  function labelId(select) {
    const label = select.labels && select.labels[0];
    if (!label) return null;
    if (!label.id) label.id = "autocomplete-label-" + ++counter;
    return label.id;
  }

  function nameBoxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const box = select.parentElement.querySelector(".select2-selection[role=combobox]");
      const id = box && labelId(select);
      if (!id) return;
      const shown = box.querySelector(".select2-selection__rendered");
      if (shown && shown.id) {
        box.setAttribute("aria-labelledby", id + " " + shown.id);
        shown.setAttribute("aria-labelledby", id);
      } else {
        box.setAttribute("aria-labelledby", id);
      }
    });
  }

  // The admin's autocomplete.js draws the boxes in a jQuery "ready" handler, which jQuery runs
  // asynchronously (possibly after "load"); a handler registered after it runs after it.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(function () { nameBoxes(document); });
  }
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () { nameBoxes(event.target); });
  });
})();
