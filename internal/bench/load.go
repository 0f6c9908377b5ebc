package bench

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Load inserts documents from..from+n-1 of c for ownerID directly through
// the store, batch documents per transaction (CreateDocument and
// SaveExtraction, so each is ready and indexed as after processing). The
// blobs are not written: searching never reads them. Generation runs
// beside the inserts.
func Load(ctx context.Context, st *store.Store, c *Corpus, ownerID string, from, n, batch int) error {
	if batch <= 0 {
		batch = 500
	}
	type gen struct {
		d    *model.Document
		text string
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	docs := make(chan gen, 2*batch)
	go func() {
		defer close(docs)
		for i := from; i < from+n; i++ {
			doc := c.Document(i)
			name := fmt.Sprintf("doc-%07d.txt", i)
			id := store.NewID()
			d := &model.Document{ID: id, OwnerID: ownerID, Title: doc.Title, OriginalFilename: name,
				MIMEType: "text/plain", SizeBytes: int64(len(doc.Body)), SHA256: SHA256([]byte(doc.Body)),
				BlobKey: ownerID + "/" + id + "/bench.txt"}
			select {
			case docs <- gen{d, doc.Body}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for done := 0; done < n; {
		k := min(batch, n-done)
		err := st.WithTx(ctx, func(tx *store.Store) error {
			for range k {
				g, ok := <-docs
				if !ok {
					return fmt.Errorf("bench: load: generator stopped: %w", ctx.Err())
				}
				if err := tx.CreateDocument(ctx, g.d); err != nil {
					return err
				}
				x := model.Extraction{Text: g.text, PageCount: 1, Language: "en"}
				if err := lifecycle.SaveExtraction(ctx, tx, g.d, x); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("bench: load documents %d-%d: %w", from+done, from+done+k-1, err)
		}
		done += k
	}
	return nil
}
