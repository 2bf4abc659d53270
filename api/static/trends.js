// paperkg web page, trends: a line chart of papers per period mentioning entities (Chart.js, vendored), the
// rising entities of the latest window, and what an entity co-occurs with more than chance. Uses app.js's
// helpers (el, api, show, notice, failure, go, enc) and its routeHooks extension point.
"use strict";

const TREND_COLORS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7b83", "#57606a"];

function trendsHash(entities, by, category, since, share) {
  const params = new URLSearchParams();
  for (const e of entities) params.append("entity", e);
  params.set("by", by);
  if (category) params.set("category", category);
  if (since) params.set("since", since);
  if (share) params.set("share", "1");
  return `#/trends?${params}`;
}

function trendForm(entities, by, category, since, share) {
  const input = el("input", {
    id: "trend-entities", type: "search", size: 40, maxlength: 400, value: entities.join(", "),
    placeholder: "entities, comma-separated (e.g. CNN, transformer)",
  });
  const bySel = el("select", { id: "trend-by", title: "period" },
    el("option", { value: "year", selected: by === "year" }, "per year"),
    el("option", { value: "month", selected: by === "month" }, "per month"));
  const cat = el("input", { id: "trend-category", size: 10, maxlength: 40, value: category || "",
    placeholder: "category", pattern: "[A-Za-z][\\w.\\-]*" });
  const from = el("input", { id: "trend-since", size: 8, maxlength: 7, value: since || "",
    placeholder: "since", pattern: "\\d{4}(-\\d{2})?", title: "first period: 2024 or 2024-06" });
  const shareBox = el("input", { id: "trend-share", type: "checkbox", checked: share });
  const form = el("form", { id: "trend-form", class: "trend-form", autocomplete: "off" },
    input, bySel, cat, from, el("label", {}, shareBox, " % of papers"),
    el("button", { id: "trend-button", type: "submit", class: "primary" }, "Show trend"));
  form.addEventListener("submit", (evt) => {
    evt.preventDefault();
    const names = input.value.split(",").map((s) => s.trim()).filter(Boolean).slice(0, 10);
    go(trendsHash(names, bySel.value, cat.value.trim(), from.value.trim(), shareBox.checked));
  });
  return form;
}

function drawTrend(box, report, share) {
  const canvas = el("canvas", { id: "trend-chart", role: "img",
    "aria-label": `papers per ${report.by} mentioning ${report.series.map((s) => s.entity.name).join(", ")}` });
  box.append(el("div", { class: "chart-box" }, canvas));
  if (typeof window.Chart !== "function") {
    box.append(notice("The chart library did not load; the numbers are in the table below.", true));
    return;
  }
  const datasets = report.series.map((s, i) => ({
    label: s.query.toLowerCase() === s.entity.name.toLowerCase() ? s.entity.name : `${s.entity.name} (${s.query})`,
    data: share ? s.shares.map((v) => Math.round(v * 1000) / 10) : s.counts,
    borderColor: TREND_COLORS[i % TREND_COLORS.length],
    backgroundColor: TREND_COLORS[i % TREND_COLORS.length],
    tension: 0.2,
    pointRadius: report.periods.length > 60 ? 0 : 3,
  }));
  const chart = new window.Chart(canvas, {
    type: "line",
    data: { labels: report.periods, datasets },
    options: {
      animation: false, // drawn at once: tests and screenshots see the final chart
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, title: { display: true, text: share ? "% of papers" : "papers" } } },
      plugins: { title: { display: true, text: `Papers mentioning each entity, per ${report.by}` } },
    },
  });
  window.paperkgTrendChart = chart; // for the browser console
  canvas.dataset.series = String(datasets.length);
  canvas.dataset.points = String(datasets.reduce((n, d) => n + d.data.filter((v) => v > 0).length, 0));
}

