"use strict";
// The Spaces page: my spaces with my role; members for admins; rename and
// delete for the owner; leave for the other members.
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;
  const ROLES = ["viewer", "editor", "admin"];

  const roleSelect = (value, label) => DV.el("select", { "aria-label": label }, ROLES.map((r) => {
    const o = DV.el("option", { value: r }, r);
    if (r === value) o.selected = true;
    return o;
  }));

  // members renders a shared space's member table; admins may change roles
  // and remove, and add people by email.
  const members = async (sp, box) => {
    const admin = DV.can(sp.id, "admin");
    const res = await DV.api("GET", "/api/spaces/" + enc(sp.id) + "/members");
    const tbody = DV.el("tbody", {}, res.items.map((m) => {
      const who = (m.user.display_name || m.user.email) + (m.user.id === me.id ? " (you)" : "");
      let role = m.role, actions = "";
      if (admin && m.role !== "owner" && m.user.id !== me.id) {
        role = roleSelect(m.role, "Role of " + (m.user.display_name || m.user.email));
        role.addEventListener("change", async () => {
          try {
            await DV.api("PATCH", "/api/spaces/" + enc(sp.id) + "/members/" + enc(m.user.id), { role: role.value });
            DV.flash((m.user.display_name || m.user.email) + " is now " + role.value + ".");
          } catch (e) { DV.flash(e.message, true); role.value = m.role; }
        });
        actions = DV.el("button", { type: "button", class: "danger", "aria-label": "Remove " + (m.user.display_name || m.user.email), onclick: async () => {
          if (!confirm("Remove " + (m.user.display_name || m.user.email) + " from “" + sp.name + "”? They lose access at once.")) return;
          try { await DV.api("DELETE", "/api/spaces/" + enc(sp.id) + "/members/" + enc(m.user.id)); DV.flash("Removed."); await load(); } catch (e) { DV.flash(e.message, true); }
        } }, "Remove");
      }
      return DV.el("tr", { "data-member": m.user.email }, DV.el("td", {}, who), DV.el("td", {}, m.user.email), DV.el("td", {}, role), DV.el("td", {}, actions));
    }));
    box.append(DV.el("h3", {}, "Members"), DV.el("table", { class: "table members" },
      DV.el("thead", {}, DV.el("tr", {}, DV.el("th", {}, "Member"), DV.el("th", {}, "Email"), DV.el("th", {}, "Role"), DV.el("th", {}, ""))), tbody));
    DV.labelCells(tbody);
    if (!admin) return;
    const err = DV.el("p", { class: "error", role: "alert" });
    const email = DV.el("input", { id: "member-email-" + sp.id, name: "email", type: "email", required: true, autocomplete: "off" });
    const role = roleSelect("editor", "Role");
    role.name = "role";
    role.id = "member-role-" + sp.id;
    const form = DV.el("form", { class: "inline-form add-member", novalidate: true },
      DV.el("label", { for: email.id }, "Add member (email)"), email,
      DV.el("label", { for: role.id }, "as"), role,
      DV.el("button", { type: "submit" }, "Add member"), err);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      err.textContent = "";
      try {
        await DV.api("POST", "/api/spaces/" + enc(sp.id) + "/members", { email: email.value.trim(), role: role.value });
        DV.flash(email.value.trim() + " added as " + role.value + ".");
        await load();
      } catch (e) { DV.showErrors(form, err, e); }
    });
    box.append(form);
  };

  // drives are the caller's connected drives (for the owner's storage choice).
  let drives = [];

  // storage says where a shared space's documents live; its owner chooses
  // system storage or one of their own drives, and the documents already
  // there move in the background.
  const storage = (sp, owner, err) => {
    const backend = sp.storage ? sp.storage.backend : "system";
    if (!owner) {
      return DV.el("p", { class: "hint space-storage" }, backend === "system"
        ? "Documents are kept in DocuVault's own storage."
        : "Documents are kept in a cloud drive of " + (sp.owner.display_name || "the owner") + ".");
    }
    const sel = DV.el("select", { id: "space-storage-" + sp.id, name: "backend" },
      DV.el("option", { value: "system" }, "DocuVault's own storage"),
      ...drives.filter((a) => a.status !== "disconnecting" || a.id === backend).map((a) => DV.el("option", { value: a.id }, a.display_name + " (" + a.kind + ")")));
    sel.value = backend;
    const form = DV.el("form", { class: "inline-form space-storage", novalidate: true },
      DV.el("label", { for: sel.id }, "Documents are kept in"), sel, DV.el("button", { type: "submit" }, "Save"));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      err.textContent = "";
      try {
        await DV.api("PUT", "/api/spaces/" + enc(sp.id) + "/storage", { backend: sel.value });
        DV.flash(sel.value === "system" ? "The space's documents are kept in DocuVault's own storage; any in a drive come back in the background."
          : "The space's documents move to " + sel.options[sel.selectedIndex].text + " in the background.");
        await load();
      } catch (e) { DV.showErrors(form, err, e); }
    });
    return form;
  };

  const card = (sp) => {
    const personal = sp.kind === "personal";
    const owner = sp.role === "owner";
    const err = DV.el("p", { class: "error", role: "alert" });
    const li = DV.el("li", { class: "card", "data-space": sp.id },
      DV.el("h2", {}, DV.spaceName(sp.id)),
      DV.el("p", { class: "hint" }, (personal ? "Personal, only you" : "Shared, " + sp.member_count + (sp.member_count === 1 ? " member" : " members")) +
        " · your role: " + sp.role + (owner ? "" : " · owner: " + (sp.owner.display_name || "someone")) + " · ",
        DV.el("a", { href: "/documents?space_id=" + enc(sp.id) }, "Documents")));
    if (!personal && owner) {
      const name = DV.el("input", { value: sp.name, maxlength: 100, "aria-label": "Name of " + sp.name, name: "name" });
      const rename = DV.el("form", { class: "inline-form rename", novalidate: true }, name, DV.el("button", { type: "submit" }, "Rename"));
      rename.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try { await DV.api("PATCH", "/api/spaces/" + enc(sp.id), { name: name.value }); DV.flash("Renamed."); await load(); } catch (e) { DV.showErrors(rename, err, e); }
      });
      li.append(rename);
    }
    if (!personal) li.append(storage(sp, owner, err));
    if (!personal) {
      const box = DV.el("div", { class: "member-box" });
      li.append(box);
      members(sp, box).catch((e) => { err.textContent = e.message; });
    }
    const acts = DV.el("div", { class: "actions" });
    if (!personal && owner) acts.append(DV.el("button", { type: "button", class: "danger delete-space", onclick: async () => {
      if (!confirm("Delete the space “" + sp.name + "”? It must hold no documents, the trash included.")) return;
      try {
        await DV.api("DELETE", "/api/spaces/" + enc(sp.id));
        if (DV.space() === sp.id) DV.setSpace("");
        DV.flash("Space deleted.");
        await load();
      } catch (e) { err.textContent = e.status === 409 ? "This space still holds documents (the trash included): move or delete them first, then delete the space." : e.message; }
    } }, "Delete space"));
    if (!personal && !owner) acts.append(DV.el("button", { type: "button", class: "danger leave-space", onclick: async () => {
      if (!confirm("Leave “" + sp.name + "”? You lose access to its documents.")) return;
      try {
        await DV.api("DELETE", "/api/spaces/" + enc(sp.id) + "/members/" + enc(me.id));
        if (DV.space() === sp.id) DV.setSpace("");
        DV.flash("You left “" + sp.name + "”.");
        await load();
      } catch (e) { err.textContent = e.message; }
    } }, "Leave"));
    if (acts.children.length) li.append(acts);
    li.append(err);
    return li;
  };

  const load = async () => {
    await DV.loadSpaces();
    if (DV.spaces.some((sp) => sp.kind === "shared" && sp.role === "owner")) {
      drives = await DV.api("GET", "/api/cloud").then((r) => r.items, () => []);
    }
    $("space-list").replaceChildren(...DV.spaces.map(card));
  };

  const form = $("space-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("space-error").textContent = "";
    try {
      const r = await DV.api("POST", "/api/spaces", { name: form.name.value });
      form.reset();
      DV.flash("Space “" + r.space.name + "” created. Add members below.");
      await load();
    } catch (e) { DV.showErrors(form, $("space-error"), e); }
  });
  await load().catch((e) => DV.flash(e.message, true));
  document.body.dataset.ready = "1";
});
