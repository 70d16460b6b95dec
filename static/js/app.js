// Criterion's small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  // Confirm destructive actions: <form data-confirm="Are you sure?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
  // Disable a submit button once pressed so a double click posts once.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    var buttons = event.target.querySelectorAll("button[type=submit][data-once]");
    buttons.forEach(function (button) { setTimeout(function () { button.disabled = true; }, 0); });
  });
})();
