package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

func id(out map[string]any, key string) string { return out[key].(map[string]any)["id"].(string) }

func (e *accessEnv) doc(c *client, title, content string) string {
	e.t.Helper()
	status, out := e.upload(c, title+".txt", content, "title", title)
	if status != 201 {
		e.t.Fatalf("upload: %d %v", status, out)
	}
	d := id(out, "document")
	if err := e.st.SaveExtraction(context.Background(), d, model.Extraction{Text: content, PageCount: 1, Language: "en"}); err != nil {
		e.t.Fatal(err)
	}
	return d
}

func errorsOf(out map[string]any) map[string]any {
	m, _ := out["errors"].(map[string]any)
	return m
}

func titlesOf(out map[string]any) []string {
	var t []string
	for _, it := range out["items"].([]any) {
		t = append(t, it.(map[string]any)["title"].(string))
	}
	return t
}

func TestCorrespondentsAndDocumentTypes(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		alice, aliceID := e.user("alice@x.test")
		mallory, _ := e.user("mallory@x.test")
		for _, k := range []struct{ path, key string }{{"/api/correspondents", "correspondent"}, {"/api/document-types", "document_type"}} {
			out := alice.must(201, "POST", k.path, map[string]any{"name": " ACME Inc "})
			acme := id(out, k.key)
			if got := out[k.key].(map[string]any); got["name"] != "ACME Inc" || got["space_id"] != aliceID {
				t.Errorf("%s: created %v", k.path, got)
			}
			if _, out := alice.do("POST", k.path, map[string]any{"name": "acme inc"}); out["code"] != "conflict" || out["status"] != float64(409) {
				t.Errorf("%s: duplicate: %v", k.path, out)
			}
			for _, bad := range []any{map[string]any{"name": "  "}, map[string]any{}, map[string]any{"name": strings.Repeat("x", 129)}} {
				if code, out := alice.do("POST", k.path, bad); code != 422 || errorsOf(out)["name"] == nil {
					t.Errorf("%s %v: %d %v", k.path, bad, code, out)
				}
			}
			if code, _ := alice.do("POST", k.path, map[string]any{"name": "x", "nope": 1}); code != 400 {
				t.Errorf("%s: unknown field: %d", k.path, code)
			}
			other := id(alice.must(201, "POST", k.path, map[string]any{"name": "Other"}), k.key)
			if code, _ := alice.do("PATCH", k.path+"/"+other, map[string]any{"name": "ACME INC"}); code != 409 {
				t.Errorf("%s: rename to a taken name: %d", k.path, code)
			}
			if got := alice.must(200, "PATCH", k.path+"/"+other, map[string]any{"name": "Zeta"})[k.key].(map[string]any); got["name"] != "Zeta" {
				t.Errorf("%s: renamed %v", k.path, got)
			}
			// Mallory uses the same name in her own space, and cannot reach Alice's.
			mallory.must(201, "POST", k.path, map[string]any{"name": "ACME Inc"})
			for _, probe := range []struct{ method, path string }{{"PATCH", k.path + "/" + acme}, {"DELETE", k.path + "/" + acme}} {
				var body any
				if probe.method == "PATCH" {
					body = map[string]any{"name": "pwned"}
				}
				if code, out := mallory.do(probe.method, probe.path, body); code != 404 || out["code"] != "not_found" {
					t.Errorf("mallory %s %s: %d %v", probe.method, probe.path, code, out)
				}
			}
			if code, _ := mallory.do("POST", k.path, map[string]any{"name": "In Alice's", "space_id": aliceID}); code != 404 {
				t.Errorf("%s: create in another's space: %d", k.path, code)
			}
			if code, _ := mallory.do("GET", k.path+"?space_id="+aliceID, nil); code != 404 {
				t.Errorf("%s: list another's space: %d", k.path, code)
			}
			if code, _ := alice.do("GET", k.path+"?nope=1", nil); code != 400 {
				t.Errorf("%s: unknown parameter: %d", k.path, code)
			}
			items := mallory.must(200, "GET", k.path, nil)["items"].([]any)
			if len(items) != 1 || id(map[string]any{"x": items[0]}, "x") == acme {
				t.Errorf("%s: mallory lists %v", k.path, items)
			}
			items = alice.must(200, "GET", k.path+"?space_id="+aliceID, nil)["items"].([]any)
			if len(items) != 2 || items[0].(map[string]any)["name"] != "ACME Inc" || items[1].(map[string]any)["name"] != "Zeta" {
				t.Errorf("%s: alice lists %v", k.path, items)
			}
		}
		// A document with both; deleting one clears it and keeps the rest.
		doc := e.doc(alice, "Water bill", "water bill march")
		corr := id(alice.must(201, "POST", "/api/correspondents", map[string]any{"name": "Waterworks"}), "correspondent")
		typ := id(alice.must(201, "POST", "/api/document-types", map[string]any{"name": "Bill"}), "document_type")
		d := alice.must(200, "PATCH", "/api/documents/"+doc, map[string]any{"correspondent_id": corr, "document_type_id": typ,
			"document_date": "2024-03-05"})["document"].(map[string]any)
		if d["correspondent"].(map[string]any)["name"] != "Waterworks" || d["document_type"].(map[string]any)["id"] != typ || d["document_date"] != "2024-03-05" {
			t.Fatalf("patched: %v", d)
		}
		alice.must(204, "DELETE", "/api/correspondents/"+corr, nil)
		d = alice.must(200, "GET", "/api/documents/"+doc, nil)["document"].(map[string]any)
		if d["correspondent"] != nil || d["document_type"].(map[string]any)["name"] != "Bill" || d["document_date"] != "2024-03-05" || d["title"] != "Water bill" {
			t.Fatalf("after deleting the correspondent: %v", d)
		}
		d = alice.must(200, "PATCH", "/api/documents/"+doc, map[string]any{"document_type_id": nil, "document_date": nil})["document"].(map[string]any)
		if d["document_type"] != nil || d["document_date"] != nil {
			t.Fatalf("cleared: %v", d)
		}
		for _, bad := range []map[string]any{{"document_date": "2024-02-30"}, {"document_date": "05.03.2024"}, {"correspondent_id": ""}} {
			if code, out := alice.do("PATCH", "/api/documents/"+doc, bad); code != 422 {
				t.Errorf("patch %v: %d %v", bad, code, out)
			}
		}
		if code, _ := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"document_date": 20240305}); code != 400 {
			t.Errorf("a number as date: %d", code)
		}
		// Another space's correspondent, or a made-up one, is 404 on Alice's own document.
		theirs := mallory.must(200, "GET", "/api/correspondents", nil)["items"].([]any)[0].(map[string]any)["id"].(string)
		for _, ref := range []string{theirs, store.NewID()} {
			if code, out := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"correspondent_id": ref}); code != 404 || out["code"] != "not_found" {
				t.Errorf("foreign correspondent %s: %d %v", ref, code, out)
			}
		}
	})
}

