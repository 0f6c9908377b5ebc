package classify_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// BenchmarkClassifyWithCachedModel is what classifying one document costs once the user's model is in
// memory: building the user's provider (settings, and the stored model's version to check the cache)
// and scoring the text, on each engine. The model has 10 topics learned from 1,000 documents.
func BenchmarkClassifyWithCachedModel(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, d)
			sl, err := seal.New([]byte(strings.Repeat("k", 32)))
			if err != nil {
				b.Fatal(err)
			}
			svc := classify.NewService(st, sl, classify.Defaults{}, nil, nil)
			u := &store.User{Email: "bench@x.test", PasswordHash: "h"}
			if err := st.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			vocab := make([][]string, 10)
			var req classify.Request
			for k := range vocab {
				tp := &store.Topic{OwnerID: u.ID, Name: fmt.Sprint("topic", k)}
				if err := st.CreateTopic(ctx, tp); err != nil {
					b.Fatal(err)
				}
				req.Topics = append(req.Topics, classify.Topic{ID: tp.ID, Name: tp.Name})
				for w := range 40 {
					vocab[k] = append(vocab[k], fmt.Sprintf("w%dx%d", k, w))
				}
			}
			text := func(k int) string {
				var ws []string
				for range 60 {
					ws = append(ws, vocab[k][rng.IntN(40)], vocab[rng.IntN(10)][rng.IntN(40)])
				}
				return strings.Join(ws, " ")
			}
			for i := range 1000 {
				k := i % 10
				doc := &store.Document{ID: store.NewID(), OwnerID: u.ID, Title: "d", OriginalFilename: "d.txt", MIMEType: "text/plain",
					SizeBytes: 1, SHA256: fmt.Sprintf("%064x", i), BlobKey: fmt.Sprint(u.ID, "/", i)}
				if err := st.CreateDocument(ctx, doc); err != nil {
					b.Fatal(err)
				}
				if err := st.SaveExtraction(ctx, doc.ID, store.Extraction{Text: text(k), PageCount: 1}); err != nil {
					b.Fatal(err)
				}
				if err := st.SetUserTopics(ctx, u.ID, doc.ID, []string{req.Topics[k].ID}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := svc.Train(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
			req.Text = text(3)
			b.ResetTimer()
			for b.Loop() {
				p, err := svc.ProviderFor(ctx, u.ID, "")
				if err != nil {
					b.Fatal(err)
				}
				if res, err := p.Classify(ctx, req); err != nil || len(res.Candidates) == 0 {
					b.Fatal(res, err)
				}
			}
		})
	}
}
