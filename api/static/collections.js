// paperkg web page, collections: add any result to a collection, a page per collection (papers, dismissed
// papers, rename, delete, export) and its feed of new papers (add or dismiss from there). Uses app.js's helpers
// (el, api, show, notice, failure, resultCard, go, enc) and its extension points (cardHooks, routeHooks).
"use strict";

const KEY_STORE = "paperkg.apikey";

// ------------------------------------------------------------------------------------------ writes + key
// Writes carry X-API-Key (the server's PAPERKG_API_KEY). Without a stored key, or with a wrong one, the page
// asks for it once and retries; a server with writes switched off says so.
function askKey(message) {
  return new Promise((resolve) => {
    document.getElementById("key-box")?.remove();
    const input = el("input", { id: "api-key", type: "password", placeholder: "API key", autocomplete: "off" });
    const box = el(
      "form",
      { id: "key-box", class: "notice key-box" },
      el("label", { for: "api-key" }, message, " "),
      input,
      el("button", { id: "api-key-save", class: "primary", type: "submit" }, "Save key"),
      el("button", { type: "button", onclick: () => { box.remove(); resolve(null); } }, "Cancel"),
    );
    box.addEventListener("submit", (evt) => {
      evt.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      localStorage.setItem(KEY_STORE, key);
      box.remove();
      resolve(key);
    });
    document.body.prepend(box);
    input.focus();
  });
}

async function write(path, method, body) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const headers = { "Content-Type": "application/json" };
    const key = localStorage.getItem(KEY_STORE);
    if (key) headers["X-API-Key"] = key;
    try {
      return await api(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const disabled = err.status === 403 && /disabled/.test(err.message);
      if (!(err instanceof ApiError) || disabled || (err.status !== 401 && err.status !== 403)) throw err;
      const fresh = await askKey(err.status === 401 ? "This server needs its API key to save collections:" : "Wrong API key, try again:");
      if (!fresh) throw err;
    }
  }
  throw new ApiError(403, { detail: "wrong API key" });
}

async function collectionList() {
  return (await api("/collections")).results;
}

// -------------------------------------------------------------------------------------------- card button
// "+ collection" on every result: type a collection's name (existing ones are offered) to add the paper;
// a new name creates the collection.
function addToCollectionButton(r) {
  const holder = el("span", { class: "coll-holder" });
  const button = el("button", { class: "coll-add", title: "add to a collection" }, "+ collection");
  button.addEventListener("click", async () => {
    if (holder.querySelector("form")) {
      holder.replaceChildren();
      return;
    }
    const listId = `coll-names-${Math.random().toString(36).slice(2)}`;
    const input = el("input", { class: "coll-name", list: listId, placeholder: "collection name", maxlength: 100, required: true });
    const status = el("span", { class: "coll-status muted" });
    const datalist = el("datalist", { id: listId });
    const form = el("form", { class: "coll-form" }, input, datalist, el("button", { class: "coll-save primary", type: "submit" }, "Add"), status);
    holder.replaceChildren(form);
    input.focus();
    collectionList().then((cs) => datalist.replaceChildren(...cs.map((c) => el("option", { value: c.name })))).catch(() => {});
    form.addEventListener("submit", async (evt) => {
      evt.preventDefault();
      const name = input.value.trim().replace(/\s+/g, " ");
      if (!name) return;
      status.textContent = "saving…";
      try {
        let target = (await collectionList()).find((c) => c.name === name);
        if (!target) target = await write("/collections", "POST", { name });
        await write(`/collections/${target.id}/papers`, "POST", { ids: [r.id] });
        status.replaceChildren("added to ", el("a", { href: `#/collection/${target.id}`, class: "coll-link" }, target.name));
      } catch (err) {
        status.textContent = `failed: ${err.message}`;
      }
    });
  });
  return el("span", {}, button, holder);
}

// ------------------------------------------------------------------------------------------------- views
async function collectionsView() {
  const input = el("input", { id: "new-collection", placeholder: "new collection name", maxlength: 100, required: true });
  const list = el("ul", { id: "collection-list" });
  const form = el("form", { class: "actions" }, input, el("button", { class: "primary", type: "submit" }, "Create"));
  const v = show(
    el("h1", {}, "Collections"),
    el("p", { class: "muted" }, "Collect papers from any result (+ collection). Each collection gets a feed of new papers "
      + "ranked by what it holds; papers you dismiss steer the feed away."),
    form,
    list,
  );
  form.addEventListener("submit", async (evt) => {
    evt.preventDefault();
    try {
      const c = await write("/collections", "POST", { name: input.value.trim() });
      go(`#/collection/${c.id}`);
    } catch (err) {
      v.append(failure(err, "Creating the collection"));
    }
  });
  try {
    const cs = await collectionList();
    if (!cs.length) list.replaceWith(el("p", { class: "muted" }, "No collections yet."));
    list.append(...cs.map((c) => el(
      "li",
      {},
      el("a", { href: `#/collection/${c.id}` }, c.name),
      el("span", { class: "muted" }, ` ${c.papers} papers, ${c.dismissed} dismissed · `),
      el("a", { href: `#/collection/${c.id}/feed` }, "feed"),
    )));
  } catch (err) {
    list.replaceWith(failure(err, "Listing collections"));
  }
}

function withButtons(card, buttons) {
  card.querySelector(".actions").append(...buttons);
  return card;
}