func TestCustomFieldsAndValues(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		alice, _ := e.user("alice@x.test")
		mallory, _ := e.user("mallory@x.test")
		doc := e.doc(alice, "Invoice 7", "an invoice")
		linked := e.doc(alice, "Contract", "a contract")
		fields := map[string]string{}
		for _, typ := range []string{"text", "number", "monetary", "date", "boolean", "url", "select", "document_link"} {
			body := map[string]any{"name": "F " + typ, "type": typ}
			if typ == "select" {
				body["options"] = []string{"low", "high"}
			}
			fields[typ] = id(alice.must(201, "POST", "/api/custom-fields", body), "custom_field")
		}
		for _, bad := range []map[string]any{
			{"name": "S", "type": "select"}, {"name": "S", "type": "select", "options": []string{}},
			{"name": "S", "type": "select", "options": []string{"a", "A"}}, {"name": "T", "type": "text", "options": []string{"a"}},
			{"name": "X", "type": "colour"}, {"name": "", "type": "text"}, {"name": "Y"},
		} {
			if code, out := alice.do("POST", "/api/custom-fields", bad); code != 422 {
				t.Errorf("create %v: %d %v", bad, code, out)
			}
		}
		if code, _ := alice.do("POST", "/api/custom-fields", map[string]any{"name": "f TEXT", "type": "number"}); code != 409 {
			t.Errorf("duplicate field name: %d", code)
		}
		if code, out := alice.do("PATCH", "/api/custom-fields/"+fields["text"], map[string]any{"type": "number"}); code != 422 || errorsOf(out)["type"] == nil {
			t.Errorf("type change: %d %v", code, out)
		}
		alice.must(200, "PATCH", "/api/custom-fields/"+fields["text"], map[string]any{"type": "text", "name": "Reference"})

		good := map[string]any{"text": "ref 42", "number": 12.5, "monetary": "EUR12.5", "date": "2024-03-05", "boolean": true,
			"url": "https://example.com/x", "select": "high", "document_link": linked}
		var set []map[string]any
		for typ, v := range good {
			set = append(set, map[string]any{"field_id": fields[typ], "value": v})
		}
		d := alice.must(200, "PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": set})["document"].(map[string]any)
		got := map[string]any{}
		for _, cf := range d["custom_fields"].([]any) {
			m := cf.(map[string]any)
			got[m["type"].(string)] = m["value"]
			if m["type"] == "text" && m["name"] != "Reference" {
				t.Errorf("field name %v", m)
			}
		}
		want := map[string]any{"text": "ref 42", "number": 12.5, "monetary": "EUR12.50", "date": "2024-03-05", "boolean": true,
			"url": "https://example.com/x", "select": "high", "document_link": linked}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("values %v, want %v", got, want)
		}
		// Wrong types: 422 keyed by the field's id, nothing changes.
		bad := map[string]any{"text": 5, "number": "12", "monetary": "12.50 EUR", "date": "2024-13-01", "boolean": "yes",
			"url": "ftp://example.com", "select": "medium", "document_link": 7}
		for typ, v := range bad {
			code, out := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": []any{map[string]any{"field_id": fields[typ], "value": v}}})
			if code != 422 || errorsOf(out)[fields[typ]] == nil {
				t.Errorf("%s = %v: %d %v", typ, v, code, out)
			}
		}
		for _, v := range []string{"eur12.50", "EUR12.505", "EURO1", "EUR"} {
			if code, _ := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": []any{map[string]any{"field_id": fields["monetary"], "value": v}}}); code != 422 {
				t.Errorf("monetary %q: %d", v, code)
			}
		}
		if code, _ := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": []any{map[string]any{"field_id": fields["text"], "value": strings.Repeat("x", 10001)}}}); code != 422 {
			t.Errorf("long text: %d", code)
		}
		// Links to another user's document, or a made-up one: 404.
		mine := e.doc(mallory, "Mallory doc", "hers")
		for _, ref := range []string{mine, store.NewID()} {
			if code, _ := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": []any{map[string]any{"field_id": fields["document_link"], "value": ref}}}); code != 404 {
				t.Errorf("link to %s: %d", ref, code)
			}
		}
		// Mallory's field on Alice's document, Alice's field on Mallory's document: 404.
		hers := id(mallory.must(201, "POST", "/api/custom-fields", map[string]any{"name": "Hers", "type": "text"}), "custom_field")
		if code, _ := alice.do("PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": []any{map[string]any{"field_id": hers, "value": "x"}}}); code != 404 {
			t.Errorf("foreign field: %d", code)
		}
		if code, _ := mallory.do("PATCH", "/api/documents/"+mine, map[string]any{"custom_fields": []any{map[string]any{"field_id": fields["text"], "value": "x"}}}); code != 404 {
			t.Errorf("alice's field on mallory's document: %d", code)
		}
		for _, m := range []string{"PATCH", "DELETE"} {
			if code, _ := mallory.do(m, "/api/custom-fields/"+fields["text"], map[string]any{"name": "pwned"}); code != 404 {
				t.Errorf("mallory %s alice's field: %d", m, code)
			}
		}
		// null removes one value, the others stay.
		d = alice.must(200, "PATCH", "/api/documents/"+doc, map[string]any{"custom_fields": []any{map[string]any{"field_id": fields["text"], "value": nil}}})["document"].(map[string]any)
		if n := len(d["custom_fields"].([]any)); n != 7 {
			t.Fatalf("after removing one value: %d values", n)
		}
		// Narrowing a select field's options drops values no longer allowed.
		alice.must(200, "PATCH", "/api/custom-fields/"+fields["select"], map[string]any{"options": []string{"low"}})
		// Deleting a field removes its values.
		alice.must(204, "DELETE", "/api/custom-fields/"+fields["number"], nil)
		d = alice.must(200, "GET", "/api/documents/"+doc, nil)["document"].(map[string]any)
		if n := len(d["custom_fields"].([]any)); n != 5 {
			t.Fatalf("after deleting a field and an option: %d values: %v", n, d["custom_fields"])
		}
		// The audit log names the change, never the values.
		entries, _, err := st.ListAudit(context.Background(), store.AuditFilter{Action: "document.metadata"}, store.Page{Limit: 200})
		if err != nil || len(entries) == 0 {
			t.Fatalf("audit: %v %v", entries, err)
		}
		for _, en := range entries {
			if s := fmt.Sprint(en.Details); strings.Contains(s, "ref 42") || strings.Contains(s, "EUR12") || strings.Contains(s, "example.com") {
				t.Errorf("audit holds a value: %v", en.Details)
			}
		}
	})
}

