package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Notes through the API on both engines: written, listed newest first with
// their author, counted on the document, validated, found by search while
// they exist, deleted, and audited without their text.
func TestDocumentNotes(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ann, annID := e.user("ann@x.test")
		status, out := e.upload(ann, "lease.txt", "the lease of the flat")
		if status != 201 {
			t.Fatal(status, out)
		}
		doc := out["document"].(map[string]any)
		id := doc["id"].(string)
		if doc["notes_count"] != float64(0) {
			t.Fatalf("new document notes_count %v", doc["notes_count"])
		}
		if err := st.SaveExtraction(context.Background(), id, model.Extraction{Text: "the lease of the flat", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		base := "/api/documents/" + id + "/notes"

		first := ann.must(201, "POST", base, map[string]any{"body": "  Call the landlord about the xylophonist downstairs.\n"})["note"].(map[string]any)
		if first["body"] != "Call the landlord about the xylophonist downstairs." || first["document_id"] != id || first["created_at"] == "" {
			t.Fatalf("note %v", first)
		}
		author, _ := first["author"].(map[string]any)
		if author["id"] != annID || author["display_name"] == nil || author["email"] != nil {
			t.Fatalf("author %v", first["author"])
		}
		second := ann.must(201, "POST", base, map[string]any{"body": "Paid the deposit."})["note"].(map[string]any)

		list := ann.must(200, "GET", base, nil)
		items := list["items"].([]any)
		if len(items) != 2 || items[0].(map[string]any)["id"] != second["id"] || items[1].(map[string]any)["id"] != first["id"] ||
			list["next_cursor"] != nil {
			t.Fatalf("list %v", list)
		}
		page := ann.must(200, "GET", base+"?limit=1", nil)
		if len(page["items"].([]any)) != 1 || page["next_cursor"] == nil {
			t.Fatalf("page %v", page)
		}
		rest := ann.must(200, "GET", base+"?limit=1&cursor="+page["next_cursor"].(string), nil)
		if len(rest["items"].([]any)) != 1 || rest["items"].([]any)[0].(map[string]any)["id"] != first["id"] {
			t.Fatalf("second page %v", rest)
		}
		if got := ann.must(200, "GET", "/api/documents/"+id, nil)["document"].(map[string]any); got["notes_count"] != float64(2) {
			t.Fatalf("notes_count %v", got["notes_count"])
		}

		// Validation: empty, blank, missing, too long, control characters,
		// unknown fields.
		for _, tc := range []struct {
			body   any
			status int
			field  string
		}{
			{map[string]any{"body": ""}, 422, "body"},
			{map[string]any{"body": " \n\t "}, 422, "body"},
			{map[string]any{}, 422, "body"},
			{map[string]any{"body": strings.Repeat("é", 10001)}, 422, "body"},
			{map[string]any{"body": "nul\x00byte"}, 422, "body"},
			{map[string]any{"body": "x", "author_id": annID}, 400, ""},
			{`{"body": 7}`, 400, ""},
		} {
			got, out := ann.do("POST", base, tc.body)
			if got != tc.status {
				t.Errorf("POST %v: %d %v, want %d", tc.body, got, out, tc.status)
				continue
			}
			if tc.field != "" {
				if errs, _ := out["errors"].(map[string]any); errs[tc.field] == nil {
					t.Errorf("POST %v: no errors.%s in %v", tc.body, tc.field, out)
				}
			}
		}
		ann.must(201, "POST", base, map[string]any{"body": strings.Repeat("é", 10000)})

		// Search finds the document by a note's word until the note goes.
		found := func() bool {
			res := ann.must(200, "GET", "/api/documents?q=xylophonist", nil)
			for _, it := range res["items"].([]any) {
				if it.(map[string]any)["id"] == id {
					if sn, _ := it.(map[string]any)["snippet"].(string); !strings.Contains(sn, "<mark>xylophonist</mark>") {
						t.Errorf("snippet %q", sn)
					}
					return true
				}
			}
			return false
		}
		if !found() {
			t.Fatal("search does not find the note's word")
		}
		ann.must(204, "DELETE", base+"/"+first["id"].(string), nil)
		if found() {
			t.Fatal("search finds a deleted note's word")
		}
		if got, out := ann.do("DELETE", base+"/"+first["id"].(string), nil); got != 404 {
			t.Fatalf("second delete: %d %v", got, out)
		}
		if got, _ := ann.do("POST", "/api/documents/"+store.NewID()+"/notes", map[string]any{"body": "x"}); got != 404 {
			t.Fatalf("note on a missing document: %d", got)
		}

		// A note by someone else (as a member of a shared space will
		// write): listed with their name, and the document's owner may
		// delete it.
		_, benID := e.user("ben@x.test")
		if _, err := st.UpdateUser(context.Background(), benID, store.UserUpdate{DisplayName: ptr("Ben")}); err != nil {
			t.Fatal(err)
		}
		bens := &model.Note{DocumentID: id, AuthorID: benID, Body: "Ben was here"}
		if err := st.CreateNote(context.Background(), bens); err != nil {
			t.Fatal(err)
		}
		top := ann.must(200, "GET", base+"?limit=1", nil)["items"].([]any)[0].(map[string]any)
		if a := top["author"].(map[string]any); top["id"] != bens.ID || a["id"] != benID || a["display_name"] != "Ben" {
			t.Fatalf("another author's note: %v", top)
		}
		ann.must(204, "DELETE", base+"/"+bens.ID, nil)

		// A trashed document's notes are gone with it (404) until restored.
		ann.must(204, "DELETE", "/api/documents/"+id, nil)
		if got, _ := ann.do("GET", base, nil); got != 404 {
			t.Fatalf("notes of a trashed document: %d", got)
		}
		ann.must(200, "POST", "/api/trash/"+id+"/restore", nil)
		if n := len(ann.must(200, "GET", base, nil)["items"].([]any)); n != 2 {
			t.Fatalf("after restore: %d notes", n)
		}

		// Audit: note.create and note.delete, never the text.
		audit := ann.must(200, "GET", "/api/audit?limit=200", nil)
		raw, _ := json.Marshal(audit)
		if strings.Contains(string(raw), "xylophonist") || strings.Contains(string(raw), "deposit") {
			t.Fatalf("the audit log holds a note's text: %s", raw)
		}
		var creates, deletes int
		for _, it := range audit["items"].([]any) {
			m := it.(map[string]any)
			switch m["action"] {
			case "note.create":
				creates++
			case "note.delete":
				deletes++
				if m["target_type"] != "note" || m["details"].(map[string]any)["document_id"] != id {
					t.Errorf("note.delete entry %v", m)
				}
			}
		}
		if creates != 3 || deletes != 2 {
			t.Fatalf("audit: %d note.create, %d note.delete", creates, deletes)
		}
	})
}

func ptr[T any](v T) *T { return &v }
