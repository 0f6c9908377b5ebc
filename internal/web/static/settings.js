"use strict";
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  // Each section shows its own errors; a success clears them.
  const sectionError = (id) => (e) => { $(id).textContent = e ? e.message || String(e) : ""; };

  // Profile and quota.
  $("display_name").value = me.display_name || "";
  $("quota").textContent = "Using " + DV.size(me.used_bytes) + (me.quota_bytes ? " of " + DV.size(me.quota_bytes) : " (no storage limit)") +
    " and " + me.document_count + (me.quota_documents ? " of " + me.quota_documents : "") + " documents.";
  $("profile-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("profile-error").textContent = "";
    try { await DV.api("PATCH", "/api/me", { display_name: $("display_name").value }); DV.flash("Saved."); } catch (e) { DV.showErrors($("profile-form"), $("profile-error"), e); }
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
  const tfaFail = sectionError("tfa-error");
  const codesBox = (codes) => {
    const text = "DocuVault backup codes for " + me.email + "\nEach code works once.\n\n" + codes.join("\n") + "\n";
    const note = DV.el("span", { class: "hint", role: "status" });
    return DV.el("div", { id: "backup-codes" },
      DV.el("p", {}, "Backup codes: each works once if you lose your phone. Keep them somewhere safe; they are not shown again."),
      DV.el("ul", { class: "codes secret" }, codes.map((c) => DV.el("li", {}, c))),
      DV.el("div", { class: "code-actions" },
        DV.el("button", { type: "button", id: "codes-copy", onclick: async () => {
          try { await DV.copyText(codes.join("\n")); note.textContent = "Copied."; } catch (e) { note.textContent = "Copying is not allowed here; select the codes or download them."; }
        } }, "Copy codes"),
        DV.el("button", { type: "button", id: "codes-download", onclick: () => DV.download("docuvault-backup-codes.txt", text) }, "Download as .txt"),
        note));
  };
  const renderTFA = () => {
    if (me.totp_enabled) {
      const pwIn = DV.el("input", { type: "password", "aria-label": "Password", placeholder: "Password", autocomplete: "current-password" });
      const codeIn = DV.el("input", { inputmode: "numeric", "aria-label": "Authentication code", placeholder: "6-digit code", maxlength: 6 });
      const out = DV.el("div");
      tfa.replaceChildren(DV.el("p", {}, "Two-factor authentication is on."), pwIn, codeIn,
        DV.el("button", { type: "button", class: "danger", onclick: async () => {
          try { await DV.api("POST", "/api/auth/totp/disable", { password: pwIn.value, code: codeIn.value }); me.totp_enabled = false; renderTFA(); tfaFail(); DV.flash("Two-factor authentication is off."); } catch (e) { tfaFail(e); }
        } }, "Turn off"),
        DV.el("button", { type: "button", onclick: async () => {
          try { const r = await DV.api("POST", "/api/auth/backup-codes", { password: pwIn.value }); tfaFail(); out.replaceChildren(codesBox(r.backup_codes)); } catch (e) { tfaFail(e); }
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
              try { const r = await DV.api("POST", "/api/auth/totp/enable", { code: code.value }); me.totp_enabled = true; tfaFail(); renderTFA(); tfa.append(codesBox(r.backup_codes)); }
              catch (e) { tfaFail(e); }
            } }, "Turn on"));
          code.focus();
        } catch (e) { tfaFail(e); }
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
  loadSessions().then(() => sectionError("sessions-error")()).catch(sectionError("sessions-error"));

  // API tokens.
  const loadTokens = async () => {
    const r = await DV.api("GET", "/api/tokens");
    $("tokens").replaceChildren(...r.items.map((t) => DV.el("li", {}, DV.el("strong", {}, t.name),
      DV.el("span", { class: "hint" }, "created " + DV.date(t.created_at) + (t.last_used_at ? " · last used " + DV.date(t.last_used_at) : " · never used") + (t.expires_at ? " · expires " + DV.date(t.expires_at) : "")),
      DV.el("button", { type: "button", class: "danger", onclick: async () => { await DV.api("DELETE", "/api/tokens/" + encodeURIComponent(t.id)); loadTokens(); } }, "Revoke"))));
  };
  $("token-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("token-error").textContent = "";
    try {
      const r = await DV.api("POST", "/api/tokens", { name: $("token-name").value });
      const box = $("new-token");
      box.hidden = false;
      box.textContent = "Copy this token now; it is not shown again: " + (r.token || r.secret);
      $("token-name").value = "";
      loadTokens();
    } catch (e) { DV.showErrors($("token-form"), $("token-error"), { message: e.message, status: e.status, problem: e.problem, fields: e.fields && e.fields.name ? { "token-name": e.fields.name } : {} }); }
  });
  loadTokens().catch(sectionError("token-error"));

  // Classification provider: only the fields the chosen provider needs.
  const ai = $("ai-form");
  const NEEDS = {
    local: { fields: [], hint: "Runs inside DocuVault and learns from the documents you file. Nothing leaves the server." },
    anthropic: { fields: ["model", "api_key", "base_url"], hint: "Empty key: this server's key, if it has one. A base URL of your own needs your own key.", url: "(optional: a compatible server of your own)" },
    openai: { fields: ["model", "api_key", "base_url"], hint: "Empty key: this server's key, if it has one. A base URL of your own needs your own key.", url: "(optional: a compatible server of your own)" },
    ollama: { fields: ["model", "base_url"], hint: "An Ollama server: the one this server names, or your own.", url: "(empty: the server's own Ollama, if it names one)" },
    lmstudio: { fields: ["model", "base_url"], hint: "An LM Studio server: the one this server names, or your own.", url: "(empty: the server's own LM Studio, if it names one)" },
  };
  const shown = (f) => !$("field-" + f).hidden;
  const showProviderFields = () => {
    const n = NEEDS[$("provider").value] || NEEDS.local;
    for (const f of ["model", "api_key", "base_url"]) $("field-" + f).hidden = !n.fields.includes(f);
    $("provider-hint").textContent = n.hint;
    $("base-url-hint").textContent = n.url || "";
  };
  // aiForm is what the form says, as PUT /api/settings/ai and POST /api/ai/health take it.
  const aiForm = () => {
    const body = { provider: $("provider").value, model: shown("model") ? $("model").value.trim() : "", base_url: shown("base_url") ? $("base_url").value.trim() : "" };
    if (shown("api_key") && $("api_key").value) body.api_key = $("api_key").value;
    return body;
  };
  const aiClear = () => { $("ai-error").textContent = ""; $("ai-ok").textContent = ""; };
  $("provider").addEventListener("change", () => { showProviderFields(); aiClear(); ai.querySelectorAll('[aria-invalid="true"]').forEach(DV.clearField); });
  showProviderFields();
  DV.api("GET", "/api/settings/ai").then((s) => {
    $("provider").value = s.provider || "local";
    $("model").value = s.model || "";
    $("base_url").value = s.base_url || "";
    $("key-state").textContent = s.api_key_set ? "(a key is saved; leave empty to keep it)" : "";
    showProviderFields();
  }).catch(() => {}).finally(() => { ai.dataset.loaded = "1"; });
  // Say which providers this server cannot serve as chosen (no system key, no OLLAMA_BASE_URL, ...).
  DV.api("GET", "/api/ai/providers").then((r) => {
    for (const p of r.items || []) {
      const opt = $("provider").querySelector('option[value="' + p.name + '"]');
      if (opt && !p.configured) { opt.textContent += " (not configured)"; opt.title = p.reason || ""; }
    }
  }).catch(() => {});
  ai.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    aiClear();
    const body = aiForm();
    if (!body.model) delete body.model;
    if (!body.base_url) delete body.base_url;
    try { await DV.api("PUT", "/api/settings/ai", body); $("api_key").value = ""; DV.flash("Saved."); } catch (e) { DV.showErrors(ai, $("ai-error"), e); }
  });
  // Test connection checks what the form says now, saved or not.
  $("ai-test").addEventListener("click", () => DV.busy($("ai-test"), async () => {
    aiClear();
    const body = aiForm();
    try {
      const r = await DV.api("POST", "/api/ai/health", body);
      const name = $("provider").selectedOptions[0].textContent.replace(/ \(not configured\)$/, "");
      if (r.ok) $("ai-ok").textContent = name + " answers (" + r.latency_ms + " ms)" + (r.model ? " with the model " + r.model : "") + ".";
      else $("ai-error").textContent = name + " does not answer: " + r.error;
    } catch (e) { DV.showErrors(ai, $("ai-error"), e); }
  }));

  // Storage: cloud drives and where documents live.
  // The kinds of drive come from the server's provider table (GET /api/cloud's providers): names,
  // whether a kind signs in through its provider (OAuth) or with a form, and where it connects.
  let providers = [];
  const provider = (kind) => providers.find((p) => p.kind === kind);
  const kindName = (kind) => (provider(kind) || {}).display_name || kind;
  const STATUS = { ok: "connected", error: "not reachable", reconnect_needed: "needs reconnecting", disconnecting: "disconnecting" };
  let clouds = [];
  let polling = null;
  const storageError = (msg) => { $("storage-error").textContent = msg || ""; };
  const cloudName = (id) => {
    if (id === "system") return "DocuVault's own storage";
    const c = clouds.find((x) => x.id === id);
    return c ? c.display_name : "a drive that is no longer connected";
  };
  // The storage summary: where documents are, and a move in progress.
  const loadStorage = async () => {
    const st = await DV.api("GET", "/api/settings/storage");
    $("storage").value = st.backend || "system";
    const where = {}; let moving = 0; let failed = 0;
    for (const d of st.documents || []) {
      if (d.state === "pending") moving += d.count;
      if (d.state === "failed") failed += d.count;
      where[d.backend] = (where[d.backend] || 0) + d.count;
    }
    const parts = Object.entries(where).map(([b, n]) => n + (n === 1 ? " document" : " documents") + " in " + cloudName(b));
    let text = parts.length ? parts.join(", ") + "." : "No documents yet.";
    if (moving) text += " " + moving + " waiting to move to " + cloudName(st.backend) + "…";
    if (failed) text += " " + failed + " could not be moved (see the drive's status above; they are safe in DocuVault's storage).";
    $("storage-summary").textContent = text;
    const busy = moving > 0 || clouds.some((c) => c.status === "disconnecting");
    if (busy && !polling) polling = setInterval(() => refreshStorage().catch(() => {}), 2000);
    if (!busy && polling) { clearInterval(polling); polling = null; }
    return st;
  };
  const cloudRow = (c) => {
    const label = STATUS[c.status] || c.status;
    const status = DV.el("span", { class: "status cloud-" + c.status }, label);
    const li = DV.el("li", { "data-id": c.id, "data-status": c.status }, DV.el("strong", {}, c.display_name),
      DV.el("span", { class: "hint" }, kindName(c.kind)), status);
    if (c.status_error) li.append(DV.el("span", { class: "hint cloud-reason" }, c.status_error));
    if (c.status === "disconnecting") {
      li.append(DV.el("span", { class: "hint" }, "bringing its documents back into DocuVault's storage"));
      return li;
    }
    const test = DV.el("button", { type: "button", class: "cloud-test", onclick: () => DV.busy(test, async () => {
      storageError("");
      try {
        const t = await DV.api("POST", "/api/cloud/" + encodeURIComponent(c.id) + "/test");
        DV.flash(t.ok ? c.display_name + ": the connection works." : c.display_name + ": the connection fails: " + t.error, !t.ok);
        await refreshStorage();
      } catch (e) { storageError(e.message); }
    }) }, "Test");
    li.append(test);
    const prov = provider(c.kind);
    if (prov && prov.auth === "oauth") {
      li.append(DV.el("a", { class: "button", href: prov.connect_path + "?account_id=" + encodeURIComponent(c.id) }, "Reconnect"));
    } else {
      li.append(DV.el("button", { type: "button", class: "cloud-reconnect", onclick: () => startReconnect(c) }, "Reconnect"));
    }
    const del = DV.el("button", { type: "button", class: "danger cloud-disconnect", onclick: () => DV.busy(del, async () => {
      if (!confirm("Disconnect " + c.display_name + "? Documents stored there are first brought back into DocuVault's storage; none is lost.")) return;
      storageError("");
      try {
        await DV.api("DELETE", "/api/cloud/" + encodeURIComponent(c.id));
        DV.flash("Disconnecting " + c.display_name + ". Its documents stay available and come back into DocuVault's storage.");
        await refreshStorage();
      } catch (e) { storageError("Could not disconnect " + c.display_name + ": " + e.message); }
    }) }, "Disconnect");
    li.append(del);
    return li;
  };
  // showProviders offers every configured kind: a button per OAuth provider (id "connect-" and the
  // last word of its path, e.g. connect-google) and the form's kinds; the form's choice is kept.
  const showProviders = () => {
    const oauth = providers.filter((p) => p.configured && p.auth === "oauth");
    $("oauth-connect").replaceChildren(...oauth.map((p) => DV.el("a", { class: "button", href: p.connect_path,
      id: "connect-" + p.connect_path.split("/").slice(-2)[0] }, "Connect " + p.display_name)));
    $("oauth-connect").hidden = oauth.length === 0;
    const sel = $("cloud-kind");
    const chosen = sel.value;
    const forms = providers.filter((p) => p.configured && p.auth === "form");
    sel.replaceChildren(...forms.map((p) => DV.el("option", { value: p.kind }, p.display_name)));
    if (forms.some((p) => p.kind === chosen)) sel.value = chosen;
    $("webdav-form").hidden = forms.length === 0;
  };
  const refreshStorage = async () => {
    const r = await DV.api("GET", "/api/cloud");
    clouds = r.items || [];
    providers = r.providers || [];
    showProviders();
    const sel = $("storage");
    sel.replaceChildren(DV.el("option", { value: "system" }, "DocuVault's own storage"),
      ...clouds.filter((c) => c.status !== "disconnecting").map((c) => DV.el("option", { value: c.id }, c.display_name + " (" + kindName(c.kind) + ")")));
    $("clouds").replaceChildren(...clouds.map(cloudRow));
    $("clouds-empty").hidden = clouds.length > 0;
    await loadStorage();
  };
  $("storage-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    DV.busy($("storage-save"), async () => {
      storageError("");
      try {
        const st = await DV.api("PUT", "/api/settings/storage", { backend: $("storage").value });
        me.storage_backend = st.backend;
        DV.flash("New documents now live in " + cloudName(st.backend) + ".");
        await loadStorage();
      } catch (e) { storageError("Could not change where documents live: " + e.message); await loadStorage().catch(() => {}); }
    });
  });
  $("migrate").addEventListener("click", () => DV.busy($("migrate"), async () => {
    storageError("");
    try {
      await DV.api("POST", "/api/settings/storage/migrate");
      DV.flash("Moving your existing documents to " + cloudName($("storage").value) + " in the background.");
      await loadStorage();
    } catch (e) { storageError("Could not start moving documents: " + e.message); }
  }));
  // Connect, or reconnect (new credentials for an existing account of a form kind).
  const wd = $("webdav-form");
  let reconnecting = null;
  const startReconnect = (c) => {
    reconnecting = c;
    $("webdav-title").textContent = "Reconnect " + c.display_name;
    $("cloud-kind").value = c.kind;
    $("cloud-kind").disabled = true;
    $("cloud-display-name").value = c.display_name;
    $("webdav-connect").textContent = "Test and reconnect";
    $("cloud-error").textContent = "Enter the server address, user and a new password or app password.";
    $("server_url").focus();
  };
  const endReconnect = () => {
    reconnecting = null;
    wd.reset();
    $("cloud-kind").disabled = false;
    $("webdav-title").textContent = "Connect a folder on a server";
    $("webdav-connect").textContent = "Test and connect";
  };
  wd.addEventListener("submit", (ev) => {
    ev.preventDefault();
    DV.busy($("webdav-connect"), async () => {
      $("cloud-error").textContent = "";
      const body = { server_url: $("server_url").value.trim(), username: $("username").value.trim(), password: $("cloud-password").value };
      if ($("cloud-display-name").value.trim()) body.display_name = $("cloud-display-name").value.trim();
      try {
        if (reconnecting) {
          await DV.api("PUT", "/api/cloud/" + encodeURIComponent(reconnecting.id), body);
          DV.flash(reconnecting.display_name + " is reconnected.");
        } else {
          const acc = await DV.api("POST", "/api/cloud/" + $("cloud-kind").value, body);
          DV.flash("Connected " + acc.display_name + ". Choose it below to keep new documents there.");
        }
        endReconnect();
        await refreshStorage();
      } catch (e) {
        DV.showErrors(wd, $("cloud-error"), e);
      }
    });
  });
  // OAuth providers: ask first, so a server without that provider
  // configured says so here instead of showing a bare error page.
  $("cloud-h").parentElement.addEventListener("click", async (ev) => {
    const a = ev.target.closest('a[href^="/api/cloud/"][href*="/authorize"]');
    if (!a) return;
    ev.preventDefault();
    storageError("");
    try {
      const r = await fetch(a.href, { redirect: "manual", credentials: "same-origin", headers: { Authorization: "Bearer " + DV.token() } });
      if (r.type === "opaqueredirect" || (r.status >= 300 && r.status < 400)) { location.assign(a.href); return; }
      const p = await r.json().catch(() => ({}));
      storageError("Could not connect: " + (p.detail || p.title || "the server answered " + r.status));
    } catch (e) { storageError("Could not connect: " + e.message); }
  });
  const q = new URLSearchParams(location.search);
  if (q.get("cloud") === "connected") DV.flash("The drive is connected.");
  if (q.get("cloud") === "error") {
    const why = { access_denied: "you declined access", invalid_state: "the sign-in took too long or was started in another browser; try again",
      exchange_failed: "the provider refused the sign-in; try again" }[q.get("reason")] || "something went wrong; try again";
    DV.flash("The drive was not connected: " + why + ".", true);
  }
  refreshStorage().catch((e) => {
    $("webdav-form").hidden = true;
    $("clouds").replaceChildren();
    $("clouds-empty").hidden = false;
    $("clouds-empty").textContent = e.status === 503 || e.code === "unavailable" ? "Cloud drives are not available on this server." : "Could not load your drives: " + e.message;
  });
});