func TestDocumentListFiltersAndSearchSyntax(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		alice, _ := e.user("alice@x.test")
		mallory, _ := e.user("mallory@x.test")
		acme := id(alice.must(201, "POST", "/api/correspondents", map[string]any{"name": "Acme Inc"}), "correspondent")
		inv := id(alice.must(201, "POST", "/api/document-types", map[string]any{"name": "Invoice"}), "document_type")
		tax := id(alice.must(201, "POST", "/api/topics", map[string]any{"name": "Tax"}), "topic")
		amount := id(alice.must(201, "POST", "/api/custom-fields", map[string]any{"name": "Amount", "type": "monetary"}), "custom_field")
		a := e.doc(alice, "Alpha", "electricity invoice")
		b := e.doc(alice, "Beta", "water invoice")
		c := e.doc(alice, "Gamma", "holiday photos")
		alice.must(200, "PATCH", "/api/documents/"+a, map[string]any{"correspondent_id": acme, "document_type_id": inv, "document_date": "2024-03-05",
			"topic_ids": []string{tax}, "custom_fields": []any{map[string]any{"field_id": amount, "value": "EUR120.00"}}})
		alice.must(200, "PATCH", "/api/documents/"+b, map[string]any{"document_type_id": inv, "document_date": "2023-11-30",
			"custom_fields": []any{map[string]any{"field_id": amount, "value": "EUR9.99"}}})
		alice.must(200, "PATCH", "/api/documents/"+c, map[string]any{"document_date": "2024-07-01"})
		e.doc(mallory, "Mallory", "invoice of mallory")
		for _, tc := range []struct {
			query string
			want  string
		}{
			{"correspondent_id=" + acme, "Alpha"},
			{"document_type_id=" + inv + "&sort=document_date", "Beta,Alpha"},
			{"topic_id=" + tax + "&topic_id=" + tax, "Alpha"},
			{"no_topic=true&sort=title", "Beta,Gamma"},
			{"date_from=2024-01-01&date_to=2024-03-05", "Alpha"},
			{"created_from=2000-01-01&created_to=" + time.Now().UTC().Format("2006-01-02") + "&sort=-document_date", "Gamma,Alpha,Beta"},
			{"created_to=2000-01-01", ""},
			{"mime_type=text/plain&sort=-size_bytes", "Alpha,Gamma,Beta"},
			{"field=" + amount + ":gt:100", "Alpha"},
			{"field=" + amount + ":lt:EUR100", "Beta"},
			{"field=" + amount + ":exists:false", "Gamma"},
			{"field=" + amount + ":gte:9.99&field=" + amount + ":lte:9.99", "Beta"},
			{"field=" + store.NewID() + ":exists:true", ""},
			{"q=invoice&document_type_id=" + inv + "&sort=title", "Alpha,Beta"},
			{"q=invoice correspondent:acme", ""},
			{"q=invoice correspondent:" + url.QueryEscape(`"ACME inc"`), "Alpha"},
			{"q=" + url.QueryEscape(`correspondent:"acme inc"`), "Alpha"},
			{"q=type:invoice date:2024", "Alpha"},
			{"q=type:invoice date:2023-11", "Beta"},
			{"q=tag:tax", "Alpha"},
			{"q=tag:nosuchtopic", ""},
			{"q=correspondent:nobody invoice", ""},
			{"q=date:2024&sort=document_date", "Alpha,Gamma"},
		} {
			out := alice.must(200, "GET", "/api/documents?"+strings.ReplaceAll(tc.query, " ", "+"), nil)
			if got := strings.Join(titlesOf(out), ","); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
			}
		}
		// Mallory's view of Alice's ids and names: nothing.
		for _, q := range []string{"correspondent_id=" + acme, "field=" + amount + ":exists:true", "q=correspondent:acme", "q=type:invoice"} {
			if out := mallory.must(200, "GET", "/api/documents?"+q, nil); len(out["items"].([]any)) != 0 {
				t.Errorf("mallory %s: %v", q, out)
			}
		}
		for _, q := range []string{"nope=1", "sort=nope", "date_from=2024-1-1", "date_to=x", "created_from=yesterday", "no_topic=maybe",
			"field=x", "field=" + amount + ":like:1", "field=" + amount + ":gt:abc", "mime_type=pdf", "correspondent_id=a&correspondent_id=b",
			"q=date:20"} {
			if code, out := alice.do("GET", "/api/documents?"+q, nil); code != 400 || out["code"] != "invalid_input" {
				t.Errorf("%s: %d %v", q, code, out)
			}
		}
		// Cursors through a new sort.
		var got []string
		path := "/api/documents?sort=document_date&limit=1"
		for path != "" {
			out := alice.must(200, "GET", path, nil)
			got = append(got, titlesOf(out)...)
			path = ""
			if next, ok := out["next_cursor"].(string); ok {
				path = "/api/documents?sort=document_date&limit=1&cursor=" + next
			}
		}
		if strings.Join(got, ",") != "Beta,Alpha,Gamma" {
			t.Errorf("paged by date: %v", got)
		}
	})
}

