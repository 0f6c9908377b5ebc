"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("reset-form");
  const err = document.getElementById("reset-error");
  // The token arrives in the fragment or query of the emailed link; drop it
  // from the address bar at once so it is not kept in history.
  const params = new URLSearchParams(location.hash.slice(1) || location.search);
  const token = params.get("token") || "";
  history.replaceState(null, "", "/reset-password");
  if (!token) err.textContent = "This link is incomplete. Ask for a new one on the sign-in page.";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    await DV.busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await DV.api("POST", "/api/auth/password-reset/confirm", { token, new_password: form.new_password.value }, { noRefresh: true, noRedirect: true });
        form.replaceWith(DV.el("p", { role: "status" }, "Your password is changed. ", DV.el("a", { href: "/login" }, "Sign in")));
      } catch (e) {
        DV.showErrors(form, err, e);
      }
    });
  });
});