// The built-in classifier's state (GET /api/classifier) and "Train now".
DV.ready.then((me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const show = (c) => {
    const learned = c.topics.filter((t) => t.learned).length;
    const facts = [["Trained", c.trained_at ? DV.date(c.trained_at) : "not yet"], ["Documents used", c.documents_used],
      ["Topics learned", learned + " of " + c.topics.length],
      ["Correspondents learned", (c.correspondents || []).filter((x) => x.learned).length + " of " + (c.correspondents || []).length],
      ["Document types learned", (c.document_types || []).filter((x) => x.learned).length + " of " + (c.document_types || []).length],
      ["Up to date", c.stale ? "no: your topics changed since; it trains again in a moment" : "yes"]];
    if (c.provider !== "local") facts.unshift(["In use", "no: your provider is " + c.provider]);
    $("classifier-facts").replaceChildren(...facts.flatMap(([k, v]) => [DV.el("dt", {}, k), DV.el("dd", {}, String(v))]));
    $("classifier-topics").replaceChildren(...c.topics.map((t) => DV.el("li", {}, DV.el("strong", {}, t.name),
      DV.el("span", { class: "hint" }, " " + t.examples + " example" + (t.examples === 1 ? "" : "s") + ", " +
        (t.learned ? "learned" : "not learned" + (t.note ? ": " + t.note : ""))))));
  };
  // Every space has its own model; the personal space is shown first.
  const space = () => $("classifier-space").value || "";
  const load = () => DV.api("GET", "/api/classifier" + (space() ? "?space_id=" + encodeURIComponent(space()) : "")).then(show).catch((e) =>
    $("classifier-facts").replaceChildren(DV.el("dd", {}, "Could not load the classifier's state: " + e.message)));
  $("classifier-train").addEventListener("click", async () => {
    try {
      await DV.api("POST", "/api/classifier/train", space() ? { space_id: space() } : undefined);
      DV.flash("Training started."); setTimeout(load, 2000);
    } catch (e) { DV.flash(e.message, true); }
  });
  $("classifier-space").addEventListener("change", load);
  DV.api("GET", "/api/spaces").then((r) => {
    const spaces = (r.items || []).slice().sort((a, b) => (a.kind === "personal" ? -1 : 0) - (b.kind === "personal" ? -1 : 0));
    if (spaces.length < 2) return;
    $("classifier-space").replaceChildren(...spaces.map((s) => DV.el("option", { value: s.id }, s.kind === "personal" ? "Personal" : s.name)));
    $("classifier-space-row").hidden = false;
  }).catch(() => {});
  load();
});
