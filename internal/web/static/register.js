"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("register-form");
  const err = document.getElementById("register-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const body = { email: form.email.value.trim(), password: form.password.value };
    if (form.display_name.value.trim()) body.display_name = form.display_name.value.trim();
    await DV.busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await DV.api("POST", "/api/auth/register", body, { noRefresh: true, noRedirect: true });
        const res = await DV.api("POST", "/api/auth/login", { email: body.email, password: body.password }, { noRefresh: true, noRedirect: true });
        DV.setToken(res.access_token);
        location.assign("/documents");
      } catch (e) {
        DV.showErrors(form, err, e);
      }
    });
  });
});
