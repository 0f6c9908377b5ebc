"use strict";
// Settings: mail intake (mailboxes and their rules).
DV.ready.then(async (me) => {
  if (!me) return;
  const $ = (id) => document.getElementById(id);
  const fail = (e) => DV.flash(e.message, true);
  let accounts = [];
  let topics = [];

  // watch reloads the list when the account's poll has finished: it checks
  // every 1.5 s for two minutes, then every 10 s, so a slow poll (a big
  // mailbox, a busy server) still shows its result on this page.
  const watch = (id, since) => {
    let tries = 0;
    const tick = async () => {
      tries++;
      try {
        const r = await DV.api("GET", "/api/mail/accounts");
        const a = (r.items || []).find((x) => x.id === id);
        if (!a || a.last_poll_at !== since) { await load(); return; }
      } catch (e) { fail(e); return; }
      setTimeout(tick, tries < 80 ? 1500 : 10000);
    };
    setTimeout(tick, 500);
  };

  const accountRow = (a) => DV.el("li", { "data-id": a.id },
    DV.el("strong", {}, a.display_name), " ", DV.el("span", { class: "hint" }, a.username + " @ " + a.host + ":" + a.port + " (" + a.security + ")" +
      (a.space_id && a.space_id !== me.id ? ", into " + DV.spaceName(a.space_id) : "")),
    DV.el("p", { class: "hint mail-last-poll" }, a.last_poll_at ? "Last poll " + DV.date(a.last_poll_at) + ": " + a.last_poll_result : "Not polled yet."),
    a.last_error ? DV.el("p", { class: "error" }, a.last_error) : null,
    DV.el("button", { type: "button", class: "mail-test", onclick: async (ev) => {
      await DV.busy(ev.target, async () => {
        try {
          const r = await DV.api("POST", "/api/mail/accounts/" + a.id + "/test");
          DV.flash(r.ok ? "Connected. Folders: " + (r.folders || []).join(", ") : r.error, !r.ok);
        } catch (e) { fail(e); }
      });
    } }, "Test"),
    DV.el("button", { type: "button", class: "mail-poll", onclick: async () => {
      try {
        await DV.api("POST", "/api/mail/accounts/" + a.id + "/poll");
        DV.flash("Polling now; the result shows here when it is done.");
        const row = document.querySelector('#mail-accounts li[data-id="' + a.id + '"] .mail-last-poll');
        if (row) row.textContent = "Polling…";
        watch(a.id, a.last_poll_at);
      } catch (e) { fail(e); }
    } }, "Poll now"),
    DV.el("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm("Remove the mailbox " + a.display_name + " and its rules? Documents stay.")) return;
      try { await DV.api("DELETE", "/api/mail/accounts/" + a.id); await load(); } catch (e) { fail(e); }
    } }, "Remove"));

  const ruleRow = (r) => {
    const acc = accounts.find((a) => a.id === r.account_id);
    const what = [r.from && "from " + r.from, r.subject && "subject " + r.subject, r.body && "body " + r.body].filter(Boolean).join(", ") || "every message";
    return DV.el("li", { "data-id": r.id },
      DV.el("strong", {}, r.name), " ", DV.el("span", { class: "hint" }, (acc ? acc.display_name : "") + " / " + r.folder + ": " + what +
        "; take " + r.consume + ", then " + r.after.replace("_", " ") + (r.after === "move" ? " to " + r.move_to : "") + (r.enabled ? "" : " (off)")),
      DV.el("button", { type: "button", onclick: async () => {
        try { await DV.api("PATCH", "/api/mail/rules/" + r.id, { enabled: !r.enabled }); await load(); } catch (e) { fail(e); }
      } }, r.enabled ? "Turn off" : "Turn on"),
      DV.el("button", { type: "button", class: "danger", onclick: async () => {
        try { await DV.api("DELETE", "/api/mail/rules/" + r.id); await load(); } catch (e) { fail(e); }
      } }, "Remove"));
  };

  async function load() {
    const [a, r] = await Promise.all([DV.api("GET", "/api/mail/accounts"), DV.api("GET", "/api/mail/rules")]);
    accounts = a.items || [];
    if (!DV.spaces.length) await DV.loadSpaces();
    $("mail-space").replaceChildren(...DV.spaces.filter((sp) => DV.can(sp.id, "admin"))
      .map((sp) => DV.el("option", { value: sp.id }, DV.spaceName(sp.id))));
    $("mail-accounts").replaceChildren(...accounts.map(accountRow));
    $("mail-accounts-empty").hidden = accounts.length > 0;
    $("mail-rules").replaceChildren(...(r.items || []).map(ruleRow));
    $("account_id").replaceChildren(...accounts.map((x) => DV.el("option", { value: x.id }, x.display_name)));
    await ruleTopics();
    $("mail-rule-form").hidden = accounts.length === 0;
  }
  // A rule's topics are those of its mailbox's space.
  async function ruleTopics() {
    const acc = accounts.find((x) => x.id === $("account_id").value);
    if (!acc) { $("topic_ids").replaceChildren(); return; }
    const t = await DV.api("GET", "/api/topics?space_id=" + encodeURIComponent(acc.space_id || me.id));
    topics = t.items || [];
    $("topic_ids").replaceChildren(...topics.map((x) => DV.el("option", { value: x.id }, x.name)));
  }
  $("account_id").addEventListener("change", () => ruleTopics().catch(fail));

  const af = $("mail-account-form");
  af.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("mail-account-error").textContent = "";
    const body = { host: $("host").value.trim(), security: $("mail-security").value, username: $("mail-username").value,
      password: $("mail-password").value, display_name: $("mail-display-name").value };
    if ($("mail-space").value) body.space_id = $("mail-space").value;
    if ($("port").value) body.port = Number($("port").value);
    await DV.busy(af.querySelector("button[type=submit]"), async () => {
      try { await DV.api("POST", "/api/mail/accounts", body); af.reset(); DV.flash("Mailbox connected."); await load(); }
      catch (e) { DV.showErrors(af, $("mail-account-error"), e); }
    });
  });

  const rf = $("mail-rule-form");
  rf.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("mail-rule-error").textContent = "";
    const types = $("attachment_types").value.split(",").map((s) => s.trim()).filter(Boolean);
    const body = { account_id: $("account_id").value, name: $("rule-name").value, folder: $("folder").value,
      from: $("from").value, subject: $("subject").value, body: $("body").value, consume: $("consume").value,
      attachment_types: types, after: $("after").value, move_to: $("move_to").value, enabled: true,
      order: Number($("order").value || 0), topic_ids: Array.from($("topic_ids").selectedOptions).map((o) => o.value) };
    if ($("max_age_days").value) body.max_age_days = Number($("max_age_days").value);
    try { await DV.api("POST", "/api/mail/rules", body); rf.reset(); DV.flash("Rule added."); await load(); }
    catch (e) { DV.showErrors(rf, $("mail-rule-error"), e); }
  });

  try { await load(); } catch (e) { fail(e); }
});
