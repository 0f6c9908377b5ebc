"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const list = $("doc-list"), empty = $("empty"), more = $("more"), form = $("filters");
  let cursor = null, seq = 0, grid = localStorage.getItem("dv_view") === "grid";
  const thumbs = new Map();

  const setView = () => {
    list.classList.toggle("grid", grid);
    $("view-grid").setAttribute("aria-pressed", grid);
    $("view-list").setAttribute("aria-pressed", !grid);
  };
  $("view-grid").addEventListener("click", () => { grid = true; localStorage.setItem("dv_view", "grid"); setView(); });
  $("view-list").addEventListener("click", () => { grid = false; localStorage.setItem("dv_view", "list"); setView(); });
  setView();

  const usage = () => {
    const q = [];
    q.push(DV.size(me.used_bytes) + (me.quota_bytes ? " of " + DV.size(me.quota_bytes) : "") + " used");
    q.push(me.document_count + (me.quota_documents ? " of " + me.quota_documents : "") + " documents");
    $("usage").textContent = q.join(" · ");
  };
  usage();

  // Thumbnails need the bearer token, so they are fetched and shown as blob URLs.
  const thumb = (d) => {
    const img = DV.el("img", { alt: "", loading: "lazy" });
    if (d.has_thumbnail) {
      const key = d.id + d.updated_at;
      const set = (u) => (img.src = u);
      if (thumbs.has(key)) set(thumbs.get(key));
      else fetch("/api/documents/" + encodeURIComponent(d.id) + "/thumbnail", { headers: { Authorization: "Bearer " + DV.token() } })
        .then((r) => (r.ok ? r.blob() : null)).then((b) => { if (b) { const u = URL.createObjectURL(b); thumbs.set(key, u); set(u); } });
    }
    return img;
  };

  const statusText = (d) => d.status === "failed" ? "Failed: " + (d.error || "unknown error") : d.status === "processing" ? "Processing…" : "Ready";

  // Selection for bulk changes: a checkbox beside each row.
  const selected = new Set();
  const bulkBar = () => {
    $("bulk-bar").hidden = selected.size === 0;
    $("bulk-count").textContent = selected.size + " selected";
    const boxes = list.querySelectorAll("input.pick");
    $("select-all").checked = boxes.length > 0 && [...boxes].every((b) => b.checked);
  };
  const wrap = (d) => {
    const box = DV.el("input", { type: "checkbox", class: "pick", "aria-label": "Select " + d.title, onchange: (e) => {
      if (e.target.checked) selected.add(d.id); else selected.delete(d.id);
      bulkBar();
    } });
    box.checked = selected.has(d.id);
    return DV.el("div", { class: "doc-row" }, box, row(d));
  };

  const row = (d) => DV.el("a", { class: "doc", href: "/documents/" + encodeURIComponent(d.id), "data-id": d.id },
    thumb(d),
    DV.el("div", { class: "info" },
      DV.el("div", { class: "title" }, d.title),
      d.snippet ? DV.el("div", { class: "snippet" }, DV.marked(d.snippet)) : null,
      DV.el("div", { class: "hint" }, (DV.space() || !DV.spaceById(d.space_id) || DV.spaceById(d.space_id).kind === "personal" ? "" : DV.spaceName(d.space_id) + " · ") + d.original_filename + " · " + DV.size(d.size_bytes) + (d.page_count ? " · " + d.page_count + (d.page_count === 1 ? " page" : " pages") : "") + " · " + DV.date(d.created_at)),
      DV.el("div", { class: "status " + d.status }, statusText(d)),
      DV.el("ul", { class: "chips" }, d.topics.map((t) => DV.el("li", { class: "chip" }, t.name + (t.source === "ai" ? " (suggested" + (t.confidence ? " " + Math.round(t.confidence * 100) + "%" : "") + ")" : ""))))));

  // The list's state lives in the URL (?q=&topic_id=&status=&sort=&pages=),
  // so Back, reload and links show the same list. sort is in the URL only
  // when the user chose one; while searching the default is best match.
  let sortChosen = false, pages = 1;
  // Filters without a control of their own (from a saved view or a link of
  // the Metadata page) ride along in the URL and the query.
  const EXTRA = ["correspondent_id", "document_type_id", "no_topic", "date_from", "date_to", "created_from", "created_to", "mime_type", "field"];
  let extras = [];
  // The space is the header switcher's: the URL's space_id when there is
  // one (remembered), else on first load the remembered one.
  const fromURL = (first) => {
    const u = new URLSearchParams(location.search);
    const sp = u.get("space_id") || "";
    if (sp && DV.spaceById(sp)) DV.setSpace(sp);
    else if (!first || sp) DV.setSpace("");
    extras = [...u.entries()].filter(([k]) => EXTRA.includes(k));
    $("extra-filters").hidden = extras.length === 0;
    $("extra-filters").replaceChildren("More filters apply: " + extras.map(([k, v]) => k + " " + v).join(", ") + " ",
      DV.el("button", { type: "button", class: "link", onclick: () => { extras = []; $("extra-filters").hidden = true; toURL(true); load(false); } }, "Remove them"));
    $("q").value = u.get("q") || "";
    $("topic").value = u.get("topic_id") || "";
    $("status").value = u.get("status") || "";
    sortChosen = u.has("sort");
    $("sort").value = u.get("sort") || ($("q").value.trim() ? "relevance" : "-created_at");
    if (!$("sort").value) $("sort").value = "-created_at";
    pages = Math.min(10, Math.max(1, parseInt(u.get("pages"), 10) || 1));
  };
  const toURL = (push) => {
    const u = new URLSearchParams();
    const q = $("q").value.trim();
    if (q) u.set("q", q);
    if (DV.space()) u.set("space_id", DV.space());
    if ($("topic").value) u.set("topic_id", $("topic").value);
    if ($("status").value) u.set("status", $("status").value);
    for (const [k, v] of extras) u.append(k, v);
    if (sortChosen) u.set("sort", $("sort").value);
    if (pages > 1) u.set("pages", String(pages));
    const next = location.pathname + (u.toString() ? "?" + u : "");
    if (next === location.pathname + location.search) return;
    if (push) history.pushState(null, "", next);
    else history.replaceState(null, "", next);
  };

  const query = () => {
    const p = new URLSearchParams();
    const q = $("q").value.trim();
    if (q) { p.set("q", q); p.set("prefix_last", "true"); }
    if (DV.space()) p.set("space_id", DV.space());
    if ($("topic").value) p.set("topic_id", $("topic").value);
    if ($("status").value) p.set("status", $("status").value);
    for (const [k, v] of extras) p.append(k, v);
    let sort = $("sort").value;
    if (!sortChosen) sort = q ? "relevance" : "-created_at";
    if (sort === "relevance" && !q) sort = "-created_at";
    $("sort").value = sort;
    p.set("sort", sort);
    p.set("limit", "50");
    return p;
  };

  const suggest = (list) => {
    const box = $("did-you-mean");
    box.hidden = !list || !list.length;
    if (box.hidden) return box.replaceChildren();
    box.replaceChildren("Did you mean", ...list.map((s) => DV.el("a", { href: "?q=" + encodeURIComponent(s), onclick: (e) => {
      e.preventDefault(); $("q").value = s; pages = 1; toURL(true); load(false);
    } }, s)), "?");
  };

  const load = async (append) => {
    const mine = ++seq;
    const p = query();
    const want = append ? 1 : pages;
    let loaded = 0;
    try {
      for (let i = 0; i < want; i++) {
        if (append || i > 0) { if (!cursor) break; p.set("cursor", cursor); }
        const res = await DV.api("GET", "/api/documents?" + p);
        if (mine !== seq) return;
        if (!append && i === 0) list.replaceChildren();
        res.items.forEach((d) => list.append(wrap(d)));
        bulkBar();
        cursor = res.next_cursor;
        loaded++;
        if (i === 0 && !append) suggest(res.suggestions);
        schedulePoll(res.items);
      }
      if (append && loaded) { pages++; toURL(false); }
      more.hidden = !cursor;
      empty.hidden = list.children.length > 0;
      const n = list.children.length, searching = !!(p.get("q") || p.get("topic_id") || p.get("status"));
      $("result-count").textContent = searching ? (n + (cursor ? "+" : "") + (n === 1 && !cursor ? " result" : " results")) : "";
      if (!searching) empty.textContent = "No documents yet. Upload your first one: drop files above or use “Upload files”.";
      else empty.textContent = "Nothing matches. Try fewer words, another topic or status.";
      if (p.get("q")) $("upload-log").open = false;
    } catch (e) {
      if (mine === seq) DV.flash(e.message, true);
    }
  };
  more.addEventListener("click", () => load(true));

  // Completion of the search box's field terms: after correspondent:,
  // type: or tag: the space's names are offered as you type.
  const names = { correspondent: [], type: [], tag: [] };
  const complete = () => {
    const v = $("q").value, m = /(^|\s)(correspondent|type|tag):"?([^"\s]*)$/i.exec(v);
    const box = $("q-complete");
    if (!m) { box.replaceChildren(); return; }
    const key = m[2].toLowerCase(), typed = m[3].toLowerCase();
    const head = v.slice(0, v.length - m[0].length) + m[1];
    const quote = (n) => /[\s"]/.test(n) ? '"' + n.replaceAll('"', "") + '"' : n;
    box.replaceChildren(...names[key].filter((n) => n.toLowerCase().startsWith(typed)).slice(0, 20)
      .map((n) => DV.el("option", { value: head + key + ":" + quote(n) })));
  };

  let timer = null;
  form.addEventListener("input", (ev) => {
    if (ev.target.id === "q") complete();
    clearTimeout(timer);
    if (ev.target.id === "sort") sortChosen = true;
    pages = 1;
    // Typing replaces the history entry; choosing a filter adds one.
    toURL(ev.target.id !== "q");
    timer = setTimeout(() => load(false), ev.target.id === "q" ? 250 : 0);
  });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(timer); pages = 1; toURL(true); load(false); });
  window.addEventListener("popstate", async () => { const was = DV.space(); fromURL(); if (was !== DV.space()) await choices(); load(false); });
  // Another space in the header: its list, its topics, its uploads.
  document.addEventListener("dv:space", async () => {
    pages = 1; $("topic").value = ""; selected.clear(); bulkBar();
    extras = []; $("extra-filters").hidden = true; // another space's correspondents and fields mean nothing here
    toURL(true);
    await choices();
    load(false);
  });

  // While documents are processing, refresh their rows by themselves.
  let poll = null;
  const schedulePoll = (items) => {
    clearTimeout(poll);
    const busy = Array.from(list.querySelectorAll(".status.processing")).length > 0 || items.some((d) => d.status === "processing");
    if (busy) poll = setTimeout(async () => {
      for (const el of list.querySelectorAll(".doc")) {
        if (!el.querySelector(".status.processing")) continue;
        try {
          const { document: d } = await DV.api("GET", "/api/documents/" + encodeURIComponent(el.dataset.id));
          el.replaceWith(row(d));
        } catch (e) { /* it may have been deleted */ }
      }
      schedulePoll([]);
    }, 2500);
  };

  // Bulk changes: the action's parameter, then one all-or-nothing request.
  let corrs = [], types = [], topicItems = [];
  // choices loads the chosen space's topics, correspondents and types for
  // the filter and the bulk bar, and says where uploads go.
  const choices = async () => {
    const sq = DV.spaceQuery();
    try {
      const [tops, cs, ts] = await Promise.all(["/api/topics", "/api/correspondents", "/api/document-types"].map((p) => DV.api("GET", p + sq).then((r) => r.items)));
      const keep = $("topic").value;
      topicItems = tops.map((t) => ({ id: t.id, name: DV.tagged(t.name, t.space_id) }));
      $("topic").replaceChildren(DV.el("option", { value: "" }, "All topics"), ...topicItems.map((t) => DV.el("option", { value: t.id }, t.name)));
      $("topic").value = keep;
      corrs = cs.map((c) => ({ id: c.id, name: DV.tagged(c.name, c.space_id) }));
      names.correspondent = [...new Set(cs.map((c) => c.name))];
      names.type = [...new Set(ts.map((c) => c.name))];
      names.tag = [...new Set(tops.map((t) => t.name))];
      types = ts.map((c) => ({ id: c.id, name: DV.tagged(c.name, c.space_id) }));
      param();
    } catch (e) { DV.flash(e.message, true); }
    const target = DV.spaceById(DV.space()) || DV.spaces.find((s) => s.kind === "personal");
    $("upload-target").textContent = !target ? "" : target.role === "viewer"
      ? "You can only view documents in " + DV.spaceName(target.id) + "; choose another space to upload."
      : "Uploads go to " + (target.kind === "personal" ? "your personal space" : "the space " + target.name) + ".";
  };
  const param = () => {
    const a = $("bulk-action").value;
    const pick = (items, none) => DV.el("select", { id: "bulk-value", "aria-label": "Value" },
      none ? DV.el("option", { value: "" }, none) : null, items.map((x) => DV.el("option", { value: x.id }, x.name)));
    const el = { add_topics: () => pick(topicItems), remove_topics: () => pick(topicItems),
      set_correspondent: () => pick(corrs, "None"), set_document_type: () => pick(types, "None"),
      set_date: () => DV.el("input", { id: "bulk-value", type: "date", "aria-label": "Date" }),
      move: () => pick(DV.spaces.filter((s) => DV.can(s.id, "editor")).map((s) => ({ id: s.id, name: DV.spaceName(s.id) }))) }[a];
    $("bulk-param").replaceChildren(el ? el() : "");
  };
  $("bulk-action").addEventListener("change", param);
  $("select-all").addEventListener("change", (e) => {
    const on = e.target.checked;
    for (const b of list.querySelectorAll("input.pick")) { b.checked = on; b.dispatchEvent(new Event("change")); }
  });
  $("bulk-clear").addEventListener("click", () => { selected.clear(); list.querySelectorAll("input.pick").forEach((b) => (b.checked = false)); bulkBar(); });
  $("bulk-apply").addEventListener("click", async () => {
    const action = $("bulk-action").value, v = $("bulk-value") ? $("bulk-value").value : "";
    const body = { document_ids: [...selected], action };
    if (action === "add_topics" || action === "remove_topics") body.topic_ids = [v];
    if (action === "set_correspondent") body.correspondent_id = v || null;
    if (action === "set_document_type") body.document_type_id = v || null;
    if (action === "set_date") body.document_date = v || null;
    if (action === "move") body.space_id = v;
    if (action === "trash" && !confirm("Move " + selected.size + " documents to the trash?")) return;
    try {
      const res = await DV.api("POST", "/api/documents/bulk", body);
      DV.flash(res.updated + " documents changed.");
      selected.clear();
      load(false);
    } catch (e) { DV.flash(e.message, true); }
  });

  // Saved views: links to their lists; the current list can be saved as one.
  const viewURL = (v) => {
    const u = new URLSearchParams();
    for (const [k, val] of Object.entries(v.query || {})) for (const x of [].concat(val)) u.append(k, x);
    if (v.sort) u.set("sort", v.sort);
    return "/documents?" + u;
  };
  // On the start page (no filter, no search), the views marked for the
  // dashboard each show their newest few documents.
  const dashboard = async (views) => {
    const shown = views.filter((v) => v.show_on_dashboard);
    const box = $("dashboard-views");
    if (location.search || shown.length === 0) { box.hidden = true; return; }
    const cards = await Promise.all(shown.map(async (v) => {
      const u = new URLSearchParams(viewURL(v).split("?")[1] || "");
      u.set("limit", "5");
      let items = [];
      try { items = (await DV.api("GET", "/api/documents?" + u)).items; } catch (e) { /* the view's list shows the error */ }
      return DV.el("div", { class: "card dashboard-view" }, DV.el("h3", {}, DV.el("a", { href: viewURL(v) }, v.name)),
        items.length ? DV.el("ul", {}, ...items.map((d) => DV.el("li", {}, DV.el("a", { href: "/documents/" + encodeURIComponent(d.id) }, d.title))))
          : DV.el("p", { class: "hint" }, "No documents."));
    }));
    $("dashboard-views-items").replaceChildren(...cards);
    box.hidden = false;
  };
  const loadViews = async () => {
    const res = await DV.api("GET", "/api/views" + DV.spaceQuery());
    dashboard(res.items);
    $("view-list-items").replaceChildren(...(res.items.length ? res.items.flatMap((v) => [DV.el("a", { href: viewURL(v) }, v.name),
      DV.el("button", { type: "button", class: "link", "aria-label": "Delete view " + v.name, onclick: async () => {
        if (!confirm("Delete the view “" + v.name + "”?")) return;
        await DV.api("DELETE", "/api/views/" + encodeURIComponent(v.id)); loadViews();
      } }, "×"), " "]) : [DV.el("span", { class: "hint" }, "none yet")]));
  };
  $("save-view").addEventListener("click", async () => {
    const name = prompt("Name of the view");
    if (!name) return;
    const query = {};
    const q = $("q").value.trim();
    if (q) query.q = q;
    if ($("topic").value) query.topic_id = [$("topic").value];
    if ($("status").value) query.status = $("status").value;
    for (const [k, v] of extras) {
      if (k === "topic_id" || k === "field") (query[k] = query[k] || []).push(v);
      else query[k] = v;
    }
    try {
      await DV.api("POST", "/api/views", DV.inSpace({ name, query, sort: sortChosen ? $("sort").value : "" }));
      DV.flash("View saved."); loadViews();
    } catch (e) { DV.flash(e.message, true); }
  });

  fromURL(true);
  await choices();
  fromURL(true); // the topic from the URL, now that its option exists
  toURL(false);
  await load(false);
  await loadViews().catch((e) => DV.flash(e.message, true));

  // Uploads: each file goes straight to storage (a presigned URL, or this
  // server's own signed URL), with its own progress bar, then is completed.
  const uploads = $("uploads"), log = $("upload-log");
  const putWithProgress = (url, headers, file, bar) => new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("PUT", url);
    // The browser sends Content-Length (signed on S3 URLs) by itself.
    for (const [k, v] of Object.entries(headers || {})) if (k.toLowerCase() !== "content-length") x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = e.loaded / e.total; };
    x.onload = () => (x.status >= 200 && x.status < 300 ? resolve() : reject(new Error(uploadError(x))));
    x.onerror = () => reject(new Error("the connection broke off; try again"));
    x.send(file);
  });
  const uploadError = (x) => { try { return JSON.parse(x.responseText).detail; } catch (e) { return "the storage refused the file (" + x.status + ")"; } };

  const uploadOne = async (file) => {
    const bar = DV.el("progress", { max: 1, value: 0, "aria-label": "Upload progress of " + file.name });
    const state = DV.el("span", {}, "waiting");
    const li = DV.el("li", {}, DV.el("span", {}, file.name), bar, state);
    uploads.append(li);
    log.hidden = false; log.open = true;
    try {
      state.textContent = "uploading";
      const t = await DV.api("POST", "/api/uploads", DV.inSpace({ filename: file.name, size: file.size, content_type: file.type || "" }));
      await putWithProgress(t.url, t.headers, file, bar);
      state.textContent = "checking";
      const done = await DV.api("POST", "/api/uploads/" + encodeURIComponent(t.upload_id) + "/complete");
      bar.value = 1;
      state.textContent = "done";
      me.used_bytes += done.document.size_bytes; me.document_count++; usage();
      return true;
    } catch (e) {
      state.textContent = e.code === "conflict" && e.problem.existing_id ? "you already have this file" : e.message;
      state.className = "bad";
      return false;
    }
  };
  const uploadAll = async (files) => {
    const queue = Array.from(files);
    if (!queue.length) return;
    const workers = Array.from({ length: Math.min(3, queue.length) }, async () => {
      while (queue.length) await uploadOne(queue.shift());
    });
    await Promise.all(workers);
    const failed = uploads.querySelectorAll(".bad").length, total = uploads.children.length;
    $("upload-summary").textContent = "Uploads: " + (total - failed) + " done" + (failed ? ", " + failed + " failed" : "");
    if (!failed) log.open = false; // the log collapses once everything went in
    load(false);
  };
  $("file-input").addEventListener("change", (e) => { uploadAll(e.target.files); e.target.value = ""; });
  const zone = $("dropzone");
  for (const t of ["dragenter", "dragover"]) document.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); });
  for (const t of ["dragleave", "drop"]) document.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); });
  document.addEventListener("drop", (e) => uploadAll(e.dataTransfer.files));
  document.body.dataset.ready = "1";
});
