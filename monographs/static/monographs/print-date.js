// The date a page is printed, for the printout's footer ("Printed from … on …"): the page itself may
// have come from a cache, so the server cannot write it. Without this script the footer gives the address only.
(function () {
  "use strict";
  function stamp() {
    var now = new Date();
    document.querySelectorAll("[data-printed-on]").forEach(function (line) {
      line.querySelector("span").textContent =
        now.toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric" });
      line.hidden = false;
    });
  }
  stamp();
  window.addEventListener("beforeprint", stamp);
})();
