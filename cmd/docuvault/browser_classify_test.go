package main

import (
	"math/rand/v2"
	"os"
	"testing"
)

// TestBrowserClassifierCandidates: the document page says the document was classified and shows the
// ranked candidates; one click on a candidate files the document under it (PATCH topic_ids). Settings
// show the built-in classifier's state, and "Train now" works.
func TestBrowserClassifierCandidates(t *testing.T) {
	ctx := browser(t)
	shots := t.TempDir()
	if os.Getenv("DOCUVAULT_UPDATE_SCREENSHOTS") == "1" {
		shots = "../../docs/screenshots"
	}
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	c := newClient(t, srv.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "cand@example.test", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "cand@example.test", "password": "a long enough passphrase"}, 200)["access_token"].(string)
	topics := map[string]string{}
	for name, kw := range map[string]string{"Invoices": "invoice", "Recipes": "oven", "Travel": "flight"} {
		topics[kw] = c.json("POST", "/api/topics", map[string]any{"name": name}, 201)["topic"].(map[string]any)["id"].(string)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	n := 0
	for kw, tid := range topics {
		for range 4 {
			n++
			id := c.upload("doc-"+kw+string(rune('a'+n))+".txt", []byte(paper(rng, kw)))["id"].(string)
			c.waitReady(id)
			c.json("PATCH", "/api/documents/"+id, map[string]any{"topic_ids": []string{tid}}, 200)
		}
	}
	c.json("POST", "/api/classifier/train", nil, 202)
	doc := c.upload("new-trip.txt", []byte(paper(rng, "flight")))["id"].(string)
	c.waitTopics(doc)

	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: shots}
	p.open("/login")
	p.fill("#email", "cand@example.test")
	p.fill("#password", "a long enough passphrase")
	p.click("#login-form button[type=submit]")
	p.until("signed in", `location.pathname === "/documents"`)
	p.open("/documents/" + doc)
	p.until("classified", `document.getElementById("classification").textContent.startsWith("Classified")`)
	p.until("candidates", `!document.getElementById("candidates").hidden && document.querySelector("#candidates button") !== null`)
	if first := p.eval(`document.querySelector("#candidates button").textContent`); len(first) < 8 || first[:6] != "Travel" {
		t.Fatalf("best candidate shown as %q", first)
	}
	p.screenshot("document-candidates")
	p.click("#candidates button")
	p.until("filed under Travel as the user's own", `[...document.querySelectorAll("#doc-topics .chip")].some(c => c.textContent.includes("Travel") && c.textContent.includes("yours"))`)
	d := c.json("GET", "/api/documents/"+doc, nil, 200)["document"].(map[string]any)
	if ts := d["topics"].([]any); len(ts) != 1 || ts[0].(map[string]any)["id"] != topics["flight"] || ts[0].(map[string]any)["source"] != "user" {
		t.Fatalf("after one click: %v", ts)
	}

	p.open("/settings")
	p.until("the classifier's state", `document.querySelectorAll("#classifier-topics li").length === 3`)
	p.until("three topics learned", `document.getElementById("classifier-facts").textContent.includes("3 of 3")`)
	p.click("#classifier-train")
	p.until("training started", `document.getElementById("flash").textContent.includes("Training")`)
	p.screenshot("settings-classifier")

	// A shared space has a classifier of its own, chosen above the state.
	home := c.json("POST", "/api/spaces", map[string]any{"name": "Household"}, 201)["space"].(map[string]any)["id"].(string)
	c.json("POST", "/api/topics", map[string]any{"name": "Bills", "space_id": home}, 201)
	p.open("/settings")
	p.until("the space choice", `!document.getElementById("classifier-space-row").hidden && document.querySelectorAll("#classifier-space option").length === 2`)
	p.until("the personal space first", `document.querySelectorAll("#classifier-topics li").length === 3`)
	p.eval(`(() => { const s = document.getElementById("classifier-space"); s.value = "` + home + `"; s.dispatchEvent(new Event("change")); return ""; })()`)
	p.until("the shared space's classifier", `document.querySelectorAll("#classifier-topics li").length === 1 && document.getElementById("classifier-topics").textContent.includes("Bills")`)
	p.click("#classifier-train")
	p.until("the shared space's training started", `document.getElementById("flash").textContent.includes("Training")`)
	srv.stop(t)
}
