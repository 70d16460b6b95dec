// Portfolio enhancements: the upload progress bar. The upload form works without it.
(function () {
  "use strict";
  document.body.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("#upload-form") : null;
    if (!form || !event.detail.lengthComputable) return;
    var wrapper = form.querySelector("#upload-progress");
    if (!wrapper) return;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    wrapper.classList.remove("d-none");
    wrapper.setAttribute("aria-valuenow", String(percent));
    wrapper.querySelector(".progress-bar").style.width = percent + "%";
  });
})();
