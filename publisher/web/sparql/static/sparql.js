/* The query page's behaviour (templates/sparql.html).
 *
 * Progressive enhancement: the page is a working <form> without this file. When the vendored YASGUI is
 * loaded (window.Yasgui), it replaces the textarea and queries the page's own /sparql; the form stays as
 * the "download the answer" tool, fed with the editor's current query on submit. Example buttons load a
 * competency question into whichever editor is showing.
 *
 * Entity links: result tables link IRIs as written ({namespace}id/...), but the server answers them at
 * {webBase}id/...; when the two differ (a local server, a staging host), links are rewritten just before
 * they are followed (pointer down, keyboard focus), which covers click, middle-click and "open in new tab".
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("sparql-page-config").textContent);
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query-text");
  var mount = document.getElementById("yasgui");
  var yasgui = null;

  function endpointUrl() {
    return new URL(config.endpoint, window.location.href).href;
  }

  function startEditor() {
    if (typeof window.Yasgui !== "function" || !mount) {
      return null;
    }
    mount.hidden = false;
    textarea.hidden = true;
    var label = form.querySelector('label[for="query-text"]');
    if (label) {
      label.hidden = true;
    }
    var endpoint = endpointUrl();
    var editor = new window.Yasgui(mount, {
      persistenceId: null, // always this endpoint and the starter query, never a stale stored tab
      copyEndpointOnNewTab: true,
      requestConfig: { endpoint: endpoint, method: "POST" },
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: { value: textarea.value, autocompleters: ["prefixes", "variables"] }, // no remote lookups
      yasr: { prefixes: config.prefixes }
    });
    editor.getTab().setEndpoint(endpoint);
    return editor;
  }

  function currentQuery() {
    return yasgui ? yasgui.getTab().getQuery() : textarea.value;
  }

  function loadQuery(text) {
    textarea.value = text;
    if (yasgui) {
      yasgui.getTab().setQuery(text);
    }
    (yasgui ? mount : textarea).scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function onExampleClick(event) {
    var button = event.target.closest("button.load-example");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-target"));
    if (source) {
      loadQuery(source.textContent);
    }
  }

  function servedHref(href) {
    if (!href || config.webBase === config.namespace || href.indexOf(config.namespace) !== 0) {
      return null;
    }
    return config.webBase + href.slice(config.namespace.length);
  }

  function rewriteLink(event) {
    var link = event.target.closest && event.target.closest("a[href]");
    var served = link && servedHref(link.getAttribute("href"));
    if (served) {
      link.setAttribute("href", served);
    }
  }

  yasgui = startEditor();
  document.addEventListener("click", onExampleClick);
  form.addEventListener("submit", function () { textarea.value = currentQuery(); });
  if (mount) {
    ["pointerdown", "focusin", "click"].forEach(function (type) {
      mount.addEventListener(type, rewriteLink, true);
    });
  }
})();
