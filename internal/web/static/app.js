// DocuVault UI core: the API client, DOM helpers and sign-in state.
// The access token lives in sessionStorage; the refresh token is an httpOnly
// SameSite=Strict cookie that only POST /api/auth/refresh reads.
"use strict";
(function () {
  const TOKEN = "dv_token";
  const DV = (window.DV = {});

  DV.el = function (tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  };

  // marked renders a server snippet: only <mark> survives, everything else is text.
  DV.marked = function (html) {
    const doc = new DOMParser().parseFromString("<body>" + html, "text/html");
    const out = document.createDocumentFragment();
    const walk = (node) => {
      for (const n of node.childNodes) {
        if (n.nodeType === Node.TEXT_NODE) out.append(document.createTextNode(n.textContent));
        else if (n.nodeName === "MARK") out.append(DV.el("mark", {}, n.textContent));
        else walk(n);
      }
    };
    walk(doc.body);
    return out;
  };

  DV.flash = function (msg, bad) {
    const f = document.getElementById("flash");
    if (!f) return;
    f.textContent = msg || "";
    f.classList.toggle("bad", !!bad);
    if (msg) setTimeout(() => { if (f.textContent === msg) f.textContent = ""; }, 8000);
  };

  DV.size = function (n) {
    if (n === undefined || n === null) return "";
    const u = ["bytes", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    return (i ? n.toFixed(1) : n) + " " + u[i];
  };

  DV.date = (s) => (s ? new Date(s).toLocaleString() : "");
  DV.token = () => sessionStorage.getItem(TOKEN);
  DV.setToken = (t) => (t ? sessionStorage.setItem(TOKEN, t) : sessionStorage.removeItem(TOKEN));

  // ApiError carries the problem JSON of a failed request.
  // A refusal for a viewer reads as what it means, never as the raw problem.
  const problemText = (status, problem) => {
    if (status === 403 && problem && problem.code === "forbidden" && /you are viewer/.test(problem.detail || "")) return "You can only view documents in this space.";
    return (problem && (problem.detail || problem.title)) || "The request failed (" + status + ").";
  };
  class ApiError extends Error {
    constructor(status, problem) {
      super(problemText(status, problem));
      this.status = status;
      this.problem = problem || {};
      this.code = this.problem.code;
      this.fields = this.problem.errors || {};
    }
  }
  DV.ApiError = ApiError;

  let refreshing = null;
  DV.refresh = function () {
    if (!refreshing) {
      refreshing = fetch("/api/auth/refresh", { method: "POST", credentials: "same-origin" })
        .then(async (r) => {
          if (!r.ok) { DV.setToken(null); return false; }
          const b = await r.json();
          DV.setToken(b.access_token);
          return true;
        })
        .catch(() => false)
        .finally(() => setTimeout(() => (refreshing = null), 0));
    }
    return refreshing;
  };

  // api calls the JSON API; on an expired token it refreshes once and retries.
  DV.api = async function (method, path, body, opts) {
    opts = opts || {};
    const send = async () => {
      const headers = {};
      const t = DV.token();
      if (t) headers.Authorization = "Bearer " + t;
      let payload = body;
      if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob)) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      return fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    };
    let r = await send();
    if (r.status === 401 && !opts.noRefresh) {
      const p = await r.clone().json().catch(() => ({}));
      if (p.code !== "mfa_required" && (await DV.refresh())) r = await send();
    }
    if (r.status === 204) return null;
    const ct = r.headers.get("Content-Type") || "";
    const data = ct.includes("json") ? await r.json().catch(() => null) : opts.text ? await r.text() : null;
    if (!r.ok) {
      if (r.status === 401 && !document.body.dataset.public && !opts.noRedirect) DV.toLogin();
      throw new ApiError(r.status, data);
    }
    return data;
  };

  DV.toLogin = function () {
    DV.setToken(null);
    const next = location.pathname + location.search;
    location.assign("/login?next=" + encodeURIComponent(next));
  };

  // fieldFor finds a form's control for an API field name (id, then name).
  const fieldFor = (form, name) => form.querySelector("#" + CSS.escape(name)) || form.querySelector('[name="' + CSS.escape(name) + '"]');

  // clearField removes one control's error mark and message; when the form
  // has none left, its summary message goes too.
  DV.clearField = function (input) {
    input.removeAttribute("aria-invalid");
    const msg = input.dvError;
    if (msg) {
      msg.remove();
      input.dvError = null;
      const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== msg.id);
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
    }
    const form = input.form || input.closest("form");
    if (form && form.dvErrEl && !form.querySelector('[aria-invalid="true"]')) form.dvErrEl.textContent = "";
  };

  // showErrors marks every field the problem names (aria-invalid and its
  // reason under it), focuses the first, and puts the message in errEl.
  // Editing a marked field clears its mark.
  DV.showErrors = function (form, errEl, err) {
    form.querySelectorAll('[aria-invalid="true"]').forEach(DV.clearField);
    form.dvErrEl = errEl;
    let msg = err.message || String(err);
    let first = null;
    for (const [name, why] of Object.entries(err.fields || {})) {
      const input = fieldFor(form, name);
      if (!input) {
        msg += " " + (/^[A-Z]/.test(why) ? why : name.replace(/_/g, " ") + ": " + why + ".");
        continue;
      }
      input.setAttribute("aria-invalid", "true");
      const note = DV.el("p", { class: "field-error", id: (input.id || name) + "-why", text: why });
      input.after(note);
      input.dvError = note;
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
      first = first || input;
    }
    if (first) first.focus();
    if (err.status === 429 && err.problem && err.problem.detail) msg = err.problem.detail;
    errEl.textContent = msg;
  };
  document.addEventListener("input", (ev) => {
    const t = ev.target;
    if (t && t.getAttribute && t.getAttribute("aria-invalid") === "true") DV.clearField(t);
  });

  // labelCells gives each cell of a table its column's name (data-label), so
  // the stacked layout on a phone still says what each value is.
  DV.labelCells = function (tbody) {
    const table = tbody.closest("table");
    const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const tr of tbody.rows) {
      [...tr.cells].forEach((td, i) => { if (!td.colSpan || td.colSpan === 1) td.dataset.label = heads[i] || ""; });
    }
  };

  // copyText puts text on the clipboard; download saves it as a .txt file.
  DV.copyText = async function (text) {
    await navigator.clipboard.writeText(text);
  };
  DV.download = function (filename, text) {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const a = DV.el("a", { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  // Colour theme: system (default), dark or light; stored in localStorage
  // and applied before paint by theme.js.
  const THEMES = ["system", "dark", "light"];
  DV.theme = () => { try { return localStorage.getItem("dv_theme") || "system"; } catch (e) { return "system"; } };
  DV.setTheme = function (t) {
    try { if (t === "system") localStorage.removeItem("dv_theme"); else localStorage.setItem("dv_theme", t); } catch (e) { /* not stored */ }
    if (t === "system") delete document.documentElement.dataset.theme; else document.documentElement.dataset.theme = t;
    const b = document.getElementById("theme");
    if (b) { b.textContent = "Theme: " + t; b.title = "Switch the colour theme (system, dark, light)"; }
  };

  // Keyboard shortcuts, not while typing in a field.
  const SHORTCUTS = [["/", "Search documents"], ["u", "Upload files"], ["?", "Show these shortcuts"], ["Esc", "Close this list"]];
  DV.showShortcuts = function () {
    let d = document.getElementById("shortcuts");
    if (!d) {
      d = DV.el("dialog", { id: "shortcuts", class: "shortcuts", "aria-labelledby": "shortcuts-h" },
        DV.el("h2", { id: "shortcuts-h" }, "Keyboard shortcuts"),
        DV.el("dl", {}, SHORTCUTS.flatMap(([k, what]) => [DV.el("dt", {}, DV.el("kbd", {}, k)), DV.el("dd", {}, what)])),
        DV.el("form", { method: "dialog" }, DV.el("button", { type: "submit" }, "Close")));
      document.body.append(d);
    }
    if (!d.open) d.showModal();
  };
  const typing = (t) => t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target) || document.body.dataset.public) return;
    if (document.querySelector("dialog[open]") && ev.key !== "?") return;
    if (ev.key === "?") { ev.preventDefault(); DV.showShortcuts(); return; }
    if (ev.key === "/") {
      ev.preventDefault();
      const q = document.getElementById("q");
      if (q) q.focus(); else location.assign("/documents#search");
    } else if (ev.key === "u") {
      const f = document.getElementById("file-input");
      if (f) f.click(); else location.assign("/documents#upload");
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    DV.setTheme(DV.theme());
    const b = document.getElementById("theme");
    if (b) b.addEventListener("click", () => DV.setTheme(THEMES[(THEMES.indexOf(DV.theme()) + 1) % THEMES.length]));
    const s = document.getElementById("shortcuts-open");
    if (s) s.addEventListener("click", DV.showShortcuts);
    const target = { "#search": "q", "#upload": "file-input" }[location.hash];
    if (target && document.getElementById(target)) document.getElementById(target).focus();
  });

  DV.busy = async function (button, fn) {
    button.disabled = true;
    try { return await fn(); } finally { button.disabled = false; }
  };

  // Spaces: the list (personal first), each with the caller's role, and
  // the space chosen in the header's switcher ("" = all spaces), kept in
  // localStorage for uploads and creates.
  const SPACE = "dv_space";
  const RANKS = { viewer: 1, editor: 2, admin: 3, owner: 4 };
  DV.spaces = [];
  DV.space = () => { try { return localStorage.getItem(SPACE) || ""; } catch (e) { return ""; } };
  DV.setSpace = function (id) {
    try { if (id) localStorage.setItem(SPACE, id); else localStorage.removeItem(SPACE); } catch (e) { /* not kept */ }
    const sel = document.getElementById("space-switch");
    if (sel) sel.value = id || "";
  };
  DV.spaceById = (id) => DV.spaces.find((s) => s.id === id) || null;
  DV.spaceName = (id) => { const s = DV.spaceById(id); return !s ? "another space" : s.kind === "personal" ? "Personal" : s.name; };
  // can: the caller has at least role in the space (unknown space: no).
  DV.can = (id, role) => { const s = DV.spaceById(id); return !!s && RANKS[s.role] >= RANKS[role]; };
  // spaceQuery and inSpace add the chosen space to a list's query or a create's body.
  DV.spaceQuery = () => (DV.space() ? "?space_id=" + encodeURIComponent(DV.space()) : "");
  DV.inSpace = (body) => (DV.space() ? Object.assign(body, { space_id: DV.space() }) : body);
  // tagged names an object of a shared space by its space too, while the
  // lists cover every space.
  DV.tagged = (name, spaceId) => {
    const s = DV.spaceById(spaceId);
    return DV.space() || !s || s.kind === "personal" ? name : name + " (" + s.name + ")";
  };
  DV.loadSpaces = async function () {
    const r = await DV.api("GET", "/api/spaces");
    DV.spaces = r.items.slice().sort((a, b) => (a.kind === "personal" ? 0 : 1) - (b.kind === "personal" ? 0 : 1) || a.name.localeCompare(b.name));
    if (DV.space() && !DV.spaceById(DV.space())) DV.setSpace("");
    const sel = document.getElementById("space-switch");
    if (sel) {
      sel.replaceChildren(DV.el("option", { value: "" }, "All spaces"),
        ...DV.spaces.map((s) => DV.el("option", { value: s.id }, DV.spaceName(s.id) + (s.role === "viewer" ? " (view only)" : ""))));
      sel.value = DV.space();
      sel.parentElement.hidden = false;
    }
    return DV.spaces;
  };

  DV.me = null;
  DV.ready = new Promise((resolve) => {
    document.addEventListener("DOMContentLoaded", async () => {
      if (document.body.dataset.public) return resolve(null);
      try {
        if (!DV.token()) await DV.refresh();
        const b = await DV.api("GET", "/api/me");
        DV.me = b.user;
        const who = document.getElementById("who-name");
        if (who) who.textContent = DV.me.display_name || DV.me.email;
        if (DV.me.role === "admin") document.querySelectorAll(".admin-only").forEach((e) => (e.hidden = false));
        const out = document.getElementById("logout");
        if (out) out.addEventListener("click", async () => {
          try { await DV.api("POST", "/api/auth/logout", undefined, { noRedirect: true }); } catch (e) { /* signed out anyway */ }
          DV.setToken(null);
          location.assign("/login");
        });
        await DV.loadSpaces().catch(() => {});
        const sw = document.getElementById("space-switch");
        if (sw) sw.addEventListener("change", () => {
          DV.setSpace(sw.value);
          document.dispatchEvent(new CustomEvent("dv:space", { detail: sw.value }));
        });
        resolve(DV.me);
      } catch (e) {
        if (!(e instanceof ApiError)) DV.flash("DocuVault cannot be reached. Check your connection and reload.", true);
      }
    });
  });
})();
