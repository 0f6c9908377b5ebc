package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// register signs a new account up in p's browser.
func register(p *page, name, email, password string) {
	p.t.Helper()
	p.open("/register")
	p.fill("#display_name", name)
	p.fill("#email", email)
	p.fill("#password", password)
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents" && document.body.dataset.ready === "1"`)
}

// chooseSpace picks a space by its label in the header's switcher.
func (p *page) chooseSpace(label string) {
	p.t.Helper()
	p.until("the space "+label+" in the switcher", `!document.querySelector(".space-switch").hidden &&
		[...document.querySelectorAll("#space-switch option")].some(o => o.textContent === `+jsString(label)+`)`)
	p.eval(`(() => { const s = document.getElementById("space-switch");
		s.value = [...s.options].find(o => o.textContent === ` + jsString(label) + `).value;
		s.dispatchEvent(new Event("change")); return ""; })()`)
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// TestBrowserSpaces: two people in two browsers share a space. Ada creates
// it on the Spaces page and adds Bob as an editor (a wrong email is named
// next to its field); she uploads a document into it; Bob finds it by
// search, creates a topic in the space and files the document under it;
// Ada makes Bob a viewer and his next edit is a plain message, the page
// turning read-only; Ada removes Bob and his open tab loses the document
// on its next action and on reload. Ada's space cannot be deleted while it
// holds the document; she moves it to her personal space and then can.
func TestBrowserSpaces(t *testing.T) {
	shots := t.TempDir()
	if os.Getenv("DOCUVAULT_UPDATE_SCREENSHOTS") == "1" {
		shots = "../../docs/screenshots"
	}
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	ada := &page{t: t, ctx: browser(t), base: srv.addr, logs: srv.logs, shot: shots}
	bob := &page{t: t, ctx: browser(t), base: srv.addr, logs: srv.logs, shot: shots}
	register(bob, "Bob Builder", "bob@example.com", "bricks and mortar forever")
	register(ada, "Ada Lovelace", "ada@example.com", "analytical engine notes")

	// Ada creates the space and adds Bob; a wrong email first.
	ada.open("/spaces")
	ada.until("her personal space", `document.querySelector("#space-list li h2") && document.querySelector("#space-list li h2").textContent === "Personal"`)
	ada.fill("#space-name", "Household")
	ada.click("#space-form button[type=submit]")
	ada.until("the new space with its member form", `[...document.querySelectorAll("#space-list h2")].some(h => h.textContent === "Household") &&
		document.querySelector(".add-member input[name=email]") !== null`)
	ada.fill(".add-member input[name=email]", "nobody@example.com")
	ada.click(".add-member button[type=submit]")
	ada.until("the email named", `document.querySelector(".add-member .field-error") &&
		document.querySelector(".add-member .field-error").textContent === "no account has this email" &&
		document.querySelector(".add-member input[name=email]").getAttribute("aria-invalid") === "true"`)
	ada.fill(".add-member input[name=email]", "bob@example.com")
	ada.click(".add-member button[type=submit]")
	ada.until("Bob a member", `document.querySelector('tr[data-member="bob@example.com"]') &&
		document.querySelector('tr[data-member="bob@example.com"] select').value === "editor" &&
		document.querySelector("#space-list").textContent.includes("2 members")`)
	// The owner chooses where the space's documents are kept (no drive
	// connected here: DocuVault's own storage).
	ada.until("the storage choice", `document.querySelector("form.space-storage select") !== null &&
		document.querySelector("form.space-storage select").value === "system"`)
	ada.click("form.space-storage button[type=submit]")
	ada.until("the choice saved", `document.getElementById("flash").textContent.startsWith("The space's documents are kept in DocuVault's own storage")`)
	ada.screenshot("spaces")

	// Ada uploads into the space: chosen in the switcher, kept in the URL.
	ada.open("/documents")
	ada.chooseSpace("Household")
	ada.until("the space in the URL", `new URLSearchParams(location.search).has("space_id") && document.getElementById("upload-target").textContent.includes("Household")`)
	file := filepath.Join(t.TempDir(), "boiler.txt")
	if err := os.WriteFile(file, []byte("service contract for the wombat boiler in the cellar"), 0o600); err != nil {
		t.Fatal(err)
	}
	ada.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{file}))
	ada.until("the document ready", `document.querySelectorAll("#doc-list .status.ready").length === 1`)
	ada.do("reload", chromedp.Reload())
	ada.until("the space remembered", `document.getElementById("space-switch").selectedOptions[0].textContent === "Household" &&
		document.querySelectorAll("#doc-list .doc").length === 1`)

	// Bob finds it by search, among all his spaces.
	bob.open("/documents")
	bob.fill("#q", "wombat")
	bob.until("the hit in Household", `document.querySelectorAll("#doc-list .doc").length === 1 && document.querySelector("#doc-list .doc .hint").textContent.startsWith("Household · ")`)
	docPath := bob.eval(`new URL(document.querySelector("#doc-list .doc").href).pathname`)

	// Bob sees the space, its members and a way out, but no member controls.
	bob.open("/spaces")
	bob.until("the shared space as an editor", `[...document.querySelectorAll("#space-list > li")].some(li => li.querySelector("h2").textContent === "Household" &&
		li.textContent.includes("your role: editor") && li.textContent.includes("owner: Ada Lovelace") && li.querySelector(".leave-space") !== null &&
		li.querySelectorAll("tr[data-member]").length === 2 && li.querySelector(".add-member, tr select, .delete-space, form.space-storage") === null &&
		li.querySelector(".space-storage").textContent === "Documents are kept in DocuVault's own storage.")`)

	// Bob creates a topic in the space and files the document under it.
	bob.open("/topics")
	bob.chooseSpace("Household")
	bob.until("the new topic's space", `document.getElementById("topic-where").textContent.includes("Household")`)
	bob.fill("#name", "Boiler")
	bob.click("#topic-form button[type=submit]")
	bob.until("the topic", `[...document.querySelectorAll("#topic-list input")].some(i => i.value === "Boiler")`)
	bob.open(docPath)
	bob.until("the document's space and adder", `document.getElementById("facts").textContent.includes("SpaceHousehold") &&
		document.getElementById("facts").textContent.includes("Added byAda Lovelace") && document.getElementById("view-only").hidden`)
	bob.until("the space's topic offered", `[...document.querySelectorAll("#add-topic option")].some(o => o.textContent === "Boiler")`)
	bob.eval(`(() => { const s = document.getElementById("add-topic"); s.value = [...s.options].find(o => o.textContent === "Boiler").value; return ""; })()`)
	bob.click("#topics-form button[type=submit]")
	bob.until("the topic chip", `[...document.querySelectorAll("#doc-topics .chip")].some(c => c.textContent.startsWith("Boiler"))`)

	// Ada makes Bob a viewer; his open page still offers Rename, and the
	// refusal reads plainly; the page then turns read-only.
	ada.open("/spaces")
	ada.until("Bob's role", `document.querySelector('tr[data-member="bob@example.com"] select') !== null`)
	ada.eval(`(() => { const s = document.querySelector('tr[data-member="bob@example.com"] select'); s.value = "viewer"; s.dispatchEvent(new Event("change")); return ""; })()`)
	ada.until("Bob a viewer", `document.getElementById("flash").textContent === "Bob Builder is now viewer."`)
	bob.fill("#title", "Bob was here")
	bob.click("#title-form button[type=submit]")
	bob.until("the plain refusal", `document.getElementById("flash").textContent === "You can only view documents in this space." &&
		document.getElementById("flash").classList.contains("bad")`)
	bob.until("the page read-only", `!document.getElementById("view-only").hidden && document.getElementById("delete").hidden &&
		document.getElementById("topics-form").hidden && document.getElementById("meta-fields").disabled && document.getElementById("note-form").hidden`)
	if body := bob.eval(`document.body.innerText`); strings.Contains(body, `"status"`) || strings.Contains(body, "{") {
		t.Fatalf("a raw problem is shown:\n%s", body)
	}
	bob.screenshot("document-view-only")

	// Ada removes Bob: his open tab loses the document on its next action
	// and on reload, and his lists no longer have it.
	ada.do("reload", chromedp.Reload())
	ada.until("Bob listed", `document.querySelector('tr[data-member="bob@example.com"] button.danger') !== null`)
	ada.eval(`window.confirm = () => true; ""`)
	ada.click(`tr[data-member="bob@example.com"] button.danger`)
	ada.until("Bob gone", `document.querySelector('tr[data-member="bob@example.com"]') === null && document.querySelector("#space-list").textContent.includes("1 member")`)
	bob.click("#download")
	bob.until("the document gone", `document.querySelector("#doc .gone") !== null`)
	bob.do("reload", chromedp.Reload())
	bob.until("still gone", `document.querySelector("#doc .gone") !== null`)
	bob.open("/documents?q=wombat")
	bob.until("no hit", `document.body.dataset.ready === "1" && document.querySelectorAll("#doc-list .doc").length === 0 &&
		document.getElementById("space-switch").value === "" && !location.search.includes("space_id") &&
		![...document.querySelectorAll("#space-switch option")].some(o => o.textContent === "Household")`)

	// The space holds the document: deleting it is refused with a reason.
	ada.until("the delete button", `document.querySelector(".delete-space") !== null`)
	ada.click(".delete-space")
	ada.until("the refusal", `document.querySelector("#space-list").textContent.includes("still holds documents")`)
	// Ada moves the document to her personal space, and the space goes.
	ada.open(docPath)
	ada.until("the move form", `!document.getElementById("move-form").hidden && document.getElementById("move-space").selectedOptions[0].textContent === "Personal" &&
		document.getElementById("facts").textContent.includes("Added byYou")`)
	ada.click("#move-form button[type=submit]")
	ada.until("moved", `document.getElementById("flash").textContent === "Moved to Personal." && document.getElementById("facts").textContent.includes("SpacePersonal")`)
	// The list's bulk action moves it there and back.
	ada.open("/documents")
	ada.chooseSpace("All spaces")
	for _, to := range []string{"Household", "Personal"} {
		ada.until("the list", `document.querySelectorAll("#doc-list input.pick").length === 1 && document.querySelectorAll("#bulk-action option").length > 0`)
		ada.eval(`(() => { const a = document.getElementById("select-all"); a.checked = true; a.dispatchEvent(new Event("change"));
			const s = document.getElementById("bulk-action"); s.value = "move"; s.dispatchEvent(new Event("change")); return ""; })()`)
		ada.eval(`(() => { const s = document.getElementById("bulk-value"); s.value = [...s.options].find(o => o.textContent === ` + jsString(to) + `).value; return ""; })()`)
		ada.click("#bulk-apply")
		ada.until("moved to "+to, `document.getElementById("flash").textContent === "1 documents changed." &&
			document.querySelectorAll("#doc-list .doc").length === 1 && document.querySelector("#doc-list .doc .hint").textContent.startsWith("Household · ") === `+map[string]string{"Household": "true", "Personal": "false"}[to])
		ada.eval(`(() => { document.getElementById("flash").textContent = ""; return ""; })()`)
	}
	ada.open("/spaces")
	ada.until("the delete button", `document.querySelector(".delete-space") !== null`)
	ada.eval(`window.confirm = () => true; ""`)
	ada.click(".delete-space")
	ada.until("the space deleted", `document.getElementById("flash").textContent === "Space deleted." && document.querySelectorAll("#space-list > li").length === 1`)
	ada.open("/documents")
	ada.until("back to all spaces, the document there", `document.getElementById("space-switch").value === "" && document.querySelectorAll("#doc-list .doc").length === 1`)
}
