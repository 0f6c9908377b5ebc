package api_test

import (
	"testing"

	"github.com/docuvault/docuvault/internal/store"
)

// TestMetadataAudit: creating, renaming and deleting correspondents,
// document types, custom fields and saved views is in the audit log with
// the object's name, a rename with the old name too; a refused change
// (a duplicate name) leaves no entry.
func TestMetadataAudit(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		alice, aliceID := e.user("alice@x.test")
		type entry struct{ action, target, name, oldName string }
		var want []entry
		for _, k := range []struct{ path, key, prefix string }{
			{"/api/correspondents", "correspondent", "correspondent"}, {"/api/document-types", "document_type", "document_type"},
			{"/api/custom-fields", "custom_field", "field"}, {"/api/views", "view", "view"},
		} {
			body := map[string]any{"name": "Water"}
			switch k.key {
			case "custom_field":
				body["type"] = "monetary"
			case "view":
				body["query"] = map[string]any{"mime_type": "application/pdf"}
			}
			oid := id(alice.must(201, "POST", k.path, body), k.key)
			if k.key != "view" {
				alice.must(409, "POST", k.path, body)
			}
			alice.must(200, "PATCH", k.path+"/"+oid, map[string]any{"name": "Power"})
			alice.must(204, "DELETE", k.path+"/"+oid, nil)
			target := k.prefix
			rename := k.prefix + ".rename"
			if k.prefix == "field" || k.prefix == "view" {
				rename = k.prefix + ".update"
			}
			want = append(want, entry{k.prefix + ".create", target + " " + oid, "Water", ""},
				entry{rename, target + " " + oid, "Power", "Water"}, entry{k.prefix + ".delete", target + " " + oid, "Power", ""})
		}
		var got []entry
		for _, it := range alice.must(200, "GET", "/api/audit?limit=200", nil)["items"].([]any) {
			m := it.(map[string]any)
			action, _ := m["action"].(string)
			switch action {
			case "correspondent.create", "correspondent.rename", "correspondent.delete", "document_type.create", "document_type.rename",
				"document_type.delete", "field.create", "field.update", "field.delete", "view.create", "view.update", "view.delete":
			default:
				continue
			}
			d, _ := m["details"].(map[string]any)
			if d["space_id"] != aliceID {
				t.Errorf("%s: space %v", action, d["space_id"])
			}
			old, _ := d["old_name"].(string)
			got = append(got, entry{action, m["target_type"].(string) + " " + m["target_id"].(string), d["name"].(string), old})
		}
		if len(got) != len(want) {
			t.Fatalf("audit entries:\n got %v\nwant %v", got, want)
		}
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("missing audit entry %v; have %v", w, got)
			}
		}
	})
}
