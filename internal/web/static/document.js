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

  const render = () => {
    document.title = doc.title + " · DocuVault";
    $("doc").setAttribute("aria-busy", "false");
    $("title").value = doc.title;
    const st = $("doc-status");
    st.className = "status " + doc.status;
    st.textContent = doc.status === "failed" ? "Failed: " + (doc.error || "unknown error") : doc.status === "processing" ? "Processing… this page updates by itself." : "Ready";
    const facts = [["File", doc.original_filename], ["Type", doc.mime_type], ["Size", DV.size(doc.size_bytes)],
      ["Pages", doc.page_count], ["Language", doc.language], ["Uploaded", DV.date(doc.created_at)],
      ["Stored in", storedIn()],
      ["Notes", doc.notes], ["SHA-256", doc.sha256]];
    $("facts").replaceChildren(...facts.filter((f) => f[1]).flatMap(([k, v]) => [DV.el("dt", {}, k), DV.el("dd", {}, v)]));
    $("doc-topics").replaceChildren(...doc.topics.map((t) => DV.el("li", { class: "chip" },
      t.name, DV.el("span", { class: "hint" }, t.source === "ai" ? " suggested" + (t.confidence ? " " + Math.round(t.confidence * 100) + "%" : "") : " yours"),
      DV.el("button", { type: "button", "aria-label": "Remove topic " + t.name, onclick: () => setTopics(doc.topics.filter((x) => x.id !== t.id).map((x) => x.id)) }, "×"))));
    const sel = $("add-topic");
    sel.replaceChildren(...topics.filter((t) => !doc.topics.some((x) => x.id === t.id)).map((t) => DV.el("option", { value: t.id }, t.name)));
    $("topics-form").hidden = sel.options.length === 0;
  };

  const load = async () => {
    doc = (await DV.api("GET", base)).document;
    render();
    if (doc.has_thumbnail) {
      const r = await fetch(base + "/thumbnail", { headers: { Authorization: "Bearer " + DV.token() } });
      if (r.ok) { $("thumb").src = URL.createObjectURL(await r.blob()); $("thumb").hidden = false; }
    }
    if (doc.status === "ready") $("text").textContent = (await DV.api("GET", base + "/text", undefined, { text: true })) || "(no text was found in this document)";
    else $("text").textContent = doc.status === "processing" ? "The text appears when processing finishes." : "";
    if (doc.status === "processing") setTimeout(() => load().catch(() => {}), 2500);
  };

  const setTopics = async (ids) => {
    try { doc = (await DV.api("PATCH", base, { topic_ids: ids })).document; render(); } catch (e) { DV.flash(e.message, true); }
  };

  $("title-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { doc = (await DV.api("PATCH", base, { title: $("title").value })).document; render(); DV.flash("Renamed."); } catch (e) { DV.flash(e.message, true); }
  });
  $("topics-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setTopics(doc.topics.map((t) => t.id).concat($("add-topic").value));
  });
  $("download").addEventListener("click", async (ev) => {
    ev.preventDefault();
    const r = await fetch(base + "/download", { headers: { Authorization: "Bearer " + DV.token() } });
    if (!r.ok) return DV.flash("The download failed.", true);
    const a = DV.el("a", { href: URL.createObjectURL(await r.blob()), download: doc.original_filename });
    document.body.append(a); a.click(); a.remove();
  });
  $("reprocess").addEventListener("click", async () => {
    try { await DV.api("POST", base + "/reprocess"); DV.flash("Processing again."); load(); } catch (e) { DV.flash(e.message, true); }
  });
  $("classify").addEventListener("click", async () => {
    try { await DV.api("POST", base + "/classify"); DV.flash("Classifying again; topics update in a moment."); setTimeout(load, 2500); } catch (e) { DV.flash(e.message, true); }
  });
  $("delete").addEventListener("click", async () => {
    try { await DV.api("DELETE", base); location.assign("/documents"); } catch (e) { DV.flash(e.message, true); }
  });

  try {
    topics = (await DV.api("GET", "/api/topics")).items;
    await load();
    const sug = await DV.api("GET", "/api/topics/suggestions?document_id=" + encodeURIComponent(id)).catch(() => ({ items: [] }));
    if (sug.items && sug.items.length) {
      $("suggestions").replaceChildren(DV.el("h3", {}, "Suggested new topics"), DV.el("ul", { class: "rows" }, sug.items.map((s) =>
        DV.el("li", {}, DV.el("strong", {}, s.name), DV.el("span", { class: "hint" }, s.reason),
          DV.el("button", { type: "button", onclick: async () => {
            await DV.api("POST", "/api/topics/suggestions/accept", { name: s.name });
            topics = (await DV.api("GET", "/api/topics")).items;
            await load();
            DV.flash("Topic “" + s.name + "” created.");
          } }, "Accept")))));
    }
  } catch (e) {
    if (e.status === 404) { $("doc").replaceChildren(DV.el("p", { class: "empty" }, "This document does not exist, or it is in the trash.")); return; }
    DV.flash(e.message, true);
  }
});
