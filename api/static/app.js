// paperkg web page: search, explanations, star/thumbs-down seeds driving /recommend, entity pages, graph view.
// Plain JS, no build step. Every text from the API goes through textContent (never innerHTML).
"use strict";

const SEEDS_KEY = "paperkg.seeds";
const PAGE = 10;
// extension points for the page's other scripts (collections.js, ...): extra buttons on every result card
// (functions of the result returning a node or null) and extra hash routes ({prefix, view(path, params)})
const cardHooks = [];
const routeHooks = [];

// ---------------------------------------------------------------------------------------------- helpers
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    const detail = body && body.detail;
    const text = Array.isArray(detail)
      ? detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ")
      : String(detail || (body && body.error) || "request failed");
    super(text);
    this.status = status;
    this.kind = body && body.error;
  }
  // a route that does not exist on this server (graph features not installed yet) or a graph not built
  get unavailable() {
    return (this.status === 404 && this.kind === "not_found") || this.status === 503 || this.status === 405;
  }
}

async function api(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new ApiError(0, { detail: `server unreachable (${err.message})` });
  }
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = { detail: `HTTP ${response.status}` };
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

const enc = encodeURIComponent;
const view = () => document.getElementById("view");

// replaceChildren() would print null children as "null" (e.g. a paper without a DOI): drop them, as el() does
function fill(parent, ...children) {
  parent.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return parent;
}

function show(...nodes) {
  const v = view();
  v.className = "";
  return fill(v, ...nodes);
}

function notice(text, error) {
  return el("div", { class: error ? "notice error" : "notice", role: error ? "alert" : "status" }, text);
}

function failure(err, what) {
  if (err instanceof ApiError && err.unavailable) {
    return notice(`${what} is not available on this server: ${err.message}`, false);
  }
  return notice(`${what} failed: ${err.message}`, true);
}

function isArxiv(id) {
  return /^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?\/\d{7})$/.test(id);
}

function shortAuthors(authors) {
  if (!authors || !authors.length) return "";
  return authors.length > 5 ? `${authors.slice(0, 5).join(", ")} et al.` : authors.join(", ");
}

function snippet(text, n = 320) {
  if (!text) return "";
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > n ? `${t.slice(0, n).replace(/\s\S*$/, "")} …` : t;
}

// ---------------------------------------------------------------------------------------------- seeds
function loadSeeds() {
  try {
    const s = JSON.parse(localStorage.getItem(SEEDS_KEY) || "{}");
    return { pos: s.pos || {}, neg: s.neg || {} };
  } catch (_) {
    return { pos: {}, neg: {} };
  }
}

function saveSeeds(seeds) {
  localStorage.setItem(SEEDS_KEY, JSON.stringify(seeds));
  updateSeedCount();
}

function updateSeedCount() {
  const s = loadSeeds();
  const n = Object.keys(s.pos).length;
  const m = Object.keys(s.neg).length;
  document.getElementById("seed-count").textContent = n || m ? `(★${n} · ✗${m})` : "";
}

// star or thumbs-down a paper; pressing again removes it. A paper is never both.
function toggleSeed(kind, id, title) {
  const s = loadSeeds();
  const other = kind === "pos" ? "neg" : "pos";
  if (s[kind][id]) delete s[kind][id];
  else {
    s[kind][id] = title || id;
    delete s[other][id];
  }
  saveSeeds(s);
  return s;
}

// ---------------------------------------------------------------------------------------------- results
function whyBox(why) {
  const rows = [];
  for (const [k, v] of Object.entries(why || {})) {
    if (v === null || v === undefined) continue;
    if (Array.isArray(v) && !v.length) continue;
    if (typeof v === "object" && !Array.isArray(v) && !Object.keys(v).length) continue;
    let shown;
    if (Array.isArray(v) && v.length && typeof v[0] === "object") {
      shown = v.map((x) => x.name || x.id || JSON.stringify(x)).join(", ");
    } else if (Array.isArray(v)) shown = v.join(v[0] && String(v[0]).includes("-") ? " → " : ", ");
    else if (typeof v === "object") {
      shown = Object.entries(v).map(([a, b]) => `${a}: ${b}`).join(" · ");
    } else shown = String(v);
    rows.push(el("tr", {}, el("td", { class: "key" }, k.replace(/_/g, " ")), el("td", {}, shown)));
  }
  return el(
    "div",
    { class: "why" },
    el("table", {}, rows),
    el("details", {}, el("summary", {}, "JSON"), el("pre", {}, JSON.stringify(why, null, 2))),
  );
}

