/*
 * The query page of `nanokg serve`: YASGUI against this server's /sparql, the named queries one
 * click away, and autocompletion fed from our own ontology. The named queries are listed by a
 * SPARQL query of the endpoint itself: the graph publishes its catalogue as SHACL SPARQL
 * executables (the SIB sparql-examples convention), so the page shows what any SPARQL user finds.
 *
 * Everything is asked of the server that sent the page (URLs relative to it). YASGUI would
 * otherwise call other hosts: its property and class autocompleters ask LOV
 * (lov.linkeddata.es), its endpoint catalogue offers DBpedia and Wikidata, its default endpoint
 * is DBpedia; each is replaced below. (The prefix autocompleter of @zazuko/yasgui 4.6 uses a
 * bundled prefix.cc list unless `prefixCcApi` is set; we give it our prefixes instead, since its
 * list maps e.g. `product:` and `event:` to other vocabularies.)
 *
 * A first visitor sees results without clicking: the page loads DEFAULT_QUERY into YASGUI's
 * fresh tab and runs it, as a click on it in the list would. The results table starts in YASR's
 * own "Simple view" with "Ellipse" off (both stay switches above the table), so a typed literal
 * shows as its value (`"2"^^xsd:integer` reads 2) and a long cell wraps instead of being cut.
 */
"use strict";

