"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  if (me.role !== "admin") {
    document.querySelector("main").replaceChildren(DV.el("p", { class: "empty" }, "This page is for administrators."));
    return;
  }
  const fail = (e) => DV.flash(e.message, true);
  // On a phone the tables stack; every cell keeps its column's name.
  for (const id of ["users", "audit", "jobs"]) new MutationObserver(() => DV.labelCells($(id))).observe($(id), { childList: true });
  const MB = 1e6, GB = 1e9;

  // A storage quota is shown and entered in MB or GB; empty is unlimited (0).
  const quotaInput = (u) => {
    const gb = u.quota_bytes > 0 && u.quota_bytes % GB === 0;
    const n = DV.el("input", { type: "number", min: 0, step: "any", class: "quota", placeholder: "unlimited",
      value: u.quota_bytes > 0 ? String(u.quota_bytes / (gb ? GB : MB)) : "", "aria-label": "Storage quota of " + u.email });
    const unit = DV.el("select", { "aria-label": "Unit of the storage quota of " + u.email },
      DV.el("option", { value: "MB" }, "MB"), DV.el("option", { value: "GB" }, "GB"));
    unit.value = gb ? "GB" : "MB";
    const bytes = () => (n.value.trim() === "" ? 0 : Math.round(Number(n.value) * (unit.value === "GB" ? GB : MB)));
    return { el: DV.el("span", { class: "quota-field" }, n, unit), bytes };
  };

  const userAction = (label, u, path, done) => DV.el("button", { type: "button", onclick: async () => {
    try { await DV.api("POST", "/api/admin/users/" + encodeURIComponent(u.id) + path); DV.flash(done); } catch (e) { fail(e); }
  } }, label);

  const loadUsers = async () => {
    const r = await DV.api("GET", "/api/admin/users?limit=200");
    $("users").replaceChildren(...r.items.map((u) => {
      const role = DV.el("select", { "aria-label": "Role of " + u.email }, DV.el("option", { value: "user" }, "user"), DV.el("option", { value: "admin" }, "admin"));
      role.value = u.role;
      const disabled = DV.el("input", { type: "checkbox", "aria-label": "Disable " + u.email, checked: u.disabled });
      const qb = quotaInput(u);
      const qd = DV.el("input", { type: "number", min: 0, placeholder: "unlimited", value: u.quota_documents > 0 ? String(u.quota_documents) : "",
        "aria-label": "Document quota of " + u.email });
      const who = DV.el("td", {}, u.display_name ? DV.el("div", {}, u.display_name) : null, DV.el("div", { class: u.display_name ? "hint" : "" }, u.email),
        u.invited ? DV.el("div", { class: "hint invited" }, "invited, no password yet") : null);
      return DV.el("tr", {}, who, DV.el("td", {}, role), DV.el("td", {}, disabled),
        DV.el("td", {}, DV.size(u.used_bytes) + " · " + u.document_count + " docs"), DV.el("td", {}, qb.el), DV.el("td", {}, qd),
        DV.el("td", {}, DV.el("button", { type: "button", onclick: async () => {
          try {
            await DV.api("PATCH", "/api/admin/users/" + encodeURIComponent(u.id), { role: role.value, disabled: disabled.checked,
              quota_bytes: qb.bytes(), quota_documents: qd.value.trim() === "" ? 0 : Number(qd.value) });
            DV.flash("Saved " + u.email + ".");
          } catch (e) { fail(e); }
        } }, "Save"),
        userAction("Send password reset", u, "/password-reset", "A password reset link is on its way to " + u.email + "."),
        u.totp_enabled ? DV.el("button", { type: "button", class: "reset-2fa", onclick: async () => {
          if (!confirm("Turn off two-factor sign-in for " + u.email + "? Their sessions end and they get an alert.")) return;
          try { await DV.api("POST", "/api/admin/users/" + encodeURIComponent(u.id) + "/reset-2fa"); DV.flash("Two-factor sign-in is off for " + u.email + "."); loadUsers(); } catch (e) { fail(e); }
        } }, "Reset 2FA") : null,
        u.id === me.id ? null : DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete " + u.email + " and all their documents? This cannot be undone.")) return;
          try { await DV.api("DELETE", "/api/admin/users/" + encodeURIComponent(u.id)); loadUsers(); } catch (e) { fail(e); }
        } }, "Delete")));
    }));
  };

  const form = $("new-user");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("new-user-error").textContent = "";
    const body = { email: form.email.value.trim(), role: form.role.value };
    if (form.display_name.value.trim()) body.display_name = form.display_name.value.trim();
    if (form.password.value) body.password = form.password.value;
    await DV.busy(form.querySelector("button[type=submit]"), async () => {
      try {
        const r = await DV.api("POST", "/api/admin/users", body);
        $("invite").hidden = !r.invite_url;
        if (r.invite_url) { $("invite-email").textContent = r.user.email; $("invite-url").textContent = r.invite_url; }
        DV.flash("Added " + r.user.email + ".");
        form.reset();
        await loadUsers();
      } catch (e) { DV.showErrors(form, $("new-user-error"), e); }
    });
  });

  const person = (email, name) => (name ? name + " <" + email + ">" : email);
  const loadAudit = async () => {
    const p = new URLSearchParams({ limit: "100" });
    if ($("action").value) p.set("action", $("action").value.trim());
    if ($("since").value) p.set("since", $("since").value);
    const r = await DV.api("GET", "/api/audit?" + p);
    $("audit").replaceChildren(...r.items.map((a) => DV.el("tr", {}, DV.el("td", {}, a.at.replace("T", " ").replace("Z", "")),
      DV.el("td", {}, a.actor_email ? person(a.actor_email, a.actor_name) : a.actor_id ? "deleted account" : "system"),
      DV.el("td", {}, a.action),
      DV.el("td", {}, a.target_email ? person(a.target_email, a.target_name) : (a.target_type || "") + " " + (a.target_id || "")),
      DV.el("td", {}, a.ip))));
    if (!r.items.length) $("audit").replaceChildren(DV.el("tr", {}, DV.el("td", { colspan: 5, class: "empty" }, "No events match.")));
    const x = await DV.api("GET", "/api/audit/exports");
    $("exports").replaceChildren(...x.items.map((e) => DV.el("li", {}, DV.el("span", {}, e.date), DV.el("span", { class: "hint" }, DV.size(e.size_bytes)),
      DV.el("button", { type: "button", onclick: async () => {
        const res = await fetch("/api/audit/exports/" + e.date, { headers: { Authorization: "Bearer " + DV.token() } });
        if (!res.ok) return DV.flash("The download failed.", true);
        const a = DV.el("a", { href: URL.createObjectURL(await res.blob()), download: "audit-" + e.date + ".jsonl.gz" });
        document.body.append(a); a.click(); a.remove();
      } }, "Download"))));
  };
  $("audit-filter").addEventListener("submit", (ev) => { ev.preventDefault(); loadAudit().catch(fail); });

  const loadJobs = async () => {
    const r = await DV.api("GET", "/api/admin/jobs");
    if (!r.items.length) {
      $("jobs").replaceChildren(DV.el("tr", {}, DV.el("td", { colspan: 6, class: "empty", id: "jobs-empty" }, "No jobs right now: nothing is queued, running or failed.")));
      return;
    }
    $("jobs").replaceChildren(...r.items.map((j) => DV.el("tr", {}, DV.el("td", {}, String(j.id)), DV.el("td", {}, j.kind), DV.el("td", {}, j.state),
      DV.el("td", {}, j.attempt + "/" + j.max_attempts), DV.el("td", {}, (j.errors || []).slice(-1)[0] || ""),
      DV.el("td", {}, j.state === "discarded" || j.state === "cancelled" || j.state === "retryable" ? DV.el("button", { type: "button", onclick: async () => {
        try { await DV.api("POST", "/api/admin/jobs/" + j.id + "/retry"); loadJobs(); } catch (e) { fail(e); }
      } }, "Retry") : null))));
  };

  await Promise.all([loadUsers().catch(fail), loadAudit().catch(fail), loadJobs().catch(() => $("jobs").replaceChildren(DV.el("tr", {}, DV.el("td", { colspan: 6 }, "The job list is not available."))))]);
});
