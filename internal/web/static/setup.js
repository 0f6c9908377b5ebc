"use strict";
document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("setup-form");
  const err = document.getElementById("setup-error");
  // The token arrives in the query of the logged link; keep it in the form,
  // not in the address bar or history.
  const params = new URLSearchParams(location.hash.slice(1) || location.search);
  form.token.value = params.get("token") || "";
  history.replaceState(null, "", "/setup");
  try {
    const s = await DV.api("GET", "/api/setup", undefined, { noRefresh: true, noRedirect: true });
    if (!s.needed) {
      form.replaceWith(DV.el("p", { role: "status" }, "Setup is done: this DocuVault has an administrator. ", DV.el("a", { href: "/login" }, "Sign in")));
      return;
    }
  } catch (e) {
    err.textContent = e.message;
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const body = { token: form.token.value.trim(), email: form.email.value.trim(), password: form.password.value };
    if (form.display_name.value.trim()) body.display_name = form.display_name.value.trim();
    await DV.busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await DV.api("POST", "/api/setup", body, { noRefresh: true, noRedirect: true });
        const res = await DV.api("POST", "/api/auth/login", { email: body.email, password: body.password }, { noRefresh: true, noRedirect: true });
        DV.setToken(res.access_token);
        location.assign("/admin");
      } catch (e) {
        DV.showErrors(form, err, e);
      }
    });
  });
});