(function () {
  const here = (path) => new URL(path, document.baseURI).href;
  const ENDPOINT = here("sparql");
  const SUGGESTIONS = 100;
  // run on a first visit: a typed number (stageRank), a long label (the ligand), IRIs, and the panel
  // above the editor describing a named query with its parameter
  const DEFAULT_QUERY = "products-by-target";
  const STARTER_QUERY = [
    "SELECT ?product ?name WHERE {",
    "  ?product a nkg:Nanomedicine ;",
    "           rdfs:label ?name .",
    "}",
    "ORDER BY ?name",
    "LIMIT 100",
  ].join("\n");

  // The named queries as the graph publishes them (nanokg.query_examples): SHACL SPARQL
  // executables, the SIB sparql-examples convention. One row per query, per keyword and per
  // parameter; catalogueFromRows folds them back into one object per query.
  const CATALOGUE_QUERY = `PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?query ?name ?title ?comment ?select ?example ?keyword ?parameterName ?order ?parameterDescription ?default
WHERE {
  ?query a sh:SPARQLSelectExecutable ;
         sh:select ?select .
  OPTIONAL { ?query dcterms:identifier ?name }
  OPTIONAL { ?query dcterms:title ?title }
  OPTIONAL { ?query rdfs:comment ?comment }
  OPTIONAL { ?query skos:example ?example }
  { ?query schema:keywords ?keyword }
  UNION
  {
    ?query sh:parameter ?parameter .
    ?parameter sh:name ?parameterName .
    OPTIONAL { ?parameter sh:order ?order }
    OPTIONAL { ?parameter sh:description ?parameterDescription }
    OPTIONAL { ?parameter sh:defaultValue ?default }
  }
  UNION
  {}
}
ORDER BY ?query ?order`;

  async function getJson(path) {
    const response = await fetch(here(path), { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "className") node.className = value;
      else if (name.startsWith("data-")) node.setAttribute(name, value);
      else node[name] = value;
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /** SPARQL results (JSON) of a SELECT sent to this server's endpoint as a form POST. */
  async function select(query) {
    const response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { Accept: "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query }),
    });
    if (!response.ok) throw new Error(`the catalogue query: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()).results.bindings;
  }

  /** The named queries ({name, summary, description, tags, parameters, example, query}) from CATALOGUE_QUERY's rows. */
  function catalogueFromRows(rows) {
    const byIri = new Map();
    for (const row of rows) {
      const iri = row.query.value;
      if (!byIri.has(iri)) {
        byIri.set(iri, {
          name: row.name ? row.name.value : iri.replace(/^.*[/#]/, ""),
          summary: row.title ? row.title.value : "",
          description: row.comment ? row.comment.value : "",
          example: row.example ? row.example.value : "",
          query: row.select.value,
          tags: [],
          parameters: [],
        });
      }
      const entry = byIri.get(iri);
      if (row.keyword && !entry.tags.includes(row.keyword.value)) entry.tags.push(row.keyword.value);
      if (row.parameterName && !entry.parameters.some((p) => p.name === row.parameterName.value)) {
        entry.parameters.push({
          name: row.parameterName.value,
          description: row.parameterDescription ? row.parameterDescription.value : "",
          default: row.default ? row.default.value : null,
        });
      }
    }
    return [...byIri.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---------------------------------------------------------------- vocabulary and completion

  /** Longest-namespace-first compaction of an IRI with the given prefixes (null if none fits). */
  function compact(iri, prefixes) {
    let best = null;
    for (const [prefix, namespace] of Object.entries(prefixes)) {
      if (iri.startsWith(namespace) && (!best || namespace.length > best[1].length)) best = [prefix, namespace];
    }
    return best ? `${best[0]}:${iri.slice(best[1].length)}` : null;
  }

  /** The IRI a (possibly partial) prefixed name or <IRI> stands for, through the given prefixes. */
  function expand(text, prefixes) {
    if (text.startsWith("<")) return text.replace(/^<|>$/g, "");
    const colon = text.indexOf(":");
    if (colon < 0) return null;
    const namespace = prefixes[text.slice(0, colon)];
    return namespace === undefined ? null : namespace + text.slice(colon + 1);
  }

  /**
   * A YASQE completer (same name as the one it replaces) over our own terms instead of LOV.
   * YASQE calls get() with the token under the cursor, already expanded by the stock
   * preProcessToken where the query declares its prefix; we also expand through our prefixes,
   * so `nkg:has` completes before `PREFIX nkg:` is written (the prefix completer then adds it).
   */
  function termCompleter(stock, terms, prefixes) {
    const byIri = new Map(terms.map((term) => [term.iri, term]));
    const sorted = [...terms].sort((a, b) => a.curie.localeCompare(b.curie));
    const known = (yasqe) => ({ ...prefixes, ...yasqe.getPrefixesFromQuery() });
    return {
      ...stock,
      bulk: false,
      autoShow: true, // the suggestions are local: no reason to wait for Ctrl-Space
      persistenceId: null,
      get(yasqe, token) {
        const typed = (token && token.string ? token.string : "").trim();
        if (!typed) return [];
        const start = expand(typed, known(yasqe));
        let found = start === null ? [] : sorted.filter((term) => term.iri.startsWith(start));
        if (!found.length) {
          // nothing starts so: look in labels and local names (`nkg:payload` finds nkg:hasPayload)
          const colon = typed.startsWith("<") ? -1 : typed.indexOf(":");
          const namespace = colon >= 0 ? known(yasqe)[typed.slice(0, colon)] : undefined;
          const needle = typed.slice(colon + 1).replace(/^<|>$/g, "").toLowerCase();
          if (needle) {
            found = sorted.filter(
              (term) =>
                (namespace === undefined || term.iri.startsWith(namespace)) &&
                (term.curie.toLowerCase().includes(needle) || (term.label || "").toLowerCase().includes(needle)),
            );
          }
        }
        return found.slice(0, SUGGESTIONS).map((term) => term.iri);
      },
      postProcessSuggestion(yasqe, token, iri) {
        return compact(iri, yasqe.getPrefixesFromQuery()) || compact(iri, prefixes) || `<${iri}>`;
      },
      postprocessHints(yasqe, hints) {
        const all = known(yasqe);
        return hints.map((hint) => {
          const term = byIri.get(expand(hint.text, all));
          if (!term || !term.label) return hint;
          return {
            ...hint,
            render(node) {
              node.append(
                element("span", { className: "hint-name" }, hint.text),
                element("span", { className: "hint-label" }, term.label),
              );
            },
          };
        });
      },
    };
  }

  function configureAutocompletion(Yasqe, prefixes, terms) {
    const stock = Yasqe.Autocompleters;
    // bulk completer over a fixed list: no fetch, and no copy cached in localStorage
    Yasqe.registerAutocompleter({
      ...stock.prefixes,
      get: Object.entries(prefixes)
        .map(([prefix, namespace]) => `${prefix}: <${namespace}>`)
        .sort(),
      persistenceId: null,
    });
    Yasqe.registerAutocompleter(termCompleter(stock.property, terms.filter((t) => t.kind !== "class"), prefixes));
    Yasqe.registerAutocompleter(termCompleter(stock.class, terms.filter((t) => t.kind === "class"), prefixes));
  }

  // ---------------------------------------------------------------- YASGUI

  /** The query a new tab starts with: STARTER_QUERY with the prefixes it uses declared. */
  function starterText(prefixes) {
    const declarations = ["nkg", "rdfs"]
      .filter((prefix) => prefix in prefixes)
      .map((prefix) => `PREFIX ${prefix}: <${prefixes[prefix]}>`);
    return [...declarations, "", STARTER_QUERY].join("\n");
  }

  /**
   * How YASR's table plugin draws a tab's results until its user flips the switches above the
   * table (a tab keeps what its user chose): `compact` ("Simple view") shows a literal as its
   * lexical form (the number 2, not "2"^^xsd:integer; a date, boolean or decimal as written; a label
   * without its language tag), an IRI compacted with our prefixes or in full, and leaves out
   * the row-number column; `isEllipsed: false` ("Ellipse" off) lets a long cell wrap (page.css
   * breaks it between words) instead of cutting it to "human tra...". YASR merges these
   * defaults into every tab's stored table settings (Yasr.defaults.plugins.table.dynamicConfig).
   */
  function configureResultsTable(Yasr) {
    const table = Yasr.defaults.plugins.table;
    table.dynamicConfig = { ...table.dynamicConfig, compact: true, isEllipsed: false };
    // YASR hands tableConfig to DataTables, which calls headerCallback as it draws the header,
    // before YASR measures the columns and fixes their widths. Without autoWidth the browser's own
    // table layout sizes the columns to the width there is (DataTables' estimate, from each
    // column's longest text, comes out wider than the box as soon as a cell must wrap).
    const tableConfig = Yasr.plugins.table.defaults.tableConfig;
    tableConfig.headerCallback = breakableTitles;
    tableConfig.autoWidth = false;
  }

  /**
   * Where a column title may wrap: before each capital of a camelCase variable and after each
   * underscore (stage|Rank, termination|Reason, size_|nm_|max), so a narrow column breaks its
   * title between words rather than inside one. `row` is the header row DataTables passes.
   */
  function breakableTitles(row) {
    for (const title of row.querySelectorAll(".dt-column-title")) {
      if (title.querySelector("wbr")) continue; // DataTables calls this on every draw
      const parts = title.textContent.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=_)(?=.)/);
      if (parts.length > 1) title.replaceChildren(...parts.flatMap((part, i) => (i ? [element("wbr"), part] : [part])));
    }
  }

  function startYasgui(prefixes) {
    configureResultsTable(Yasgui.Yasr);
    // corsProxy and yasqe.createShortLink (a URL shortener) are off by default and stay off
    return new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: ENDPOINT, method: "POST" }, // form-encoded POST
      // the endpoint field offers this server only (the stock list is DBpedia and Wikidata)
      endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }] },
      yasqe: {
        value: starterText(prefixes),
        prefixCcApi: null,
        editorHeight: "320px",
      },
      yasr: { defaultPlugin: "table", prefixes }, // IRIs in the table compacted with our prefixes
    });
  }

  // ---------------------------------------------------------------- named queries

  /**
   * The query without its leading comments: the `#+` header (the panel above the editor shows title,
   * question, parameters) and the notes on the query's form that follow it in the file (for maintainers).
   */
  function withoutHeader(text) {
    return text.replace(/^(?:#[^\n]*\n)+\s*/, "");
  }

  function describeQuery(query, prefixes) {
    document.getElementById("query-about").hidden = !query;
    if (!query) return;
    document.getElementById("query-title").textContent = query.summary || query.name;
    document.getElementById("query-description").textContent = query.description || "";
    const parameters = document.getElementById("query-parameters");
    parameters.replaceChildren();
    for (const parameter of query.parameters || []) {
      const value =
        parameter.default == null ? "(no default: edit the query)" : compact(String(parameter.default), prefixes) || String(parameter.default);
      parameters.append(
        element("dt", {}, element("code", {}, parameter.name)),
        element("dd", {}, value, parameter.description ? element("span", { className: "parameter-description" }, ` · ${parameter.description}`) : null),
      );
    }
    document.getElementById("query-cli").textContent = query.example || `nanokg query ${query.name}`;
  }

  /** Load a named query into the selected tab and run it; resolves when its answer has come (or failed). */
  function runNamedQuery(yasgui, prefixes, query, button) {
    for (const other of document.querySelectorAll("#query-list button[aria-current]")) other.removeAttribute("aria-current");
    button.setAttribute("aria-current", "true");
    describeQuery(query, prefixes);
    const tab = yasgui.getTab();
    tab.setName(query.name);
    tab.setQuery(withoutHeader(query.query));
    return tab.query().catch(() => {}); // YASR shows the error
  }

  function listQueries(yasgui, prefixes, queries) {
    const list = document.getElementById("query-list");
    const filter = document.getElementById("query-filter");
    const status = document.getElementById("queries-status");
    const items = queries.map((query) => {
      const button = element(
        "button",
        { type: "button", className: "named-query", "data-query": query.name, title: query.description || "" },
        element("span", { className: "query-summary" }, query.summary || query.name),
        element("span", { className: "query-name" }, query.name),
      );
      button.addEventListener("click", () => runNamedQuery(yasgui, prefixes, query, button));
      const haystack = [query.name, query.summary, query.description, ...(query.tags || [])].join(" ").toLowerCase();
      return { item: element("li", {}, button), haystack };
    });
    list.replaceChildren(...items.map(({ item }) => item));
    const update = () => {
      const needle = filter.value.trim().toLowerCase();
      let shown = 0;
      for (const { item, haystack } of items) {
        item.hidden = Boolean(needle) && !haystack.includes(needle);
        if (!item.hidden) shown += 1;
      }
      status.textContent = `${shown} of ${items.length} queries: click one to load and run it.`;
    };
    filter.addEventListener("input", update);
    update();
  }

  async function main() {
    document.getElementById("endpoint-url").textContent = ENDPOINT;
    const [rows, prefixes, terms] = await Promise.all([
      select(CATALOGUE_QUERY),
      getJson("api/prefixes"),
      getJson("api/terms"),
    ]);
    const queries = catalogueFromRows(rows);
    configureAutocompletion(Yasgui.Yasqe, prefixes, terms);
    const yasgui = startYasgui(prefixes);
    listQueries(yasgui, prefixes, queries);
    // the panel above the editor describes the named query the selected tab holds, if any
    const describeTab = (tab) => describeQuery(queries.find((query) => query.name === tab.getName()), prefixes);
    yasgui.on("tabSelect", (instance, tabId) => describeTab(instance.getTab(tabId)));
    yasgui.on("tabAdd", () => describeQuery(undefined, prefixes)); // YASGUI selects a new tab without tabSelect
    const tab = yasgui.getTab();
    const first = queries.find((query) => query.name === DEFAULT_QUERY);
    if (first && !tab.hasResults() && tab.getQuery() === starterText(prefixes)) {
      // the tab YASGUI made from our defaults (a first visit): show results without a click; the
      // page is ready once they came, so what it asks of the endpoint on its own is done by then
      await runNamedQuery(yasgui, prefixes, first, document.querySelector(`#query-list button[data-query="${first.name}"]`));
    } else {
      describeTab(tab); // a tab restored from an earlier visit, with its results if YASGUI kept them
    }
    window.nanokg = { yasgui, queries, prefixes, terms };
    document.body.dataset.ready = "true";
  }

  main().catch((error) => {
    const status = document.getElementById("queries-status");
    status.textContent = `The page could not start: ${error.message}`;
    status.classList.add("error");
    document.body.dataset.ready = "error";
    console.error(error);
  });
})();
