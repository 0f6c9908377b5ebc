"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const err = document.getElementById("login-error");
  const codeStep = form.querySelector(".step-code");
  const next = new URLSearchParams(location.search).get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/documents";
  DV.api("GET", "/api/config", undefined, { noRefresh: true, noRedirect: true })
    .then((c) => { document.getElementById("register-link").hidden = !c.registration_open; })
    .catch(() => { document.getElementById("register-link").hidden = false; });
  DV.api("GET", "/api/setup", undefined, { noRefresh: true, noRedirect: true })
    .then((s) => { document.getElementById("setup-hint").hidden = !s.needed; })
    .catch(() => {});
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const body = { email: form.email.value.trim(), password: form.password.value };
    if (!codeStep.hidden) {
      if (form.backup_code.value.trim()) body.backup_code = form.backup_code.value.trim();
      else body.totp_code = form.totp_code.value.trim();
    }
    const button = form.querySelector("button[type=submit]");
    await DV.busy(button, async () => {
      try {
        const res = await DV.api("POST", "/api/auth/login", body, { noRefresh: true, noRedirect: true });
        DV.setToken(res.access_token);
        location.assign(target);
      } catch (e) {
        if (e.code === "mfa_required" && codeStep.hidden) {
          codeStep.hidden = false;
          form.totp_code.focus();
          return;
        }
        DV.showErrors(form, err, e);
      }
    });
  });
});
