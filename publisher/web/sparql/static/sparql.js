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
 *
 * Results read as names: the table starts in YASR's simple view (values without their language tags and
 * datatypes, which stay in the downloads), and IRIs of this dataset are shown by their labels, asked from
 * /search/labels a page of results at a time, with the IRI kept as the link's tooltip.
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
    simpleTable(editor.getTab().getYasr());
    return editor;
  }

  function simpleTable(yasr) {
    // YASR keeps a plugin's settings per tab; the table's "simple view" shows values without their tags
    var table = yasr && yasr.config.plugins && yasr.config.plugins.table;
    if (table) {
      table.dynamicConfig = Object.assign({}, table.dynamicConfig, { compact: true });
    }
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

  var labels = {}; // IRI -> {label, href}, or null while asked
  var LABELS_PER_REQUEST = 100;

  function applyLabel(link, named) {
    if (link.textContent !== named.label) {
      link.textContent = named.label;
    }
    if (named.href && link.getAttribute("href") !== named.href) {
      link.setAttribute("href", named.href);
    }
  }

  function askLabels(iris) {
    var url = new URL(config.webBase + "search/labels", window.location.href);
    iris.forEach(function (iri) { url.searchParams.append("iri", iri); });
    fetch(url.href, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (named) {
        Object.keys(named).forEach(function (iri) { labels[iri] = named[iri]; });
        labelLinks();
      })
      .catch(function () {});
  }

  function labelLinks() {
    var wanted = [];
    mount.querySelectorAll(".yasr a.iri").forEach(function (link) {
      var iri = link.getAttribute("data-iri") || link.getAttribute("href") || "";
      if (iri.indexOf(config.namespace) !== 0) {
        return;
      }
      if (!link.hasAttribute("data-iri")) {
        link.setAttribute("data-iri", iri);
        link.setAttribute("title", iri);
      }
      if (labels[iri]) {
        applyLabel(link, labels[iri]);
      } else if (!(iri in labels)) {
        labels[iri] = null;
        wanted.push(iri);
      }
    });
    for (var start = 0; start < wanted.length; start += LABELS_PER_REQUEST) {
      askLabels(wanted.slice(start, start + LABELS_PER_REQUEST));
    }
  }

  function watchResults() {
    var pending = null;
    new MutationObserver(function () {
      clearTimeout(pending);
      pending = setTimeout(labelLinks, 50);
    }).observe(mount, { childList: true, subtree: true });
  }

  yasgui = startEditor();
  if (yasgui && window.MutationObserver && window.fetch) {
    watchResults();
  }
  document.addEventListener("click", onExampleClick);
  form.addEventListener("submit", function () { textarea.value = currentQuery(); });
  if (mount) {
    ["pointerdown", "focusin", "click"].forEach(function (type) {
      mount.addEventListener(type, rewriteLink, true);
    });
  }
})();
