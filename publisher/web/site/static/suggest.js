/* The search box's suggestions as one types: names from /search/suggest (a small JSON answer) fill the
 * box's <datalist>; picking one searches for that name, which then comes first. Without JavaScript the box
 * is a plain search form. Requests wait for a pause in typing and only the latest answer is shown. */
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-suggestions");
  if (!input || !list || !window.fetch) {
    return;
  }
  var timer = null;
  var latest = 0;

  function show(suggestions) {
    list.textContent = "";
    suggestions.forEach(function (s) {
      var option = document.createElement("option");
      option.value = s.label;
      option.label = s.kind;
      list.appendChild(option);
    });
  }

  function ask() {
    var phrase = input.value.trim();
    var asked = ++latest;
    if (phrase.length < 2) {
      show([]);
      return;
    }
    var url = new URL(input.getAttribute("data-suggest"), window.location.href);
    url.searchParams.set("q", phrase);
    fetch(url.href, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (answer) { if (asked === latest) { show(answer.suggestions || []); } })
      .catch(function () { show([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
})();
