"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("invite-form");
  const err = document.getElementById("invite-error");
  // The token arrives in the query of the mailed link; drop it from the
  // address bar at once so it is not kept in history.
  const params = new URLSearchParams(location.hash.slice(1) || location.search);
  const token = params.get("token") || "";
  history.replaceState(null, "", "/invite");
  if (!token) err.textContent = "This link is incomplete. Ask your administrator for a new invitation.";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const body = { token, password: form.password.value };
    if (form.display_name.value.trim()) body.display_name = form.display_name.value.trim();
    await DV.busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await DV.api("POST", "/api/auth/invite/accept", body, { noRefresh: true, noRedirect: true });
        form.replaceWith(DV.el("p", { role: "status", id: "invite-done" }, "Your password is set. ", DV.el("a", { href: "/login" }, "Sign in")));
      } catch (e) {
        DV.showErrors(form, err, e);
      }
    });
  });
});