function trendTable(report) {
  const head = el("tr", {}, el("th", {}, report.by), el("th", {}, "papers"),
    report.series.map((s) => el("th", {}, s.entity.name)));
  const rows = report.periods
    .map((p, i) => [p, i])
    .filter(([, i]) => report.papers[i] > 0)
    .map(([p, i]) => el("tr", {}, el("td", {}, p), el("td", {}, report.papers[i]),
      report.series.map((s) => el("td", {}, `${s.counts[i]} (${(100 * s.shares[i]).toFixed(1)}%)`))));
  return el("details", { class: "trend-table" }, el("summary", {}, "Numbers"),
    el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
}

async function risingPanel(by, category) {
  const box = el("section", { id: "rising" }, el("h3", {}, `Rising entities (per ${by})`));
  try {
    const params = new URLSearchParams({ by, limit: "15" });
    if (category) params.set("category", category);
    const r = await api(`/trends/rising?${params}`);
    if (!r.results.length) {
      const why = r.before_periods.length ? `no entity grew significantly (z ≥ ${r.min_z}, ${r.min_papers}+ papers)`
        : "fewer than two windows of data";
      box.append(el("p", { class: "muted" }, why));
      return box;
    }
    box.append(el("p", { class: "muted" },
      `${r.recent_periods.join(", ")} (${r.recent_papers} papers) vs ${r.before_periods.join(", ")} (${r.before_papers})`));
    const rows = r.results.map((x) => el("tr", {},
      el("td", {}, el("a", { href: trendsHash([x.entity.name], by, category, "", false) }, x.entity.name)),
      el("td", {}, x.entity.type), el("td", {}, x.recent), el("td", {}, x.before),
      el("td", {}, `${x.growth >= 0 ? "+" : ""}${x.growth.toFixed(1)} pts`), el("td", {}, x.z.toFixed(1))));
    box.append(el("table", { class: "rising-table" },
      el("thead", {}, el("tr", {}, ["entity", "type", "recent", "before", "share growth", "z"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows)));
  } catch (err) {
    box.append(failure(err, "Rising entities"));
  }
  return box;
}

async function associationsPanel(entity, category) {
  const box = el("section", { id: "associations" }, el("h3", {}, `Often together with ${entity}`));
  try {
    const params = new URLSearchParams({ entity, min_support: "2", limit: "10" });
    if (category) params.set("category", category);
    const r = await api(`/trends/associations?${params}`);
    if (!r.results.length) {
      box.append(el("p", { class: "muted" }, `nothing co-occurs with it in ${r.min_support}+ papers beyond chance`));
      return box;
    }
    box.append(el("ul", {}, r.results.map((a) => el("li", {},
      el("a", { href: trendsHash([entity, a.entity.name], "year", category, "", false) }, a.entity.name),
      ` — ${a.together} papers together, lift ${a.lift.toFixed(2)}, PMI ${a.pmi.toFixed(2)}`))));
  } catch (err) {
    box.append(failure(err, "Associations"));
  }
  return box;
}

async function trendsView(params) {
  const entities = params.getAll("entity").filter(Boolean);
  const by = params.get("by") === "month" ? "month" : "year";
  const category = params.get("category") || "";
  const since = params.get("since") || "";
  const share = params.get("share") === "1";
  const chartBox = el("section", { id: "trend" });
  show(el("h2", {}, "Trends"), trendForm(entities, by, category, since, share), chartBox);
  if (entities.length) {
    try {
      const q = new URLSearchParams({ by });
      for (const e of entities) q.append("entity", e);
      if (category) q.set("category", category);
      if (since) q.set("since", since);
      const report = await api(`/trends?${q}`);
      drawTrend(chartBox, report, share);
      chartBox.append(trendTable(report));
      view().append(await associationsPanel(entities[0], category));
    } catch (err) {
      chartBox.append(failure(err, "The trend"));
    }
  } else {
    chartBox.append(el("p", { class: "muted" }, "Name entities to chart how many papers mention them over time; "
      + "acronyms and long forms count together (CNN = convolutional neural network)."));
  }
  view().append(await risingPanel(by, category));
}

routeHooks.push({ prefix: "/trends", view: (_path, params) => trendsView(params) });
