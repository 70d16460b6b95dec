// Practice session keys: Space shows the answer, 1-4 grade the card. The page works
// without this file (the answer is a <details>, the grades a plain form).
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var answer = document.getElementById("practice-answer");
    if (!answer) return;
    if (event.key === " " || event.key === "Spacebar") {
      if (event.target && event.target.tagName === "BUTTON") return;
      event.preventDefault();
      if (!answer.open) {
        answer.open = true;
        var first = answer.querySelector("[data-grade='3']");
        if (first) first.focus();
      }
      return;
    }
    if (/^[1-4]$/.test(event.key) && answer.open) {
      var button = answer.querySelector("[data-grade='" + event.key + "']");
      if (button && !button.disabled) {
        event.preventDefault();
        button.click();
      }
    }
  });
  // After htmx swaps in the next card, move focus to it so screen readers announce it.
  document.body.addEventListener("htmx:afterSettle", function () {
    var heading = document.getElementById("card-front") || document.getElementById("summary-heading");
    if (heading) heading.focus();
  });
})();
