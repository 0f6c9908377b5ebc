"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const fail = (e) => DV.flash(e.message, true);

  // Profile and quota.
  $("display_name").value = me.display_name || "";
  $("quota").textContent = "Using " + DV.size(me.used_bytes) + (me.quota_bytes ? " of " + DV.size(me.quota_bytes) : " (no storage limit)") +
    " and " + me.document_count + (me.quota_documents ? " of " + me.quota_documents : "") + " documents.";
  $("profile-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await DV.api("PATCH", "/api/me", { display_name: $("display_name").value }); DV.flash("Saved."); } catch (e) { fail(e); }
  });

  // Password.
  const pw = $("password-form");
  pw.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("password-error").textContent = "";
    try {
      await DV.api("POST", "/api/auth/password", { current_password: $("current_password").value, new_password: $("new_password").value });
      pw.reset();
      DV.flash("Password changed. Your other devices were signed out.");
    } catch (e) { DV.showErrors(pw, $("password-error"), e); }
  });

  // Two-factor authentication: setup shows the QR code, enabling shows the backup codes once.
  const tfa = $("tfa");
  const codesBox = (codes) => DV.el("div", {},
    DV.el("p", {}, "Backup codes: each works once if you lose your phone. Keep them somewhere safe; they are not shown again."),
    DV.el("ul", { class: "codes secret" }, codes.map((c) => DV.el("li", {}, c))));
  const renderTFA = () => {
    if (me.totp_enabled) {
      const pwIn = DV.el("input", { type: "password", "aria-label": "Password", placeholder: "Password", autocomplete: "current-password" });
      const codeIn = DV.el("input", { inputmode: "numeric", "aria-label": "Authentication code", placeholder: "6-digit code", maxlength: 6 });
      const out = DV.el("div");
      tfa.replaceChildren(DV.el("p", {}, "Two-factor authentication is on."), pwIn, codeIn,
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          try { await DV.api("POST", "/api/auth/totp/disable", { password: pwIn.value, code: codeIn.value }); me.totp_enabled = false; renderTFA(); DV.flash("Two-factor authentication is off."); } catch (e) { fail(e); }
        } }, "Turn off"),
        DV.el("button", { type: "button", onclick: async () => {
          try { const r = await DV.api("POST", "/api/auth/backup-codes", { password: pwIn.value }); out.replaceChildren(codesBox(r.backup_codes)); } catch (e) { fail(e); }
        } }, "New backup codes"), out);
      return;
    }
    tfa.replaceChildren(DV.el("p", {}, "Protect your account with an authenticator app."),
      DV.el("button", { type: "button", class: "primary", onclick: async () => {
        try {
          const s = await DV.api("POST", "/api/auth/totp/setup");
          const code = DV.el("input", { inputmode: "numeric", maxlength: 6, id: "enable-code", autocomplete: "one-time-code" });
          tfa.replaceChildren(
            DV.el("p", {}, "Scan this code with your authenticator app, then enter the 6-digit code it shows."),
            DV.el("img", { src: "data:image/png;base64," + s.qr_png_base64, alt: "QR code for your authenticator app", width: 200, height: 200 }),
            DV.el("p", { class: "hint" }, "Cannot scan? Enter this key by hand: ", DV.el("code", {}, s.secret)),
            DV.el("label", { for: "enable-code" }, "Code"), code,
            DV.el("button", { type: "button", class: "primary", onclick: async () => {
              try { const r = await DV.api("POST", "/api/auth/totp/enable", { code: code.value }); me.totp_enabled = true; renderTFA(); tfa.append(codesBox(r.backup_codes)); }
              catch (e) { fail(e); }
            } }, "Turn on"));
          code.focus();
        } catch (e) { fail(e); }
      } }, "Set up two-factor authentication"));
  };
  renderTFA();

  // Sessions.
  const loadSessions = async () => {
    const r = await DV.api("GET", "/api/auth/sessions");
    $("sessions").replaceChildren(...r.items.map((s) => DV.el("li", {},
      DV.el("span", {}, (s.device || s.user_agent || "Unknown device") + (s.current ? " (this device)" : "")),
      DV.el("span", { class: "hint" }, (s.ip || "") + " · last used " + DV.date(s.last_used_at || s.created_at)),
      s.current ? null : DV.el("button", { type: "button", onclick: async () => { await DV.api("DELETE", "/api/auth/sessions/" + encodeURIComponent(s.id)); loadSessions(); } }, "Sign out"))));
  };
  loadSessions().catch(fail);

  // API tokens.
  const loadTokens = async () => {
    const r = await DV.api("GET", "/api/tokens");
    $("tokens").replaceChildren(...r.items.map((t) => DV.el("li", {}, DV.el("strong", {}, t.name),
      DV.el("span", { class: "hint" }, "created " + DV.date(t.created_at) + (t.last_used_at ? " · last used " + DV.date(t.last_used_at) : " · never used") + (t.expires_at ? " · expires " + DV.date(t.expires_at) : "")),
      DV.el("button", { type: "button", class: "danger", onclick: async () => { await DV.api("DELETE", "/api/tokens/" + encodeURIComponent(t.id)); loadTokens(); } }, "Revoke"))));
  };
  $("token-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await DV.api("POST", "/api/tokens", { name: $("token-name").value });
      const box = $("new-token");
      box.hidden = false;
      box.textContent = "Copy this token now; it is not shown again: " + (r.token || r.secret);
      $("token-name").value = "";
      loadTokens();
    } catch (e) { fail(e); }
  });
  loadTokens().catch(fail);

  // Classification provider.
  const ai = $("ai-form");
  DV.api("GET", "/api/settings/ai").then((s) => {
    $("provider").value = s.provider || "local";
    $("model").value = s.model || "";
    $("base_url").value = s.base_url || "";
    $("key-state").textContent = s.api_key_set ? "(a key is saved; leave empty to keep it)" : "";
  }).catch(() => {});
  ai.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("ai-error").textContent = "";
    const body = { provider: $("provider").value };
    if ($("model").value) body.model = $("model").value;
    if ($("api_key").value) body.api_key = $("api_key").value;
    if ($("base_url").value) body.base_url = $("base_url").value;
    try { await DV.api("PUT", "/api/settings/ai", body); $("api_key").value = ""; DV.flash("Saved."); } catch (e) { DV.showErrors(ai, $("ai-error"), e); }
  });
  $("ai-test").addEventListener("click", async () => {
    try {
      const r = await DV.api("POST", "/api/ai/health", {});
      DV.flash(r.ok ? "The " + r.provider + " provider answers (" + r.latency_ms + " ms)." : "The provider does not answer: " + r.error, !r.ok);
    } catch (e) { fail(e); }
  });

  // Cloud drives and storage placement.
  const loadClouds = async () => {
    const r = await DV.api("GET", "/api/cloud");
    const sel = $("storage");
    sel.replaceChildren(DV.el("option", { value: "system" }, "DocuVault's own storage"));
    $("clouds").replaceChildren(...r.items.map((c) => {
      sel.append(DV.el("option", { value: c.id }, c.display_name + " (" + c.kind + ")"));
      return DV.el("li", {}, DV.el("strong", {}, c.display_name), DV.el("span", { class: "hint" }, c.kind + " · " + c.status),
        DV.el("button", { type: "button", onclick: async () => {
          const t = await DV.api("POST", "/api/cloud/" + encodeURIComponent(c.id) + "/test");
          DV.flash(t.ok ? "The connection works." : "The connection fails: " + t.error, !t.ok);
        } }, "Test"),
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm("Disconnect " + c.display_name + "? Documents stay safe in DocuVault.")) return;
          await DV.api("DELETE", "/api/cloud/" + encodeURIComponent(c.id)); loadClouds();
        } }, "Disconnect"));
    }));
    sel.value = me.storage_backend || "system";
  };
  $("storage").addEventListener("change", async (ev) => {
    try { await DV.api("PUT", "/api/settings/storage", { backend: ev.target.value }); DV.flash("New documents now go there."); } catch (e) { fail(e); }
  });
  const wd = $("webdav-form");
  wd.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("cloud-error").textContent = "";
    try {
      await DV.api("POST", "/api/cloud/" + $("cloud-kind").value, { server_url: $("server_url").value, username: $("username").value, password: $("cloud-password").value });
      wd.reset(); loadClouds(); DV.flash("Connected.");
    } catch (e) { DV.showErrors(wd, $("cloud-error"), e); }
  });
  loadClouds().catch(() => $("clouds").replaceChildren(DV.el("li", { class: "hint" }, "Cloud drives are not available on this server.")));
});
