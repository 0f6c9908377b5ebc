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
  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || "The request failed (" + status + ").");
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

  // showErrors puts a problem's message next to the form and its fields.
  DV.showErrors = function (form, errEl, err) {
    form.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
    let msg = err.message || String(err);
    if (err.fields) {
      for (const [name, why] of Object.entries(err.fields)) {
        const input = form.querySelector("#" + CSS.escape(name)) || form.querySelector('[name="' + CSS.escape(name) + '"]');
        if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
        msg += " (" + name.replace(/_/g, " ") + ": " + why + ")";
      }
    }
    if (err.status === 429 && err.problem.detail) msg = err.problem.detail;
    errEl.textContent = msg;
  };

  DV.busy = async function (button, fn) {
    button.disabled = true;
    try { return await fn(); } finally { button.disabled = false; }
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
        resolve(DV.me);
      } catch (e) {
        if (!(e instanceof ApiError)) DV.flash("DocuVault cannot be reached. Check your connection and reload.", true);
      }
    });
  });
})();
