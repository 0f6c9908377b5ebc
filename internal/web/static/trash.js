"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const list = document.getElementById("trash-list");
  const empty = document.getElementById("empty");
  const load = async () => {
    const res = await DV.api("GET", "/api/trash?limit=200");
    list.replaceChildren();
    empty.hidden = res.items.length > 0;
    for (const d of res.items) {
      const row = DV.el("div", { class: "doc" },
        DV.el("div", { class: "info" },
          DV.el("div", { class: "title" }, d.title),
          DV.el("div", { class: "hint" }, d.original_filename + " · " + DV.size(d.size_bytes) + " · deleted " + DV.date(d.deleted_at))),
        DV.el("button", { type: "button", onclick: async () => {
          await DV.api("POST", "/api/trash/" + encodeURIComponent(d.id) + "/restore");
          DV.flash("Restored “" + d.title + "”.");
          load();
        } }, "Restore"),
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete “" + d.title + "” for good? This cannot be undone.")) return;
          await DV.api("DELETE", "/api/trash/" + encodeURIComponent(d.id));
          DV.flash("Deleted for good.");
          load();
        } }, "Delete for good"));
      list.append(row);
    }
  };
  load().catch((e) => DV.flash(e.message, true));
});
