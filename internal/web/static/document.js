"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const id = decodeURIComponent(location.pathname.split("/").pop());
  const base = "/api/documents/" + encodeURIComponent(id);
  let doc = null, topics = [];

  // Where the original lives, in words (drive names from /api/cloud).
  let drives = {};
  DV.api("GET", "/api/cloud").then((r) => {
    drives = Object.fromEntries(r.items.map((c) => [c.id, c.display_name]));
    if (doc) render();
  }).catch(() => {});
  const storedIn = () => {
    const s = doc.storage || { backend: "system", state: "stored" };
    let where = "DocuVault";
    if (s.state === "placed") where = "your cloud drive " + (drives[s.backend] || "(no longer connected)");
    else if (s.state === "pending") where = "DocuVault, waiting to move to your cloud drive";
    else if (s.state === "failed") where = "DocuVault (it could not be moved to your cloud drive)";
    return s.error ? where + ": " + s.error : where;
  };

  // A viewer of the document's space sees no edit controls (the server
  // refuses anyway; a refusal is a plain message and switches them off).
  const readOnly = () => DV.spaces.length > 0 && !DV.can(doc.space_id, "editor");
  const gone = () => $("doc").replaceChildren(DV.el("p", { class: "empty gone" },
    "This document does not exist, it is in the trash, or you no longer have access to it."));
  // fail shows why an action was refused: a vanished document (removed from
  // its space) leaves the page, a too-low role turns the page read-only.
  const fail = async (e) => {
    if (e.status === 404) return gone();
    DV.flash(e.message, true);
    if (e.status === 403 && e.code === "forbidden") {
      await DV.loadSpaces().catch(() => {});
      if (doc) render();
    }
  };
  const addedBy = () => (!doc.created_by ? "a former member" : doc.created_by.id === me.id ? "You" : doc.created_by.display_name || "another member");

  const render = () => {
    const ro = readOnly();
    document.title = doc.title + " · DocuVault";
    $("doc").setAttribute("aria-busy", "false");
    $("title").value = doc.title;
    const st = $("doc-status");
    st.className = "status " + doc.status;
    st.textContent = doc.status === "failed" ? "Failed" : doc.status === "processing" ? "Processing… this page updates by itself." : "Ready";
    $("failure").hidden = doc.status !== "failed";
    $("truncated").hidden = !(doc.status === "ready" && doc.text_truncated);
    $("failure-summary").textContent = doc.error_summary || "Something went wrong while reading this file.";
    $("failure-detail").textContent = doc.error || "no detail was recorded";
    const facts = [["File", doc.original_filename], ["Type", doc.mime_type], ["Size", DV.size(doc.size_bytes)],
      ["Pages", doc.page_count], ["Language", doc.language], ["Uploaded", DV.date(doc.created_at)],
      ["Space", DV.spaceName(doc.space_id) + (ro ? " (you can only view)" : "")], ["Added by", addedBy()],
      ["Stored in", storedIn()],
      ["Processing notes", doc.notes], ["SHA-256", doc.sha256]];
    $("facts").replaceChildren(...facts.filter((f) => f[1]).flatMap(([k, v]) => [DV.el("dt", {}, k), DV.el("dd", {}, v)]));
    $("doc-topics").replaceChildren(...doc.topics.map((t) => DV.el("li", { class: "chip" },
      t.name, DV.el("span", { class: "hint" }, t.source === "ai" ? " suggested" + (t.confidence ? " " + Math.round(t.confidence * 100) + "%" : "") : " yours"),
      ro ? null : DV.el("button", { type: "button", "aria-label": "Remove topic " + t.name, onclick: () => setTopics(doc.topics.filter((x) => x.id !== t.id).map((x) => x.id)) }, "×"))));
    // Whether classification ran, and its ranked candidates: one click files the document under one.
    const cl = doc.classification;
    const words = { done: "Classified", waiting: "Waiting for the classifier", declined: "Not classified", failed: "Classification failed" };
    $("classification").textContent = cl ? words[cl.state] + (cl.at ? " " + DV.date(cl.at) : "") + (cl.reason ? ": " + cl.reason : "") : "";
    const mine = doc.topics.filter((t) => t.source === "user").map((t) => t.id);
    const cands = (doc.candidates || []).filter((c) => !mine.includes(c.topic_id));
    $("candidates").hidden = ro || cands.length === 0;
    $("candidates").replaceChildren("Suggested: ", ...cands.map((c) => DV.el("button", { type: "button", class: "chip",
      title: "File under " + c.name, onclick: () => setTopics(mine.concat(c.topic_id)) }, c.name + " " + c.confidence.toFixed(2))));
    const sel = $("add-topic");
    sel.replaceChildren(...topics.filter((t) => !doc.topics.some((x) => x.id === t.id)).map((t) => DV.el("option", { value: t.id }, t.name)));
    $("topics-form").hidden = ro || sel.options.length === 0;
    $("notes-count").textContent = doc.notes_count ? "(" + doc.notes_count + ")" : "";
    $("view-only").hidden = !ro;
    $("title").readOnly = ro;
    $("meta-fields").disabled = ro;
    for (const b of ["share-open", "reprocess", "classify", "delete", "failure-reprocess", "note-form", "suggestions"]) $(b).hidden = ro;
    $("title-form").querySelector("button").hidden = ro;
    $("meta-form").querySelector("button[type=submit]").hidden = ro;
    document.querySelectorAll("#note-list .note button").forEach((b) => (b.hidden = ro));
    // Move: to another space where I am an editor too.
    const targets = DV.spaces.filter((x) => x.id !== doc.space_id && DV.can(x.id, "editor"));
    const keep = $("move-space").value;
    $("move-space").replaceChildren(...targets.map((x) => DV.el("option", { value: x.id }, DV.spaceName(x.id))));
    if (targets.some((x) => x.id === keep)) $("move-space").value = keep;
    $("move-form").hidden = ro || targets.length === 0;
  };

  // Notes: newest first, a page at a time; the author or the document's
  // owner may delete one (the server decides; a refusal is flashed).
  let notesCursor = null;
  const author = (a) => (!a ? "a former member" : a.id === me.id ? "You" : a.display_name || "another member");
  const noteItem = (n) => DV.el("li", { class: "note", "data-note": n.id },
    DV.el("p", { class: "note-body" }, n.body),
    DV.el("span", { class: "hint" }, author(n.author) + " · " + DV.date(n.created_at)),
    DV.el("button", { type: "button", class: "danger", "aria-label": "Delete this note", hidden: readOnly(), onclick: async () => {
      if (!confirm("Delete this note?")) return;
      try {
        await DV.api("DELETE", base + "/notes/" + encodeURIComponent(n.id));
        doc.notes_count = Math.max(0, (doc.notes_count || 1) - 1);
        await loadNotes(true);
        render();
        DV.flash("Note deleted.");
      } catch (e) { fail(e); }
    } }, "Delete"));
  const loadNotes = async (fresh) => {
    if (fresh) notesCursor = null;
    const r = await DV.api("GET", base + "/notes?limit=50" + (notesCursor ? "&cursor=" + encodeURIComponent(notesCursor) : ""));
    const items = r.items.map(noteItem);
    if (fresh) $("note-list").replaceChildren(...items); else $("note-list").append(...items);
    if (fresh && !items.length) $("note-list").replaceChildren(DV.el("li", { class: "hint empty-notes" }, "No notes yet."));
    notesCursor = r.next_cursor;
    $("notes-more").hidden = !notesCursor;
  };
  $("notes-more").addEventListener("click", () => loadNotes(false).catch((e) => DV.flash(e.message, true)));
  $("note-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = $("note-body").value;
    if (!body.trim()) return DV.flash("Write something first.", true);
    try {
      await DV.api("POST", base + "/notes", { body });
      $("note-body").value = "";
      doc.notes_count = (doc.notes_count || 0) + 1;
      await loadNotes(true);
      render();
      DV.flash("Note added.");
    } catch (e) { if (e.fields && e.fields.body) DV.flash(e.fields.body, true); else fail(e); }
  });


  // The viewer: one page at a time, drawn by the server at the width the
  // frame needs (GET /pages/{n}?width=), with page keys and zoom.
  const viewer = (() => {
    const img = $("page-img"), frame = $("page-frame"), note = $("viewer-note");
    const zooms = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
    let page = 1, zoom = 1, count = 1, url = null, seqNo = 0;
    const paged = () => doc && (doc.mime_type === "application/pdf" || doc.mime_type.startsWith("image/"));
    const width = () => {
      const css = Math.max(200, frame.clientWidth || 800) * zoom * (window.devicePixelRatio || 1);
      return Math.min(2000, Math.max(200, Math.ceil(css / 100) * 100)); // steps of 100 px share the cache
    };
    const show = async () => {
      const mine = ++seqNo;
      $("page-no").value = page;
      $("page-no").max = count;
      $("page-of").textContent = "of " + count;
      $("prev-page").disabled = page <= 1;
      $("next-page").disabled = page >= count;
      $("zoom-level").textContent = Math.round(zoom * 100) + "%";
      img.style.width = Math.round(zoom * 100) + "%";
      img.alt = "Page " + page + " of " + count;
      history.replaceState(history.state, "", location.pathname + location.search + (page > 1 ? "#page=" + page : ""));
      const r = await fetch(base + "/pages/" + page + "?width=" + width(), { headers: { Authorization: "Bearer " + DV.token() } });
      if (mine !== seqNo) return;
      if (!r.ok) {
        img.hidden = true;
        note.hidden = false;
        note.textContent = doc.status === "processing" ? "The pages appear when processing finishes." : "This page cannot be shown.";
        return;
      }
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(await r.blob());
      img.src = url;
      img.hidden = false;
      img.dataset.page = String(page);
      const preview = r.headers.get("X-Page-Preview") === "thumbnail";
      note.hidden = !preview && paged();
      note.textContent = preview || !paged() ? "Only a preview of the first page can be shown for this kind of file; download it to see all of it." : "";
    };
    const go = (n) => { n = Math.min(count, Math.max(1, n)); if (n !== page) { page = n; show(); } };
    const setZoom = (z) => { zoom = z; show(); };
    const step = (d) => {
      const i = zooms.findIndex((z) => z >= zoom - 1e-9);
      setZoom(zooms[Math.min(zooms.length - 1, Math.max(0, (i < 0 ? zooms.length - 1 : i) + d))]);
    };
    $("prev-page").addEventListener("click", () => go(page - 1));
    $("next-page").addEventListener("click", () => go(page + 1));
    $("page-no").addEventListener("change", (e) => go(parseInt(e.target.value, 10) || 1));
    $("zoom-in").addEventListener("click", () => step(1));
    $("zoom-out").addEventListener("click", () => step(-1));
    $("zoom-fit").addEventListener("click", () => setZoom(1));
    document.addEventListener("keydown", (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) || e.target.isContentEditable) return;
      const k = { ArrowRight: () => go(page + 1), ArrowLeft: () => go(page - 1), PageDown: () => go(page + 1), PageUp: () => go(page - 1),
        Home: () => go(1), End: () => go(count), "+": () => step(1), "=": () => step(1), "-": () => step(-1) }[e.key];
      if (k) { e.preventDefault(); k(); }
    });
    return {
      reset() {
        count = paged() ? Math.max(1, doc.page_count || 1) : 1;
        const m = /^#page=(\d+)$/.exec(location.hash);
        if (m && seqNo === 0) page = parseInt(m[1], 10);
        page = Math.min(count, Math.max(1, page));
        show();
      },
    };
  })();

  const load = async () => {
    doc = (await DV.api("GET", base)).document;
    render();
    renderMeta();
    viewer.reset();
    $("truncated").textContent = "Only the start of this file's text is searchable.";
    if (doc.status === "ready") {
      const text = await DV.api("GET", base + "/text", undefined, { text: true });
      $("text").textContent = text || "(no text was found in this document)";
      // A limit cut the text (MAX_TEXT_BYTES, MAX_EXTRACT_BYTES): say how much of it is searchable.
      if (doc.text_truncated && text) $("truncated").textContent = "Only the first " + DV.size(new TextEncoder().encode(text).length) + " of this file's text is searchable.";
    } else $("text").textContent = doc.status === "processing" ? "The text appears when processing finishes." : "";
    if (doc.status === "processing") setTimeout(() => load().catch(() => {}), 2500);
  };

  // Details: date, correspondent, type and custom fields, saved together.
  let corrs = [], types = [], fields = [];
  const fieldInputs = new Map();
  const fieldInput = (f, value) => {
    const a = { id: "field-" + f.id, "aria-label": f.name };
    if (f.type === "boolean" || f.type === "select") {
      const choices = f.type === "boolean" ? [["true", "Yes"], ["false", "No"]] : f.options.map((o) => [o, o]);
      return DV.el("select", a, DV.el("option", { value: "" }, "—"), choices.map(([v, t]) => {
        const o = DV.el("option", { value: v }, t);
        if (value !== null && value !== undefined && String(value) === v) o.selected = true;
        return o;
      }));
    }
    const type = { number: "number", date: "date", url: "url" }[f.type] || "text";
    const placeholder = { monetary: "EUR12.50", document_link: "document id" }[f.type] || "";
    return DV.el("input", Object.assign(a, { type, placeholder, step: f.type === "number" ? "any" : undefined,
      value: value === null || value === undefined ? "" : String(value) }));
  };
  const renderMeta = () => {
    $("doc-date").value = doc.document_date || "";
    $("doc-date-source").textContent = doc.document_date_source === "found" ? "(found in the document)" : "";
    const opts = (items, cur, none) => [DV.el("option", { value: "" }, none)].concat(items.map((x) => {
      const o = DV.el("option", { value: x.id }, x.name);
      if (cur && cur.id === x.id) o.selected = true;
      return o;
    }));
    $("doc-corr").replaceChildren(...opts(corrs, doc.correspondent, "None"));
    $("doc-type").replaceChildren(...opts(types, doc.document_type, "None"));
    // What the space's classifier set, with its confidence; saving a change makes it the person's.
    const auto = (kind, source) => {
      const p = (doc.proposals || {})[kind];
      return source === "auto" ? "(set by the classifier" + (p && p.applied ? ", " + Math.round(p.confidence * 100) + "%" : "") + ")" : "";
    };
    $("doc-corr-source").textContent = auto("correspondent", doc.correspondent_source);
    $("doc-type-source").textContent = auto("document_type", doc.document_type_source);
    fieldInputs.clear();
    const values = Object.fromEntries((doc.custom_fields || []).map((v) => [v.field_id, v.value]));
    $("doc-fields").replaceChildren(...fields.map((f) => {
      const input = fieldInput(f, values[f.id]);
      fieldInputs.set(f.id, { f, input });
      return DV.el("div", {}, DV.el("label", { for: input.id }, f.name), input);
    }));
  };
  $("meta-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("meta-error").textContent = "";
    // Only what changed is sent: saving a field leaves a date found in the content, or a
    // correspondent or type the classifier set, as they are (not made the person's choice).
    const body = { custom_fields: [] };
    const date = $("doc-date").value || null, corr = $("doc-corr").value || null, type = $("doc-type").value || null;
    if (date !== (doc.document_date || null)) body.document_date = date;
    if (corr !== (doc.correspondent ? doc.correspondent.id : null)) body.correspondent_id = corr;
    if (type !== (doc.document_type ? doc.document_type.id : null)) body.document_type_id = type;
    for (const [id, { f, input }] of fieldInputs) {
      let v = input.value.trim();
      if (v === "") v = null;
      else if (f.type === "number") v = Number(v);
      else if (f.type === "boolean") v = v === "true";
      body.custom_fields.push({ field_id: id, value: v });
    }
    try {
      doc = (await DV.api("PATCH", base, body)).document;
      render(); renderMeta(); DV.flash("Details saved.");
    } catch (e) {
      if (e.status === 403 || e.status === 404) return fail(e);
      const errs = (e.problem && e.problem.errors) || {};
      const named = Object.entries(errs).map(([k, why]) => ((fieldInputs.get(k) || {}).f || { name: k }).name + ": " + why);
      $("meta-error").textContent = named.length ? named.join(" ") : e.message;
    }
  });

  const setTopics = async (ids) => {
    try { doc = (await DV.api("PATCH", base, { topic_ids: ids })).document; render(); } catch (e) { fail(e); }
  };

  $("title-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { doc = (await DV.api("PATCH", base, { title: $("title").value })).document; render(); DV.flash("Renamed."); } catch (e) { fail(e); }
  });
  $("topics-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setTopics(doc.topics.map((t) => t.id).concat($("add-topic").value));
  });
  $("download").addEventListener("click", async (ev) => {
    ev.preventDefault();
    const r = await fetch(base + "/download", { headers: { Authorization: "Bearer " + DV.token() } });
    if (r.status === 404) return gone();
    if (!r.ok) return DV.flash("The download failed.", true);
    const a = DV.el("a", { href: URL.createObjectURL(await r.blob()), download: doc.original_filename });
    document.body.append(a); a.click(); a.remove();
  });
  // Share links: create (the URL is shown once), list, revoke.
  const shareDialog = $("share-dialog");
  const shareList = async () => {
    const r = await DV.api("GET", base + "/links");
    $("share-none").hidden = r.items.length > 0;
    $("share-list").replaceChildren(...r.items.map((l) => {
      const used = l.max_downloads ? l.download_count + " of " + l.max_downloads : String(l.download_count);
      const dead = (l.expires_at && new Date(l.expires_at) <= new Date()) || (l.max_downloads && l.download_count >= l.max_downloads);
      return DV.el("tr", { "data-link": l.id },
        DV.el("td", {}, DV.date(l.created_at)),
        DV.el("td", {}, (l.expires_at ? DV.date(l.expires_at) : "never") + (dead ? " (no longer works)" : "")),
        DV.el("td", {}, l.has_password ? "yes" : "no"),
        DV.el("td", {}, used),
        DV.el("td", {}, DV.el("button", { type: "button", class: "danger", "aria-label": "Revoke the link created " + DV.date(l.created_at),
          onclick: async () => {
            try { await DV.api("DELETE", "/api/links/" + encodeURIComponent(l.id)); DV.flash("The link was revoked."); await shareList(); } catch (e) { DV.flash(e.message, true); }
          } }, "Revoke")));
    }));
    DV.labelCells($("share-list"));
  };
  $("share-open").addEventListener("click", async () => {
    $("share-created").hidden = true;
    $("share-url").value = "";
    $("share-form").reset();
    $("share-error").textContent = "";
    shareDialog.showModal();
    try { await shareList(); } catch (e) { $("share-error").textContent = e.message; }
  });
  $("share-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = {};
    if (f.expires_at.value) body.expires_at = new Date(f.expires_at.value).toISOString();
    if (f.password.value) body.password = f.password.value;
    if (f.max_downloads.value) body.max_downloads = Number(f.max_downloads.value);
    await DV.busy(f.querySelector("button[type=submit]"), async () => {
      try {
        const r = await DV.api("POST", base + "/links", body);
        f.reset();
        $("share-error").textContent = "";
        $("share-url").value = r.link.url;
        $("share-created").hidden = false;
        $("share-url").focus();
        $("share-url").select();
        await shareList();
      } catch (e) { DV.showErrors(f, $("share-error"), e); }
    });
  });
  $("share-copy").addEventListener("click", async () => {
    try { await DV.copyText($("share-url").value); DV.flash("Link copied."); } catch (e) { $("share-url").select(); DV.flash("Copy it with Ctrl+C.", true); }
  });
  const reprocess = async () => {
    try { await DV.api("POST", base + "/reprocess"); DV.flash("Processing again."); load(); } catch (e) { fail(e); }
  };
  $("reprocess").addEventListener("click", reprocess);
  $("failure-reprocess").addEventListener("click", reprocess);
  $("classify").addEventListener("click", async () => {
    try { await DV.api("POST", base + "/classify"); DV.flash("Classifying again; topics update in a moment."); setTimeout(load, 2500); } catch (e) { fail(e); }
  });
  $("delete").addEventListener("click", async () => {
    try { await DV.api("DELETE", base); location.assign("/documents"); } catch (e) { fail(e); }
  });
  $("move-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const to = $("move-space").value;
    if (!to) return;
    await DV.busy(ev.target.querySelector("button"), async () => {
      try {
        doc = (await DV.api("POST", base + "/move", { space_id: to })).document;
        await lists();
        render(); renderMeta();
        DV.flash("Moved to " + DV.spaceName(to) + ".");
      } catch (e) { fail(e); }
    });
  });

  // The topics and metadata to choose from are those of the document's space.
  const lists = async () => {
    const sq = "?space_id=" + encodeURIComponent(doc.space_id);
    [topics, corrs, types, fields] = await Promise.all(["/api/topics", "/api/correspondents", "/api/document-types", "/api/custom-fields"]
      .map((p) => DV.api("GET", p + sq).then((r) => r.items).catch(() => [])));
  };

  try {
    doc = (await DV.api("GET", base)).document;
    await lists();
    await load();
    await loadNotes(true);
    // Suggestions belong to the document's space.
    const space = doc && doc.space_id ? doc.space_id : "";
    const sug = await DV.api("GET", "/api/topics/suggestions?document_id=" + encodeURIComponent(id) +
      (space ? "&space_id=" + encodeURIComponent(space) : "")).catch(() => ({ items: [] }));
    if (sug.items && sug.items.length) {
      $("suggestions").replaceChildren(DV.el("h3", {}, "Suggested new topics"), DV.el("ul", { class: "rows" }, sug.items.map((s) =>
        DV.el("li", {}, DV.el("strong", {}, s.name), DV.el("span", { class: "hint" }, s.reason),
          DV.el("button", { type: "button", onclick: async () => {
            await DV.api("POST", "/api/topics/suggestions/accept", space ? { name: s.name, space_id: space } : { name: s.name });
            await lists();
            await load();
            DV.flash("Topic “" + s.name + "” created.");
          } }, "Accept")))));
    }
  } catch (e) {
    if (e.status === 404) return gone();
    DV.flash(e.message, true);
  }
  // Loaded and every control wired (a reload can show restored form values
  // before this point).
  document.body.dataset.ready = "1";
});
