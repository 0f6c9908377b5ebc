package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// MetaCorpus is the metadata of a synthetic archive for the filter
// benchmark: its correspondents, document types, topics and the monetary
// field, in the spaces they were created in.
type MetaCorpus struct {
	Space          string   // the user's personal space: every label lives here
	Shared         string   // a shared space the user is a member of (documents without labels)
	Correspondents []string // ids; [0] is "ACME"
	Types          []string // ids; [0] is "Invoice"
	Topics         []string // ids
	AmountField    string   // monetary field "Amount"
	Docs           int      // documents loaded
}

// Metadata distribution of LoadMeta, fixed by its seed.
const (
	MetaCorrespondents = 50
	MetaTypes          = 10
	MetaTopics         = 20
	metaYears          = 5 // document dates in 2021-2025
	metaSharedEvery    = 10
)

var (
	metaTypeNames = []string{"Invoice", "Receipt", "Contract", "Letter", "Statement", "Payslip", "Insurance", "Tax", "Manual", "Certificate"}
	metaMIME      = []struct {
		typ string
		pct int
	}{{"application/pdf", 70}, {"image/jpeg", 15}, {"image/png", 8}, {"text/plain", 5},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", 2}}
	metaStart = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
)

// weighted picks index i of n with weight 1/(i+shift): a few large
// correspondents and a long tail, as in a real archive.
func weighted(r *rand.Rand, n int, shift float64) int {
	total := 0.0
	for i := range n {
		total += 1 / (float64(i) + shift)
	}
	x := r.Float64() * total
	for i := range n {
		x -= 1 / (float64(i) + shift)
		if x <= 0 {
			return i
		}
	}
	return n - 1
}

// LoadMeta creates the labels (50 correspondents, 10 document types, 20
// topics, a monetary field) in the user's personal space, a shared space
// of another user with the user as editor, and n documents straight into
// the tables with multi-row INSERTs (no uploads, no full-text entries: the
// list filters never read them). Every 10th document is in the shared
// space without labels; the others have, with the seed's dice:
// a correspondent (90%, 1/(i+2) weights: ACME about 14%), a type (92%,
// Invoice about 28%), a document date (95%, uniform over 2021-2025, the
// creation 0-30 days later), 0-3 topics (25% none), a MIME type (70% PDF)
// and a log-normal size (median 200 KB), 1% are in the trash; the Amount field is set on 90%
// of the invoices and 12% of the others (about 30% in all; median 90,
// 90% EUR, 10% USD).
func LoadMeta(ctx context.Context, st *store.Store, userID string, n int, seed uint64) (*MetaCorpus, error) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := &MetaCorpus{Space: userID, Docs: n}
	other := &model.User{Email: fmt.Sprintf("bench-other-%d@x.test", seed), PasswordHash: "x"}
	if err := st.CreateUser(ctx, other); err != nil {
		return nil, err
	}
	sp := &model.Space{Name: "Family", OwnerID: other.ID}
	if err := st.CreateSpace(ctx, sp); err != nil {
		return nil, err
	}
	if _, err := st.AddSpaceMember(ctx, sp.ID, userID, model.RoleEditor); err != nil {
		return nil, err
	}
	m.Shared = sp.ID
	for i := range MetaCorrespondents {
		name := fmt.Sprintf("Correspondent %02d", i)
		if i == 0 {
			name = "ACME"
		}
		l := &model.Label{SpaceID: userID, Name: name}
		if err := st.CreateLabel(ctx, model.Correspondents, l); err != nil {
			return nil, err
		}
		m.Correspondents = append(m.Correspondents, l.ID)
	}
	for _, name := range metaTypeNames[:MetaTypes] {
		l := &model.Label{SpaceID: userID, Name: name}
		if err := st.CreateLabel(ctx, model.DocumentTypes, l); err != nil {
			return nil, err
		}
		m.Types = append(m.Types, l.ID)
	}
	for i := range MetaTopics {
		t := &model.Topic{OwnerID: userID, SpaceID: userID, Name: fmt.Sprintf("Topic %02d", i)}
		if err := st.CreateTopic(ctx, t); err != nil {
			return nil, err
		}
		m.Topics = append(m.Topics, t.ID)
	}
	f := &model.CustomField{SpaceID: userID, Name: "Amount", Type: "monetary"}
	if err := st.CreateField(ctx, f); err != nil {
		return nil, err
	}
	m.AmountField = f.ID

	const batch = 400
	sqlite := st.Dialect() == store.SQLite
	days := int(metaStart.AddDate(metaYears, 0, 0).Sub(metaStart).Hours() / 24)
	for from := 0; from < n; from += batch {
		k := min(batch, n-from)
		var docs, vals, topics strings.Builder
		var dargs, vargs, targs []any
		ph := func(args *[]any, v any) string { *args = append(*args, v); return fmt.Sprintf("$%d", len(*args)) }
		for j := range k {
			i := from + j
			id := store.NewID()
			space, owner := userID, userID
			var corr, typ, date any
			dateSource := ""
			created := metaStart.Add(time.Duration(r.IntN(days*24*3600)) * time.Second)
			if r.IntN(100) < 95 {
				dd := created
				date, dateSource = dd.Format(time.DateOnly), store.DateFound
				created = dd.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
			}
			invoice := false
			if i%metaSharedEvery == metaSharedEvery-1 {
				space, owner = m.Shared, other.ID
			} else {
				if r.IntN(100) < 90 {
					corr = m.Correspondents[weighted(r, MetaCorrespondents, 2)]
				}
				if r.IntN(100) < 92 {
					t := weighted(r, MetaTypes, 1.5)
					typ, invoice = m.Types[t], t == 0
				}
			}
			var deleted any
			if r.IntN(100) == 0 {
				deleted = created.Add(24 * time.Hour)
			}
			mime := pickMIME(r.IntN(100))
			size := int64(math.Exp(r.NormFloat64()*1.0 + math.Log(200_000)))
			if docs.Len() > 0 {
				docs.WriteString(", ")
			}
			cols := []any{id, owner, fmt.Sprintf("Document %07d", i), fmt.Sprintf("doc-%07d.pdf", i), mime, size,
				SHA256([]byte(id)), owner + "/" + id + "/bench", model.StatusReady, "system", "stored", created, created,
				false, model.SourceUpload, "", space, userID, date, dateSource, corr, typ, deleted}
			if sqlite {
				cols = append(cols, i+1)
			}
			phs := make([]string, len(cols))
			for c, v := range cols {
				phs[c] = ph(&dargs, v)
			}
			docs.WriteString("(" + strings.Join(phs, ", ") + ")")
			if space == userID {
				for range []int{0, 0, 0}[:topicCount(r)] {
					t := m.Topics[r.IntN(MetaTopics)]
					if topics.Len() > 0 {
						topics.WriteString(", ")
					}
					topics.WriteString("(" + ph(&targs, id) + ", " + ph(&targs, t) + ", 'user', " + ph(&targs, created) + ")")
				}
				if (invoice && r.IntN(100) < 90) || (!invoice && r.IntN(100) < 12) {
					amount := math.Round(math.Exp(r.NormFloat64()*1.2+math.Log(90))*100) / 100
					cur := "EUR"
					if r.IntN(10) == 0 {
						cur = "USD"
					}
					if vals.Len() > 0 {
						vals.WriteString(", ")
					}
					vals.WriteString("(" + ph(&vargs, id) + ", " + ph(&vargs, m.AmountField) + ", " +
						ph(&vargs, fmt.Sprintf("%s%.2f", cur, amount)) + ", " + ph(&vargs, amount) + ")")
				}
			}
		}
		cols := `id, owner_id, title, original_filename, mime_type, size_bytes, sha256, blob_key, status,
			storage_backend, storage_state, created_at, updated_at, title_auto, source_kind, source_detail, space_id, created_by,
			document_date, document_date_source, correspondent_id, document_type_id, deleted_at`
		if sqlite {
			cols += ", seq"
		}
		err := st.WithTx(ctx, func(tx *store.Store) error {
			db := tx.Tx()
			if _, err := db.ExecContext(ctx, `INSERT INTO documents (`+cols+`) VALUES `+docs.String(), dargs...); err != nil {
				return fmt.Errorf("documents: %w", err)
			}
			if topics.Len() > 0 {
				if _, err := db.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, created_at) VALUES `+topics.String()+
					` ON CONFLICT DO NOTHING`, targs...); err != nil {
					return fmt.Errorf("topics: %w", err)
				}
			}
			if vals.Len() > 0 {
				if _, err := db.ExecContext(ctx, `INSERT INTO document_field_values (document_id, field_id, value, num) VALUES `+vals.String(), vargs...); err != nil {
					return fmt.Errorf("field values: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("bench: load documents %d-%d: %w", from, from+k-1, err)
		}
	}
	return m, nil
}

// pickMIME is the MIME type at percentile x of metaMIME.
func pickMIME(x int) string {
	for _, mm := range metaMIME {
		if x < mm.pct {
			return mm.typ
		}
		x -= mm.pct
	}
	return metaMIME[0].typ
}

// topicCount is 0 (25%), 1 (45%), 2 (20%) or 3 (10%).
func topicCount(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 25:
		return 0
	case x < 70:
		return 1
	case x < 90:
		return 2
	}
	return 3
}
