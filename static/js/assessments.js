// Marking screen enhancements. The page works without this file.
(function () {
  "use strict";
  var points = Array.prototype.slice.call(document.querySelectorAll("[data-point]"));

  function currentIndex() {
    var active = document.activeElement;
    for (var i = 0; i < points.length; i++) {
      if (points[i] === active || points[i].contains(active)) return i;
    }
    return -1;
  }

  function focusPoint(index) {
    if (index < 0 || index >= points.length) return;
    points[index].focus();
    points[index].scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // Alt+Down / Alt+Up move between marking points; 0, 1, 2 set the judgement
  // when focus is on a point (not while typing in a text box).
  document.addEventListener("keydown", function (event) {
    if (!points.length) return;
    var index = currentIndex();
    if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      focusPoint(index + (event.key === "ArrowDown" ? 1 : -1) + (index < 0 && event.key === "ArrowDown" ? 0 : 0));
      if (index < 0) focusPoint(0);
      return;
    }
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (index >= 0 && ["0", "1", "2"].indexOf(event.key) >= 0 && tag !== "TEXTAREA" && tag !== "SELECT") {
      var radio = points[index].querySelector('input[type=radio][value="' + event.key + '"]');
      if (radio && !radio.disabled) {
        event.preventDefault();
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  // Running total as judgements change.
  var total = document.getElementById("marking-total");
  function updateTotal() {
    if (!total) return;
    var sum = 0;
    document.querySelectorAll("[data-point] input[type=radio]:checked").forEach(function (r) {
      sum += parseInt(r.value, 10) || 0;
    });
    var max = parseInt(total.dataset.max, 10) || 0;
    var pct = max ? Math.round((100 * sum) / max) : 0;
    total.textContent = "Score so far: " + sum + " of " + max + " (" + pct + "%)";
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-point] input[type=radio]")) updateTotal();
    // Comment bank: append the chosen comment to the point's comment box.
    if (event.target.matches && event.target.matches("select[data-bank-for]")) {
      var box = document.getElementById(event.target.dataset.bankFor);
      if (box && event.target.value) {
        box.value = box.value ? box.value + " " + event.target.value : event.target.value;
        box.dispatchEvent(new Event("input", { bubbles: true }));
      }
      event.target.value = "";
    }
  });
  updateTotal();

  // Selecting text in a log fills the "comment on passage" form.
  document.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    var node = selection.anchorNode;
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var log = element && element.closest("[data-anchor-evidence]");
    if (!log) return;
    var quote = document.getElementById("anchor-quote");
    var evidence = document.getElementById("anchor-evidence");
    if (!quote || !evidence) return;
    quote.value = selection.toString().replace(/\s+/g, " ").trim();
    evidence.value = log.dataset.anchorEvidence;
  });
})();

// A button press while an autosave is in flight waits for it, so the submitted
// version number is the one the autosave just produced (not a false conflict).
(function () {
  "use strict";
  var form = document.getElementById("marking-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    if (!form.classList.contains("htmx-request")) return;
    event.preventDefault();
    var submitter = event.submitter;
    form.addEventListener("htmx:afterRequest", function () {
      if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
    }, { once: true });
  });
})();
