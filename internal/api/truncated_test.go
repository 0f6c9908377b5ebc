package api_test

import (
	"context"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// TestDocumentTextTruncated: the document JSON says text_truncated, false
// for a new document and true once its extraction was cut by a limit.
func TestDocumentTextTruncated(t *testing.T) {
	eachAccessEnv(t, func(t *testing.T, e *accessEnv, st *store.Store) {
		ann, _ := e.user("ann@x.test")
		status, out := e.upload(ann, "huge.txt", "the start of a huge log")
		if status != 201 {
			t.Fatal(status, out)
		}
		doc := out["document"].(map[string]any)
		id := doc["id"].(string)
		if v, ok := doc["text_truncated"]; !ok || v != false {
			t.Fatalf("new document text_truncated %v (present %v)", v, ok)
		}
		if err := st.SaveExtraction(context.Background(), id, model.Extraction{Text: "the start of a huge log", PageCount: 1,
			Notes: "only the first 268435456 bytes of the file were read", TextTruncated: true}); err != nil {
			t.Fatal(err)
		}
		got := ann.must(200, "GET", "/api/documents/"+id, nil)["document"].(map[string]any)
		if got["status"] != "ready" || got["text_truncated"] != true {
			t.Fatalf("truncated document: %v", got)
		}
	})
}
