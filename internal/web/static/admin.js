"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  if (me.role !== "admin") {
    document.querySelector("main").replaceChildren(DV.el("p", { class: "empty" }, "This page is for administrators."));
    return;
  }
  const fail = (e) => DV.flash(e.message, true);

  const loadUsers = async () => {
    const r = await DV.api("GET", "/api/admin/users?limit=200");
    $("users").replaceChildren(...r.items.map((u) => {
      const role = DV.el("select", { "aria-label": "Role of " + u.email }, DV.el("option", { value: "user" }, "user"), DV.el("option", { value: "admin" }, "admin"));
      role.value = u.role;
      const disabled = DV.el("input", { type: "checkbox", "aria-label": "Disable " + u.email, checked: u.disabled });
      const qb = DV.el("input", { type: "number", min: 0, value: u.quota_bytes, "aria-label": "Storage quota of " + u.email });
      const qd = DV.el("input", { type: "number", min: 0, value: u.quota_documents, "aria-label": "Document quota of " + u.email });
      return DV.el("tr", {}, DV.el("td", {}, u.email), DV.el("td", {}, role), DV.el("td", {}, disabled),
        DV.el("td", {}, DV.size(u.used_bytes) + " · " + u.document_count + " docs"), DV.el("td", {}, qb), DV.el("td", {}, qd),
        DV.el("td", {}, DV.el("button", { type: "button", onclick: async () => {
          try {
            await DV.api("PATCH", "/api/admin/users/" + encodeURIComponent(u.id), { role: role.value, disabled: disabled.checked,
              quota_bytes: Number(qb.value), quota_documents: Number(qd.value) });
            DV.flash("Saved " + u.email + ".");
          } catch (e) { fail(e); }
        } }, "Save"), u.id === me.id ? null : DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Delete " + u.email + " and all their documents? This cannot be undone.")) return;
          try { await DV.api("DELETE", "/api/admin/users/" + encodeURIComponent(u.id)); loadUsers(); } catch (e) { fail(e); }
        } }, "Delete")));
    }));
  };

  const loadAudit = async () => {
    const p = new URLSearchParams({ limit: "100" });
    if ($("action").value) p.set("action", $("action").value.trim());
    if ($("since").value) p.set("since", $("since").value);
    const r = await DV.api("GET", "/api/audit?" + p);
    $("audit").replaceChildren(...r.items.map((a) => DV.el("tr", {}, DV.el("td", {}, a.at.replace("T", " ").replace("Z", "")),
      DV.el("td", {}, a.actor_id || "—"), DV.el("td", {}, a.action), DV.el("td", {}, (a.target_type || "") + " " + (a.target_id || "")), DV.el("td", {}, a.ip))));
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
    $("jobs").replaceChildren(...r.items.map((j) => DV.el("tr", {}, DV.el("td", {}, String(j.id)), DV.el("td", {}, j.kind), DV.el("td", {}, j.state),
      DV.el("td", {}, j.attempt + "/" + j.max_attempts), DV.el("td", {}, (j.errors || []).slice(-1)[0] || ""),
      DV.el("td", {}, j.state === "discarded" || j.state === "cancelled" || j.state === "retryable" ? DV.el("button", { type: "button", onclick: async () => {
        try { await DV.api("POST", "/api/admin/jobs/" + j.id + "/retry"); loadJobs(); } catch (e) { fail(e); }
      } }, "Retry") : null))));
  };

  await Promise.all([loadUsers().catch(fail), loadAudit().catch(fail), loadJobs().catch(() => $("jobs").replaceChildren(DV.el("tr", {}, DV.el("td", { colspan: 6 }, "The job list is not available."))))]);
});
