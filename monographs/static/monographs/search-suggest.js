// Suggestions as the reader types, on every search box that names its source (data-suggest):
// drugs, conditions and answers from /search/suggest/. Progressive enhancement: without this
// script the box is a plain search form. It follows the ARIA combobox pattern (list autocomplete):
// arrow keys move through the list, Enter opens the chosen page, Escape closes the list; a status
// line tells screen readers how many suggestions there are. Text is set as text, never as HTML.
(function () {
  "use strict";
  var KINDS = { drug: "Drug", condition: "Condition", answer: "Answer" };
  var WAIT_MS = 150;

  function enhance(input, number) {
    var form = input.form;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var timer = null;
    var request = null;
    var options = [];
    var active = -1;

    list.id = listId;
    list.className = "search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.classList.add("has-suggestions");
    input.insertAdjacentElement("afterend", list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function show(results) {
      list.textContent = "";
      options = results.map(function (result, i) {
        var option = document.createElement("li");
        var kind = document.createElement("span");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = result.url;
        kind.className = "suggestion-kind";
        kind.textContent = (KINDS[result.kind] || "") + ": ";
        option.appendChild(kind);
        option.appendChild(document.createTextNode(result.label));
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box until the page changes
          window.location.assign(result.url);
        });
        list.appendChild(option);
        return option;
      });
      status.textContent = results.length
        ? results.length + (results.length === 1 ? " suggestion" : " suggestions") + ": use the up and down arrows to choose."
        : "";
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        choose(-1);
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var typed = input.value.trim();
      if (request) {
        request.abort();
      }
      if (typed.length < 2) {
        show([]);
        return;
      }
      request = new AbortController();
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(typed), {
        headers: { Accept: "application/json" },
        signal: request.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { q: typed, results: [] };
        })
        .then(function (data) {
          if (data.q === typed || data.q === typed.replace(/\s+/g, " ")) {
            show(data.results || []);
          }
        })
        .catch(function () {}); // aborted, or offline: the form still works
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, WAIT_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown" && open) {
        event.preventDefault();
        choose(active + 1 < options.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        choose(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        window.location.assign(options[active].dataset.url);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), enhance);
})();
