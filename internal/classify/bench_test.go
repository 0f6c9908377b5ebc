package classify_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/model"
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
			u := &model.User{Email: "bench@x.test", PasswordHash: "h"}
			if err := st.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			vocab := make([][]string, 10)
			var req classify.Request
			for k := range vocab {
				tp := &model.Topic{OwnerID: u.ID, Name: fmt.Sprint("topic", k)}
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
				doc := &model.Document{ID: store.NewID(), OwnerID: u.ID, Title: "d", OriginalFilename: "d.txt", MIMEType: "text/plain",
					SizeBytes: 1, SHA256: fmt.Sprintf("%064x", i), BlobKey: fmt.Sprint(u.ID, "/", i)}
				if err := st.CreateDocument(ctx, doc); err != nil {
					b.Fatal(err)
				}
				if err := st.SaveExtraction(ctx, doc.ID, model.Extraction{Text: text(k), PageCount: 1}); err != nil {
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

// BenchmarkClassifyDocumentLabels is the service's whole path for one document (ClassifyDocument:
// read it, the space's model from the cache, score, write topics, proposals and the classification)
// in a space of 1,000 labelled documents and 10 topics, without and with the correspondent and
// type models (10 correspondents, 10 types, set by a person on every document), on each engine. It
// reports the training's duration too.
func BenchmarkClassifyDocumentLabels(b *testing.B) {
	for _, d := range storetest.Dialects() {
		for _, labels := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/labels=%v", d, labels), func(b *testing.B) {
				ctx := context.Background()
				st := storetest.Open(b, d)
				sl, err := seal.New([]byte(strings.Repeat("k", 32)))
				if err != nil {
					b.Fatal(err)
				}
				svc := classify.NewService(st, sl, classify.Defaults{}, nil, nil)
				u := &model.User{Email: "bench@x.test", PasswordHash: "h"}
				if err := st.CreateUser(ctx, u); err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(1, 2))
				vocab := make([][]string, 10)
				topics, corrs, types := make([]string, 10), make([]string, 10), make([]string, 10)
				for k := range vocab {
					tp := &model.Topic{OwnerID: u.ID, Name: fmt.Sprint("topic", k)}
					if err := st.CreateTopic(ctx, tp); err != nil {
						b.Fatal(err)
					}
					topics[k] = tp.ID
					c, ty := &model.Label{SpaceID: u.ID, Name: fmt.Sprint("corr", k)}, &model.Label{SpaceID: u.ID, Name: fmt.Sprint("type", k)}
					if err := st.CreateLabel(ctx, model.Correspondents, c); err != nil {
						b.Fatal(err)
					}
					if err := st.CreateLabel(ctx, model.DocumentTypes, ty); err != nil {
						b.Fatal(err)
					}
					corrs[k], types[k] = c.ID, ty.ID
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
				newDoc := func(i, k int) string {
					doc := &model.Document{ID: store.NewID(), OwnerID: u.ID, Title: "d", OriginalFilename: "d.txt", MIMEType: "text/plain",
						SizeBytes: 1, SHA256: fmt.Sprintf("%064x", i), BlobKey: fmt.Sprint(u.ID, "/", i)}
					if err := st.CreateDocument(ctx, doc); err != nil {
						b.Fatal(err)
					}
					if err := st.SaveExtraction(ctx, doc.ID, model.Extraction{Text: text(k), PageCount: 1}); err != nil {
						b.Fatal(err)
					}
					return doc.ID
				}
				for i := range 1000 {
					k := i % 10
					id := newDoc(i, k)
					if err := st.SetUserTopics(ctx, u.ID, id, []string{topics[k]}); err != nil {
						b.Fatal(err)
					}
					if labels {
						if err := st.SetDocumentsLabel(ctx, model.Correspondents, []string{id}, corrs[k]); err != nil {
							b.Fatal(err)
						}
						if err := st.SetDocumentsLabel(ctx, model.DocumentTypes, []string{id}, types[k]); err != nil {
							b.Fatal(err)
						}
					}
				}
				start := time.Now()
				if _, err := svc.Train(ctx, u.ID); err != nil {
					b.Fatal(err)
				}
				trained := time.Since(start)
				fresh := newDoc(1000, 3)
				b.ResetTimer()
				for b.Loop() {
					if err := svc.ClassifyDocument(ctx, fresh); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(trained.Milliseconds()), "train-ms")
				got, _ := st.Document(ctx, u.ID, fresh)
				if len(got.Topics) == 0 || (labels && got.CorrespondentID != corrs[3]) {
					b.Fatalf("classified: topics %v, correspondent %q", got.Topics, got.CorrespondentName)
				}
			})
		}
	}
}
