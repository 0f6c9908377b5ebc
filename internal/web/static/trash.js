"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const list = document.getElementById("trash-list");
  const empty = document.getElementById("empty");
  const load = async () => {
    const sp = DV.space();
    const res = await DV.api("GET", "/api/trash?limit=200" + (sp ? "&space_id=" + encodeURIComponent(sp) : ""));
    list.replaceChildren();
    empty.hidden = res.items.length > 0;
    for (const d of res.items) {
      const row = DV.el("div", { class: "doc" },
        DV.el("div", { class: "info" },
          DV.el("div", { class: "title" }, d.title),
          DV.el("div", { class: "hint" }, DV.tagged("", d.space_id) ? DV.spaceName(d.space_id) + " · " : "", d.original_filename + " · " + DV.size(d.size_bytes) + " · deleted " + DV.date(d.deleted_at))),
        DV.el("button", { type: "button", onclick: async () => {
          try { await DV.api("POST", "/api/trash/" + encodeURIComponent(d.id) + "/restore"); } catch (e) { return DV.flash(e.message, true); }
          DV.flash("Restored “" + d.title + "”.");
          load();
        } }, "Restore"),
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete “" + d.title + "” for good? This cannot be undone.")) return;
          try { await DV.api("DELETE", "/api/trash/" + encodeURIComponent(d.id)); } catch (e) { return DV.flash(e.message, true); }
          DV.flash("Deleted for good.");
          load();
        } }, "Delete for good"));
      list.append(row);
    }
  };
  document.addEventListener("dv:space", () => load().catch((e) => DV.flash(e.message, true)));
  load().catch((e) => DV.flash(e.message, true));
});