// Search hits show their raw cosine and BM25 scores, which compare across queries; the fused score is min-max
// scaled per query (the top hit is always near 1, however weak), so it only orders the list. Recommendations
// show their own score.
function scoreText(r) {
  const w = r.why;
  if (w && (typeof w.dense_cosine === "number" || typeof w.bm25 === "number")) {
    const parts = [];
    if (typeof w.dense_cosine === "number") parts.push(`cosine ${w.dense_cosine.toFixed(3)}`);
    if (typeof w.bm25 === "number") parts.push(`BM25 ${w.bm25.toFixed(2)}`);
    return parts.join(" · ");
  }
  return typeof r.score === "number" ? `score ${r.score.toFixed(3)}` : "";
}

// one result card; `r` is a search hit ({rank, id, title, authors, ..., why}) or a recommendation
// ({id, title, score, explanation}); missing fields are simply not shown
function resultCard(r, opts = {}) {
  const seeds = loadSeeds();
  const why = r.why || r.explanation;
  const whyHolder = el("div");
  const star = el(
    "button",
    { class: seeds.pos[r.id] ? "star on" : "star", title: "star: recommend more like this", "aria-pressed": String(!!seeds.pos[r.id]) },
    "★ star",
  );
  const neg = el(
    "button",
    { class: seeds.neg[r.id] ? "neg on" : "neg", title: "thumbs down: fewer like this", "aria-pressed": String(!!seeds.neg[r.id]) },
    "✗ less",
  );
  const refresh = (s) => {
    star.className = s.pos[r.id] ? "star on" : "star";
    neg.className = s.neg[r.id] ? "neg on" : "neg";
    star.setAttribute("aria-pressed", String(!!s.pos[r.id]));
    neg.setAttribute("aria-pressed", String(!!s.neg[r.id]));
    if (opts.onSeedChange) opts.onSeedChange();
  };
  star.addEventListener("click", () => refresh(toggleSeed("pos", r.id, r.title)));
  neg.addEventListener("click", () => refresh(toggleSeed("neg", r.id, r.title)));
  const whyButton = el("button", { class: "why-button", title: "why this result" }, "why");
  whyButton.addEventListener("click", () => {
    if (whyHolder.firstChild) whyHolder.replaceChildren();
    else whyHolder.append(whyBox(why));
  });
  const date = r.submitted || (r.year ? String(r.year) : "");
  // DOM append() would print null children as "null": go through el()'s filtering
  const parts = [
    el(
      "div",
      { class: "title" },
      r.rank ? el("span", { class: "rank" }, `${r.rank}.`) : null,
      el("a", { href: `#/paper/${enc(r.id)}`, class: "open" }, r.title || r.id),
    ),
    el(
      "div",
      { class: "meta" },
      [shortAuthors(r.authors), date, r.id].filter(Boolean).join(" · "),
      " ",
      isArxiv(r.id) ? el("a", { href: `https://arxiv.org/abs/${r.id}`, target: "_blank", rel: "noopener" }, "arXiv") : null,
      scoreText(r) ? el("span", { class: "score" }, ` · ${scoreText(r)}`) : null,
    ),
    r.categories && r.categories.length ? el("div", { class: "cats" }, r.categories.map((c) => el("span", {}, c))) : null,
    r.abstract ? el("div", { class: "snippet" }, snippet(r.abstract)) : null,
    el(
      "div",
      { class: "actions" },
      star,
      neg,
      el("button", { class: "similar", onclick: () => go(`#/similar/${enc(r.id)}`) }, "similar"),
      el("button", { class: "related", onclick: () => go(`#/related/${enc(r.id)}`) }, "related (graph)"),
      el("button", { class: "graph", onclick: () => go(`#/graph/${enc(r.id)}`) }, "graph"),
      why ? whyButton : null,
      cardHooks.map((hook) => hook(r, opts)),
    ),
    whyHolder,
  ];
  return el("article", { class: "result", "data-id": r.id }, parts);
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// ---------------------------------------------------------------------------------------------- views
async function searchView(params) {
  const q = params.get("q") || "";
  const mode = params.get("mode") || "hybrid";
  const category = params.get("category") || "";
  const since = params.get("since") || "";
  document.getElementById("q").value = q;
  document.getElementById("mode").value = mode;
  document.getElementById("category").value = category;
  document.getElementById("since").value = since;
  if (!q.trim()) {
    show(
      el("h1", {}, "Search papers"),
      el("p", { class: "muted" }, "Type a query above. Star papers you like and thumbs-down the others: "
        + "the Recommendations page turns those seeds into suggestions, refined turn by turn."),
    );
    return;
  }
  const list = el("div", { id: "results" });
  const status = el("p", { class: "muted" }, "Searching…");
  const more = el("div", { class: "more" });
  show(el("h1", {}, `Results for “${q}”`), status, list, more);
  const load = async (offset) => {
    const url = new URLSearchParams({ q, mode, k: String(PAGE), offset: String(offset) });
    if (category) url.set("category", category);
    if (since) url.set("since", since);
    try {
      const body = await api(`/search?${url}`);
      status.textContent = offset === 0 && !body.results.length
        ? "No results." : `${mode} retrieval${category ? ` · ${category}` : ""}${since ? ` · since ${since}` : ""}`;
      body.results.forEach((r) => list.append(resultCard(r)));
      more.replaceChildren(
        body.next_offset !== null && body.next_offset !== undefined
          ? el("button", { onclick: () => load(body.next_offset) }, "More results")
          : "",
      );
    } catch (err) {
      status.replaceWith(failure(err, "Search"));
    }
  };
  await load(0);
}

async function paperView(id) {
  show(el("p", { class: "muted" }, "Loading…"));
  let p;
  try {
    p = await api(`/papers/${enc(id)}`);
  } catch (err) {
    show(failure(err, "Opening the paper"));
    return;
  }
  const top = resultCard({ ...p, abstract: null });
  const sections = el("div");
  show(
    el("h1", { id: "paper-title" }, p.title),
    top,
    el("h2", {}, "Abstract"),
    el("div", { class: "abstract" }, p.abstract || "(no abstract)"),
    p.doi ? el("p", {}, "DOI ", el("a", { href: `https://doi.org/${p.doi}`, target: "_blank", rel: "noopener" }, p.doi)) : null,
    sections,
  );
  sections.append(el("h2", {}, "Similar papers (vector)"));
  await listInto(sections, `/papers/${enc(id)}/similar?k=5`, "Similar papers");
  sections.append(el("h2", {}, "Related papers (graph)"));
  await listInto(sections, `/papers/${enc(id)}/related?k=5`, "Graph-related papers");
}

async function listInto(parent, url, what, opts) {
  const holder = el("div", {}, el("p", { class: "muted" }, "Loading…"));
  parent.append(holder);
  try {
    const body = await api(url, opts && opts.fetch);
    holder.replaceChildren(
      ...(body.results.length ? body.results.map((r) => resultCard(r, opts)) : [el("p", { class: "muted" }, "Nothing found.")]),
    );
    return body;
  } catch (err) {
    holder.replaceChildren(failure(err, what));
    return null;
  }
}

async function similarView(id, kind) {
  const graph = kind === "related";
  const v = show(
    el("h1", {}, graph ? "Related papers (graph)" : "Similar papers"),
    el("p", { class: "muted" }, graph ? "Shared entities, authors and citations, fused with vector neighbours, for "
      : "Nearest neighbours in embedding space of ", el("a", { href: `#/paper/${enc(id)}` }, id)),
  );
  await listInto(v, `/papers/${enc(id)}/${graph ? "related" : "similar"}?k=${PAGE}`, graph ? "Related papers" : "Similar papers");
}

async function recommendView() {
  const seeds = loadSeeds();
  const pos = Object.keys(seeds.pos);
  const neg = Object.keys(seeds.neg);
  const seedList = (kind, label) => el(
    "div",
    {},
    el("strong", {}, label),
    el("ul", {}, Object.entries(seeds[kind]).map(([id, title]) => el(
      "li",
      {},
      el("a", { href: `#/paper/${enc(id)}` }, title),
      el("button", { title: "remove", onclick: () => { toggleSeed(kind, id, title); recommendView(); } }, "remove"),
    ))),
  );
  const v = show(
    el("h1", {}, "Recommendations"),
    el("div", { class: "seeds" }, seedList("pos", `Starred (${pos.length})`), seedList("neg", `Thumbs down (${neg.length})`)),
    el("div", { class: "actions" },
      el("button", { class: "primary", id: "refresh-recs", onclick: () => recommendView() }, "Refresh"),
      el("button", { onclick: () => { saveSeeds({ pos: {}, neg: {} }); recommendView(); } }, "Clear seeds")),
  );
  if (!pos.length) {
    v.append(notice("Star a few papers in the search results (★) to get recommendations."));
    return;
  }
  v.append(el("h2", {}, "Papers for you"));
  const body = JSON.stringify({ positive: pos.slice(0, 50), negative: neg.slice(0, 50), k: PAGE });
  await listInto(v, "/recommend", "Recommendations", {
    fetch: { method: "POST", headers: { "Content-Type": "application/json" }, body },
  });
}

async function entitySearchView(q) {
  const v = show(el("h1", {}, `Entities matching “${q}”`));
  try {
    const body = await api(`/entities?q=${enc(q)}&k=30`);
    if (!body.results.length) v.append(el("p", { class: "muted" }, "No entity found."));
    v.append(el("ul", {}, body.results.map((e) => el(
      "li",
      {},
      el("a", { href: `#/entity/${enc(e.id)}` }, e.name),
      " ",
      el("span", { class: "tag" }, e.type),
      el("span", { class: "muted" }, ` ${e.paper_count} papers`),
    ))));
  } catch (err) {
    v.append(failure(err, "Entity search"));
  }
}

async function entityView(id) {
  show(el("p", { class: "muted" }, "Loading…"));
  let page;
  try {
    page = await api(`/entities/${enc(id)}`);
  } catch (err) {
    show(failure(err, "The entity page"));
    return;
  }
  const e = page.entity;
  const relations = Object.entries(page.related || {});
  show(
    el("h1", { id: "entity-name" }, e.name, " ", el("span", { class: "tag" }, e.type)),
    el("p", { class: "muted" }, `${e.paper_count} papers, ${e.mention_count} mentions`,
      e.aliases && e.aliases.length ? ` · also written ${e.aliases.join(", ")}` : ""),
    el("div", { class: "actions" }, el("button", { onclick: () => go(`#/graph/${enc(e.id)}`) }, "graph")),
    el("h2", {}, "Relations"),
    relations.length
      ? el("ul", { class: "relations" }, relations.map(([rel, items]) => el(
        "li",
        {},
        el("strong", {}, rel),
        ": ",
        items.map((r, i) => [
          i ? ", " : "",
          r.direction === "out" ? "→ " : "← ",
          el("a", { href: `#/entity/${enc(r.id)}` }, r.name),
          el("span", { class: "muted" }, ` (${r.type}, ×${r.count})`),
        ]),
      )))
      : el("p", { class: "muted" }, "No typed relations."),
    el("h2", {}, "Papers mentioning it"),
    el("ul", {}, page.papers.map((p) => el(
      "li",
      {},
      el("a", { href: `#/paper/${enc(p.id)}` }, p.title),
      el("span", { class: "muted" }, ` · ${p.id} · ${p.mentions} mention${p.mentions === 1 ? "" : "s"}`),
    ))),
  );
}

// ---------------------------------------------------------------------------------------------- graph view
const COLORS = { Paper: "#1f5fbf", Author: "#2f7d4f", Entity: "#d9822b" };

function cyElements(hood) {
  const nodes = hood.nodes.map((n) => ({
    data: {
      id: n.id,
      label: n.label,
      name: n.name || n.title || n.id,
      kind: n.label === "Entity" ? n.type : n.label,
      external: n.external ? 1 : 0,
    },
  }));
  const edges = hood.edges.map((e) => ({
    data: { id: `${e.source}|${e.type}|${e.target}`, source: e.source, target: e.target, type: e.type },
  }));
  return [...nodes, ...edges];
}

// Layouts. A neighbourhood is a star (one node, dozens of neighbours): a force layout puts every neighbour at
// the same distance, on one crowded circle whose labels overlap near the centre. Concentric rings sized by
// their node count (10 inside, 6 more per ring outwards), labels counted as part of the nodes, keep labels
// apart at a readable zoom. After an expansion the graph is no longer a star: a force layout that also counts
// the labels.
function ringLayout(cy, rootId) {
  const ring = new Map();
  const leaves = cy.nodes().filter((n) => n.id() !== rootId)
    .sort((a, b) => `${a.data("label")}|${a.data("name")}`.localeCompare(`${b.data("label")}|${b.data("name")}`));
  let r = 0, room = 10;
  leaves.forEach((n) => {
    if (room === 0) { r += 1; room = 10 + 6 * r; }
    ring.set(n.id(), r);
    room -= 1;
  });
  return {
    name: "concentric", animate: false, avoidOverlap: true, nodeDimensionsIncludeLabels: true, minNodeSpacing: 14,
    padding: 16, levelWidth: () => 1, concentric: (n) => (n.id() === rootId ? 1000 : 100 - (ring.get(n.id()) || 0)),
  };
}

const FORCE_LAYOUT = {
  name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true, nodeRepulsion: () => 60000,
  idealEdgeLength: () => 90, nodeOverlap: 12, padding: 16,
};

async function graphView(id) {
  const side = el("div", { id: "graph-side" });
  const box = el("div", { id: "cy" });
  const title = el("a", { href: `#/paper/${enc(id)}` }, id);
  const v = show(
    el("h1", {}, "Graph around ", title),
    el("p", { class: "legend muted" }, "Click a paper or an entity to expand it.",
      Object.entries(COLORS).map(([k, c]) => [el("span", { style: `background:${c}` }), k])),
    el("div", { id: "graph-wrap" }, box, side),
  );
  v.className = "wide";
  let hood;
  try {
    hood = await api(`/graph/neighborhood?id=${enc(id)}&depth=1`);
  } catch (err) {
    box.replaceWith(failure(err, "The graph view"));
    return;
  }
  if (typeof window.cytoscape !== "function") {
    box.replaceWith(notice("The graph library did not load.", true));
    return;
  }
  const cy = window.cytoscape({
    container: box,
    elements: cyElements(hood),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { label: "data(name)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 96, width: 16, height: 16, color: "#333", "text-background-color": "#fff", "text-background-opacity": 0.7 } },
      { selector: "node[label = 'Paper']", style: { "background-color": COLORS.Paper } },
      { selector: "node[label = 'Author']", style: { "background-color": COLORS.Author, shape: "round-rectangle" } },
      { selector: "node[label = 'Entity']", style: { "background-color": COLORS.Entity, shape: "diamond" } },
      { selector: "node[external = 1]", style: { "background-color": "#9aa5b1" } },
      { selector: "node.root", style: { width: 26, height: 26, "border-width": 3, "border-color": "#111" } },
      { selector: "edge", style: { width: 1.2, "line-color": "#b8c2cc", "target-arrow-shape": "triangle", "target-arrow-color": "#b8c2cc", "curve-style": "bezier" } },
      // typed relations and citations are labelled; MENTIONS and WROTE are implied by the node kinds
      { selector: "edge[type != 'MENTIONS'][type != 'WROTE']", style: { label: "data(type)", "font-size": 7, color: "#7b8794", "line-color": "#d9822b", "target-arrow-color": "#d9822b" } },
    ],
    layout: { name: "preset" },
  });
  cy.layout(ringLayout(cy, id)).run();
  cy.fit(undefined, 16);
  const root = cy.getElementById(id);
  root.addClass("root");
  if (root.nonempty() && root.data("label") === "Entity") {
    title.textContent = root.data("name");
    title.setAttribute("href", `#/entity/${enc(id)}`);
  }
  window.paperkgGraph = cy; // for the browser console
  box.dataset.nodes = String(cy.nodes().length); // for tests: changes when the graph grows
  const expanded = new Set([id]);
  const describe = (n) => {
    const d = n.data();
    const open = d.label === "Entity" ? `#/entity/${enc(d.id)}` : d.label === "Paper" && !d.external ? `#/paper/${enc(d.id)}` : null;
    fill(side,
      el("h2", {}, d.name),
      el("p", { class: "muted" }, `${d.kind}${d.name !== d.id ? ` · ${d.id}` : ""}`),
      open ? el("p", {}, el("a", { href: open }, "open page")) : null,
      el("p", { class: "muted" }, `${n.degree()} links shown`),
    );
    if (d.label === "Paper" && !d.external && d.name === d.id) {
      api(`/papers/${enc(d.id)}`).then((p) => {
        n.data("name", p.title);
        side.querySelector("h2").textContent = p.title;
      }).catch(() => {});
    }
  };
  cy.on("tap", "node", async (evt) => {
    const n = evt.target;
    describe(n);
    const d = n.data();
    if (expanded.has(d.id) || d.label === "Author" || d.external) return;
    expanded.add(d.id);
    try {
      const more = await api(`/graph/neighborhood?id=${enc(d.id)}&depth=1`);
      const fresh = cyElements(more).filter((x) => cy.getElementById(x.data.id).empty());
      cy.add(fresh);
      cy.layout(FORCE_LAYOUT).run();
      box.dataset.nodes = String(cy.nodes().length);
      describe(n);
    } catch (err) {
      side.append(failure(err, "Expanding"));
    }
  });
  side.append(el("p", { class: "muted" }, `${hood.nodes.length} nodes, ${hood.edges.length} edges${hood.truncated ? " (truncated)" : ""}`));
}

// ---------------------------------------------------------------------------------------------- router
// one route at a time: a slow view still loading (a paper page after a reload) would otherwise finish after the
// next one and draw over it, leaving body[data-ready] naming the wrong page
let routing = Promise.resolve();

function route() {
  routing = routing.then(renderRoute, renderRoute);
  return routing;
}

async function renderRoute() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const rest = (prefix) => decodeURIComponent(path.slice(prefix.length));
  const hook = routeHooks.find((h) => path.startsWith(h.prefix));
  try {
    if (hook) await hook.view(path, params);
    else if (path.startsWith("/paper/")) await paperView(rest("/paper/"));
    else if (path.startsWith("/similar/")) await similarView(rest("/similar/"), "similar");
    else if (path.startsWith("/related/")) await similarView(rest("/related/"), "related");
    else if (path.startsWith("/entity/")) await entityView(rest("/entity/"));
    else if (path.startsWith("/graph/")) await graphView(rest("/graph/"));
    else if (path === "/entities") await entitySearchView(params.get("q") || "");
    else if (path === "/recommend") await recommendView();
    else await searchView(params);
  } catch (err) {
    show(notice(`Something went wrong: ${err.message}`, true));
  }
  document.body.dataset.ready = hash; // tests wait for this
}

function init() {
  document.getElementById("search-form").addEventListener("submit", (evt) => {
    evt.preventDefault();
    const params = new URLSearchParams({ q: document.getElementById("q").value.trim() });
    const mode = document.getElementById("mode").value;
    const category = document.getElementById("category").value.trim();
    const since = document.getElementById("since").value.trim();
    if (mode !== "hybrid") params.set("mode", mode);
    if (category) params.set("category", category);
    if (since) params.set("since", since);
    go(`#/search?${params}`);
  });
  document.getElementById("entity-form").addEventListener("submit", (evt) => {
    evt.preventDefault();
    go(`#/entities?q=${enc(document.getElementById("entity-q").value.trim())}`);
  });
  window.addEventListener("hashchange", route);
  updateSeedCount();
  route();
}

document.addEventListener("DOMContentLoaded", init);
