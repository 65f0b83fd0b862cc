// Ask before leaving an answer's form with changes that are not saved yet (closing the tab, a link,
// another form's button). Saving or submitting through the form itself never asks. Without this
// script nothing breaks: the server keeps every save and shows edit conflicts itself.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("article_form");
  if (!form) {
    return;
  }
  var unsaved = false;
  function changed() {
    unsaved = true;
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    unsaved = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when a value is set
    }
  });
});
