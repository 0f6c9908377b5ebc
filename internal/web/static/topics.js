"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const form = $("topic-form");
  const load = async () => {
    const res = await DV.api("GET", "/api/topics" + DV.spaceQuery());
    const sp = DV.spaceById(DV.space()) || DV.spaces.find((x) => x.kind === "personal");
    $("topic-where").textContent = sp ? "It goes to " + (sp.kind === "personal" ? "your personal space" : "the space " + sp.name) + " (the space chosen at the top)." : "";
    $("empty").hidden = res.items.length > 0;
    $("topic-list").replaceChildren(...res.items.map((t) => {
      const name = DV.el("input", { value: t.name, "aria-label": "Name of " + t.name, maxlength: 100 });
      const desc = DV.el("input", { value: t.description, "aria-label": "Description of " + t.name, maxlength: 2000 });
      const color = DV.el("input", { type: "color", value: t.color || "#2f6fde", "aria-label": "Colour of " + t.name });
      return DV.el("li", {},
        DV.el("div", { class: "inline-form" }, name, color, DV.tagged("", t.space_id) ? DV.el("span", { class: "hint" }, DV.spaceName(t.space_id)) : null,
          DV.el("a", { href: "/documents?topic_id=" + encodeURIComponent(t.id) }, t.document_count + " documents")),
        desc,
        DV.el("button", { type: "button", onclick: async () => {
          try { await DV.api("PATCH", "/api/topics/" + encodeURIComponent(t.id), { name: name.value, description: desc.value, color: color.value }); DV.flash("Saved."); load(); }
          catch (e) { DV.flash(e.message, true); }
        } }, "Save"),
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete the topic “" + t.name + "”? Its documents stay.")) return;
          await DV.api("DELETE", "/api/topics/" + encodeURIComponent(t.id)); load();
        } }, "Delete"));
    }));
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("topic-error").textContent = "";
    try {
      await DV.api("POST", "/api/topics", DV.inSpace({ name: form.name.value, description: form.description.value, color: form.color.value }));
      form.reset();
      load();
    } catch (e) { DV.showErrors(form, $("topic-error"), e); }
  });
  document.addEventListener("dv:space", () => load().catch((e) => DV.flash(e.message, true)));
  await load().catch((e) => DV.flash(e.message, true));
  document.body.dataset.ready = "1";
  try {
    const sug = await DV.api("GET", "/api/topics/suggestions");
    $("suggestions").replaceChildren(sug.items.length ? DV.el("ul", { class: "rows" }, sug.items.map((s) => DV.el("li", {},
      DV.el("strong", {}, s.name), DV.el("span", { class: "hint" }, s.reason + " (" + (s.document_ids || []).length + " documents)"),
      DV.el("button", { type: "button", onclick: async () => { await DV.api("POST", "/api/topics/suggestions/accept", { name: s.name }); load(); DV.flash("Topic “" + s.name + "” created and assigned."); } }, "Accept"))))
      : DV.el("p", { class: "hint" }, "No suggestions right now. They appear when several unfiled documents have something in common."));
  } catch (e) {
    $("suggestions").replaceChildren(DV.el("p", { class: "hint" }, "Suggestions are not available: " + e.message));
  }
});