func TestBulkIsAllOrNothing(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ctx := context.Background()
		alice, aliceID := e.user("alice@x.test")
		mallory, malloryID := e.user("mallory@x.test")
		// 500 documents, written straight to the store.
		var ids []string
		for i := range 500 {
			d := &model.Document{OwnerID: aliceID, Title: fmt.Sprintf("doc %03d", i), OriginalFilename: "d.txt", MIMEType: "text/plain",
				SizeBytes: 1, SHA256: fmt.Sprintf("%064d", i), BlobKey: "k"}
			if err := st.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		foreign := e.doc(mallory, "Mallory", "hers")
		corr := id(alice.must(201, "POST", "/api/correspondents", map[string]any{"name": "Acme"}), "correspondent")
		tax := id(alice.must(201, "POST", "/api/topics", map[string]any{"name": "Tax"}), "topic")
		amount := id(alice.must(201, "POST", "/api/custom-fields", map[string]any{"name": "Amount", "type": "number"}), "custom_field")
		theirCorr := id(mallory.must(201, "POST", "/api/correspondents", map[string]any{"name": "Theirs"}), "correspondent")

		start := time.Now()
		for _, b := range []map[string]any{
			{"action": "set_correspondent", "correspondent_id": corr},
			{"action": "add_topics", "topic_ids": []string{tax}},
			{"action": "set_field", "field_id": amount, "value": 3},
			{"action": "set_date", "document_date": "2024-02-29"},
		} {
			b["document_ids"] = ids
			if out := alice.must(200, "POST", "/api/documents/bulk", b); out["updated"] != float64(500) {
				t.Fatalf("%v: %v", b["action"], out)
			}
		}
		if el := time.Since(start); el > 20*time.Second {
			t.Errorf("four bulk changes of 500 documents took %v", el)
		}
		out := alice.must(200, "GET", "/api/documents?correspondent_id="+corr+"&topic_id="+tax+"&field="+amount+":eq:3&date_from=2024-02-29&limit=200", nil)
		if n := len(out["items"].([]any)); n != 200 || out["next_cursor"] == nil {
			t.Fatalf("after bulk: %d documents match", n)
		}
		// One foreign, made-up or trashed id, one foreign object or one bad value: nothing changes.
		alice.must(204, "DELETE", "/api/documents/"+ids[499], nil)
		check := func(what string, body map[string]any, status int) {
			t.Helper()
			if code, out := alice.do("POST", "/api/documents/bulk", body); code != status {
				t.Errorf("%s: %d %v, want %d", what, code, out, status)
			}
		}
		live := ids[:499]
		check("foreign document", map[string]any{"document_ids": append([]string{foreign}, live...), "action": "set_correspondent", "correspondent_id": nil}, 404)
		check("made-up document", map[string]any{"document_ids": append(live[:10:10], store.NewID()), "action": "trash"}, 404)
		check("trashed document", map[string]any{"document_ids": ids[490:], "action": "remove_topics", "topic_ids": []string{tax}}, 404)
		check("foreign correspondent", map[string]any{"document_ids": live, "action": "set_correspondent", "correspondent_id": theirCorr}, 404)
		check("made-up topic", map[string]any{"document_ids": live, "action": "add_topics", "topic_ids": []string{store.NewID()}}, 404)
		check("bad value", map[string]any{"document_ids": live, "action": "set_field", "field_id": amount, "value": "three"}, 422)
		check("bad date", map[string]any{"document_ids": live, "action": "set_date", "document_date": "2024-02-30"}, 422)
		check("unknown action", map[string]any{"document_ids": live, "action": "explode"}, 422)
		check("no ids", map[string]any{"document_ids": []string{}, "action": "trash"}, 422)
		many := make([]string, 1001)
		for i := range many {
			many[i] = store.NewID()
		}
		check("too many", map[string]any{"document_ids": many, "action": "trash"}, 422)
		check("move elsewhere", map[string]any{"document_ids": live[:3], "action": "move", "space_id": malloryID}, 404)
		check("move nowhere", map[string]any{"document_ids": live[:3], "action": "move"}, 422)
		out = alice.must(200, "GET", "/api/documents?correspondent_id="+corr+"&topic_id="+tax+"&field="+amount+":eq:3&limit=200", nil)
		if n := len(out["items"].([]any)); n != 200 {
			t.Fatalf("a refused bulk changed documents: %d match", n)
		}
		if d, err := st.Document(ctx, malloryID, foreign); err != nil || d.CorrespondentID != "" || d.DeletedAt != nil {
			t.Fatalf("mallory's document: %+v %v", d, err)
		}
		// Clearing, removing, moving to the own space, reprocessing and trashing.
		alice.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": live, "action": "set_correspondent", "correspondent_id": nil})
		alice.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": live, "action": "remove_topics", "topic_ids": []string{tax}})
		alice.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": live, "action": "set_field", "field_id": amount, "value": nil})
		alice.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": live, "action": "move", "space_id": aliceID})
		alice.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": live[:5], "action": "reprocess"})
		if out := alice.must(200, "GET", "/api/documents?no_topic=true&field="+amount+":exists:false&limit=1", nil); len(out["items"].([]any)) != 1 {
			t.Fatalf("after clearing: %v", out)
		}
		if out := alice.must(200, "GET", "/api/documents?correspondent_id="+corr, nil); len(out["items"].([]any)) != 0 {
			t.Fatalf("correspondent not cleared")
		}
		alice.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": live, "action": "trash"})
		if out := alice.must(200, "GET", "/api/documents", nil); len(out["items"].([]any)) != 0 {
			t.Fatalf("after trash: %d left", len(out["items"].([]any)))
		}
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: "document.bulk"}, store.Page{Limit: 200})
		if len(entries) != 10 {
			t.Errorf("%d bulk audit entries, want 10", len(entries))
		}
	})
}

