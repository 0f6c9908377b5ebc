"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("forgot-form");
  const err = document.getElementById("forgot-error");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    await DV.busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await DV.api("POST", "/api/auth/password-reset/request", { email: form.email.value.trim() }, { noRefresh: true, noRedirect: true });
        form.replaceWith(DV.el("p", { role: "status" }, "If that email belongs to an account, a link is on its way. Check your inbox (and the spam folder)."));
      } catch (e) {
        DV.showErrors(form, err, e);
      }
    });
  });
});