async function collectionView(id) {
  show(el("p", { class: "muted" }, "Loading…"));
  let c;
  try {
    c = await api(`/collections/${enc(id)}`);
  } catch (err) {
    show(failure(err, "Opening the collection"));
    return;
  }
  const reload = () => collectionView(id);
  const act = (fn) => async () => {
    try {
      await fn();
      await reload();
    } catch (err) {
      view().append(failure(err, "Saving"));
    }
  };
  const rename = el("input", { id: "rename-collection", value: c.name, maxlength: 100 });
  const del = el("button", { id: "delete-collection" }, "Delete…");
  del.addEventListener("click", async () => {
    if (del.dataset.armed !== "1") {
      del.dataset.armed = "1";
      del.textContent = "Really delete?";
      return;
    }
    try {
      await write(`/collections/${c.id}`, "DELETE");
      go("#/collections");
    } catch (err) {
      view().append(failure(err, "Deleting"));
    }
  });
  const exportLink = (fmt) => el("a", { href: `/collections/${c.id}/export?format=${fmt}`, download: "", class: `export-${fmt}` }, fmt);
  show(
    el("h1", { id: "collection-name" }, c.name),
    el("p", { class: "muted" }, `${c.papers} papers, ${c.dismissed} dismissed · export `,
      exportLink("bibtex"), " · ", exportLink("ris"), " · ", exportLink("csv")),
    el("div", { class: "actions" },
      el("button", { class: "primary", id: "open-feed", onclick: () => go(`#/collection/${c.id}/feed`) }, "Feed of new papers"),
      rename,
      el("button", { id: "rename-button", onclick: act(() => write(`/collections/${c.id}`, "PATCH", { name: rename.value.trim() })) }, "Rename"),
      del),
    el("h2", {}, "Papers"),
    c.paper_list.length
      ? el("div", { id: "collection-papers" }, c.paper_list.map((p) => withButtons(resultCard({ id: p.id, title: p.title }), [
        el("button", { class: "dismiss", onclick: act(() => write(`/collections/${c.id}/dismissed`, "POST", { ids: [p.id] })) }, "dismiss"),
        el("button", { class: "remove", onclick: act(() => write(`/collections/${c.id}/papers/${enc(p.id)}`, "DELETE")) }, "remove"),
      ])))
      : el("p", { class: "muted" }, "No papers yet: add some from search results (+ collection)."),
    el("h2", {}, "Dismissed (not relevant)"),
    c.dismissed_list.length
      ? el("ul", { id: "collection-dismissed" }, c.dismissed_list.map((p) => el(
        "li",
        { "data-id": p.id },
        el("a", { href: `#/paper/${enc(p.id)}` }, p.title),
        el("button", { class: "restore", onclick: act(() => write(`/collections/${c.id}/papers`, "POST", { ids: [p.id] })) }, "add back"),
        el("button", { class: "remove", onclick: act(() => write(`/collections/${c.id}/papers/${enc(p.id)}`, "DELETE")) }, "forget"),
      )))
      : el("p", { class: "muted" }, "None."),
  );
}

async function feedView(id, params) {
  const since = el("input", { id: "feed-since", type: "date", value: params.get("since") || "" });
  const by = el("select", { id: "feed-by" }, ["either", "added", "published"].map((b) => el("option", { value: b }, b)));
  by.value = params.get("by") || "either";
  const list = el("div", { id: "feed-list", "data-version": "0" });
  const status = el("p", { class: "muted" }, "Loading…");
  const title = el("a", { href: `#/collection/${enc(id)}` }, `collection ${id}`);
  show(
    el("h1", {}, "Feed: ", title),
    el("form", { class: "actions", id: "feed-form" }, el("label", {}, "new since ", since), by,
      el("button", { class: "primary", type: "submit" }, "Update")),
    status,
    list,
  );
  const load = async () => {
    const q = new URLSearchParams({ k: String(PAGE), by: by.value });
    if (since.value) q.set("since", since.value);
    try {
      const body = await api(`/collections/${enc(id)}/feed?${q}`);
      title.textContent = body.collection;
      status.textContent = `${body.results.length} of ${body.candidates} papers ${body.by === "either" ? "added or published" : body.by} since ${body.since}, `
        + `ranked by ${body.seeds} papers and ${body.dismissed} dismissed.`;
      const act = (path, ids) => async () => {
        try {
          await write(path, "POST", { ids });
          await load();
        } catch (err) {
          status.after(failure(err, "Saving"));
        }
      };
      list.replaceChildren(...(body.results.length ? body.results.map((r) => {
        const card = withButtons(resultCard({ ...r, why: null, abstract: null }), [
          el("button", { class: "feed-add", onclick: act(`/collections/${enc(id)}/papers`, [r.id]) }, "add to collection"),
          el("button", { class: "dismiss", onclick: act(`/collections/${enc(id)}/dismissed`, [r.id]) }, "dismiss"),
        ]);
        card.insertBefore(el("div", { class: "feed-why muted" }, `why: ${r.why}`), card.querySelector(".actions"));
        return card;
      }) : [el("p", { class: "muted" }, "Nothing new.")]));
      list.dataset.version = String(Number(list.dataset.version) + 1);
    } catch (err) {
      status.replaceChildren(failure(err, "The feed"));
    }
  };
  document.getElementById("feed-form").addEventListener("submit", (evt) => {
    evt.preventDefault();
    load();
  });
  await load();
}

cardHooks.push(addToCollectionButton);
routeHooks.push({ prefix: "/collections", view: () => collectionsView() });
routeHooks.push({
  prefix: "/collection/",
  view: (path, params) => {
    const [id, sub] = decodeURIComponent(path.slice("/collection/".length)).split("/");
    return sub === "feed" ? feedView(id, params) : collectionView(id);
  },
});
