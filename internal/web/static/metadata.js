"use strict";
// The Metadata page: correspondents, document types and custom fields.
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;

  // Correspondents and document types share one editor.
  const labels = (path, prefix, noun, filter) => {
    const form = $(prefix + "-form");
    const load = async () => {
      const res = await DV.api("GET", path + DV.spaceQuery());
      $(prefix + "-list").replaceChildren(...res.items.map((l) => {
        const name = DV.el("input", { value: l.name, maxlength: 128, "aria-label": "Name of " + l.name });
        return DV.el("li", { class: "inline-form" }, name, DV.tagged("", l.space_id) ? DV.el("span", { class: "hint" }, DV.spaceName(l.space_id)) : null,
          DV.el("a", { href: "/documents?" + filter + "=" + enc(l.id) }, l.document_count + " documents"),
          DV.el("button", { type: "button", onclick: async () => {
            try { await DV.api("PATCH", path + "/" + enc(l.id), { name: name.value }); DV.flash("Saved."); load(); } catch (e) { DV.flash(e.message, true); }
          } }, "Rename"),
          DV.el("button", { type: "button", class: "danger", onclick: async () => {
            if (!confirm("Delete the " + noun + " “" + l.name + "”? Its documents keep everything else.")) return;
            try { await DV.api("DELETE", path + "/" + enc(l.id)); load(); } catch (e) { DV.flash(e.message, true); }
          } }, "Delete"));
      }));
    };
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $(prefix + "-error").textContent = "";
      try { await DV.api("POST", path, DV.inSpace({ name: form.name.value })); form.reset(); load(); } catch (e) { DV.showErrors(form, $(prefix + "-error"), e); }
    });
    return load;
  };
  const loadCorr = labels("/api/correspondents", "corr", "correspondent", "correspondent_id");
  const loadTypes = labels("/api/document-types", "type", "document type", "document_type_id");

  const ff = $("field-form");
  const opts = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
  const loadFields = async () => {
    const res = await DV.api("GET", "/api/custom-fields" + DV.spaceQuery());
    $("field-list").replaceChildren(...res.items.map((f) => {
      const name = DV.el("input", { value: f.name, maxlength: 128, "aria-label": "Name of " + f.name });
      const options = f.type === "select" ? DV.el("textarea", { rows: 2, "aria-label": "Options of " + f.name }, f.options.join("\n")) : null;
      return DV.el("li", {}, DV.el("div", { class: "inline-form" }, name, DV.el("span", { class: "hint" }, f.type + (DV.tagged("", f.space_id) ? " · " + DV.spaceName(f.space_id) : ""))), options,
        DV.el("button", { type: "button", onclick: async () => {
          const body = { name: name.value };
          if (options) body.options = opts(options.value);
          try { await DV.api("PATCH", "/api/custom-fields/" + enc(f.id), body); DV.flash("Saved."); loadFields(); } catch (e) { DV.flash(e.message, true); }
        } }, "Save"),
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete the field “" + f.name + "” and its values on every document?")) return;
          try { await DV.api("DELETE", "/api/custom-fields/" + enc(f.id)); loadFields(); } catch (e) { DV.flash(e.message, true); }
        } }, "Delete"));
    }));
  };
  ff.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("field-error").textContent = "";
    const body = { name: ff.name.value, type: ff.type.value };
    if (body.type === "select") body.options = opts(ff.options.value);
    try { await DV.api("POST", "/api/custom-fields", DV.inSpace(body)); ff.reset(); loadFields(); } catch (e) { DV.showErrors(ff, $("field-error"), e); }
  });
  const all = () => Promise.all([loadCorr(), loadTypes(), loadFields()]).catch((e) => DV.flash(e.message, true));
  document.addEventListener("dv:space", all);
  await all();
});