func TestSavedViews(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		alice, aliceID := e.user("alice@x.test")
		mallory, _ := e.user("mallory@x.test")
		v := alice.must(201, "POST", "/api/views", map[string]any{"name": "Tax 2024", "sort": "-document_date", "show_on_dashboard": true,
			"query": map[string]any{"q": "tag:tax date:2024", "topic_id": []string{"t1", "t2"}, "no_topic": false, "status": "ready"}})["view"].(map[string]any)
		q := v["query"].(map[string]any)
		if v["name"] != "Tax 2024" || v["space_id"] != aliceID || v["show_on_dashboard"] != true || q["q"] != "tag:tax date:2024" ||
			len(q["topic_id"].([]any)) != 2 || q["no_topic"] != "false" {
			t.Fatalf("view %v", v)
		}
		for _, bad := range []map[string]any{
			{"name": "x", "query": map[string]any{"colour": "red"}},
			{"name": "x", "query": map[string]any{"date_from": "tomorrow"}},
			{"name": "x", "query": map[string]any{"sort": "title"}},
			{"name": "x", "query": map[string]any{"q": "date:20"}},
			{"name": "x", "query": map[string]any{"status": map[string]any{"a": 1}}},
			{"name": "x", "query": map[string]any{"status": []string{"ready", "failed"}}},
			{"name": "x", "query": map[string]any{}, "sort": "nope"},
			{"name": "", "query": map[string]any{}},
			{"name": "x"},
		} {
			code, out := alice.do("POST", "/api/views", bad)
			if code != 422 || len(errorsOf(out)) == 0 {
				t.Errorf("%v: %d %v", bad, code, out)
			}
			if qq, ok := bad["query"].(map[string]any); ok && qq["colour"] != nil && !strings.Contains(fmt.Sprint(out), "colour") {
				t.Errorf("the unknown filter is not named: %v", out)
			}
		}
		vid := v["id"].(string)
		v = alice.must(200, "PATCH", "/api/views/"+vid, map[string]any{"name": "Renamed", "query": map[string]any{"mime_type": "application/pdf"}})["view"].(map[string]any)
		if v["name"] != "Renamed" || v["sort"] != "-document_date" || v["query"].(map[string]any)["mime_type"] != "application/pdf" {
			t.Fatalf("patched %v", v)
		}
		if items := alice.must(200, "GET", "/api/views", nil)["items"].([]any); len(items) != 1 {
			t.Fatalf("alice's views %v", items)
		}
		if items := mallory.must(200, "GET", "/api/views", nil)["items"].([]any); len(items) != 0 {
			t.Fatalf("mallory sees %v", items)
		}
		for _, m := range []string{"PATCH", "DELETE"} {
			if code, _ := mallory.do(m, "/api/views/"+vid, map[string]any{"name": "pwned"}); code != 404 {
				t.Errorf("mallory %s: %d", m, code)
			}
		}
		if code, _ := mallory.do("POST", "/api/views", map[string]any{"name": "x", "query": map[string]any{}, "space_id": aliceID}); code != 404 {
			t.Errorf("a view in another's space: %d", code)
		}
		alice.must(204, "DELETE", "/api/views/"+vid, nil)
		if code, _ := alice.do("DELETE", "/api/views/"+vid, nil); code != 404 {
			t.Errorf("deleted twice: %d", code)
		}
	})
}
