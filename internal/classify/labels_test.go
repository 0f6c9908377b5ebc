package classify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// After a person gave a few documents the correspondent ACME and a few others another one, a new
// similar document gets ACME from the space's local model, marked as the classifier's; a document
// whose correspondent a person set keeps it, however often it is classified again.
func TestLocalModelProposesCorrespondentAndType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sl, err := seal.New([]byte(strings.Repeat("k", 32)))
		if err != nil {
			t.Fatal(err)
		}
		svc := classify.NewService(st, sl, classify.Defaults{}, nil, nil)
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		label := func(k model.LabelKind, name string) string {
			l := &model.Label{SpaceID: u.ID, Name: name}
			if err := st.CreateLabel(ctx, k, l); err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		acme, globex := label(model.Correspondents, "ACME"), label(model.Correspondents, "Globex")
		invoice, letter := label(model.DocumentTypes, "Invoice"), label(model.DocumentTypes, "Letter")
		acmeTexts := []string{"ACME Corporation invoice for anvils and rocket skates, customer number 4711, amount due",
			"ACME Corporation invoice: giant magnet and anvil delivery, customer number 4711",
			"invoice from ACME Corporation for rocket powered roller skates, customer 4711, pay within 14 days",
			"ACME Corporation, Desert Road 1: invoice for bird seed and an anvil, customer number 4711"}
		globexTexts := []string{"Dear customer, Globex Corporation informs you about our new office in Cypress Creek",
			"Globex Corporation letter: your contract with Cypress Creek offices was renewed, kind regards",
			"Globex Corporation writes to thank you for your visit to Cypress Creek, yours sincerely",
			"letter from Globex Corporation, Cypress Creek, about the changes to our opening hours"}
		for i := range acmeTexts {
			a := addDoc(t, st, u.ID, fmt.Sprint("acme", i), acmeTexts[i])
			g := addDoc(t, st, u.ID, fmt.Sprint("globex", i), globexTexts[i])
			for _, set := range []struct {
				k     model.LabelKind
				doc   string
				label string
			}{{model.Correspondents, a, acme}, {model.DocumentTypes, a, invoice}, {model.Correspondents, g, globex}, {model.DocumentTypes, g, letter}} {
				if err := st.SetDocumentsLabel(ctx, set.k, []string{set.doc}, set.label); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Setting correspondents and types is labelling: the space's model is due for training.
		if n, err := svc.TrainDue(ctx, time.Now().Add(classify.TrainDelay)); err != nil || n != 1 {
			t.Fatalf("trainings: %d %v", n, err)
		}
		if m, err := st.ClassifierModel(ctx, u.ID); err != nil || len(m.CorrespondentModel) == 0 || len(m.DocumentTypeModel) == 0 {
			t.Fatalf("stored label models: %v", err)
		}

		fresh := addDoc(t, st, u.ID, "new", "ACME Corporation invoice for a new anvil, customer number 4711")
		if err := svc.ClassifyDocument(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		d, _ := st.Document(ctx, u.ID, fresh)
		if d.CorrespondentID != acme || d.CorrespondentSource != model.LabelAuto || d.DocumentTypeID != invoice || d.DocumentTypeSource != model.LabelAuto {
			t.Fatalf("the new document: correspondent %q (%s), type %q (%s)", d.CorrespondentName, d.CorrespondentSource, d.DocumentTypeName, d.DocumentTypeSource)
		}
		cs, err := st.Classifications(ctx, u.ID, []string{fresh})
		if err != nil || cs[fresh] == nil {
			t.Fatal(err)
		}
		props := map[string]model.LabelProposal{}
		for _, p := range cs[fresh].Proposals {
			props[p.Kind] = p
		}
		if p := props[model.ProposalCorrespondent]; p.ID != acme || !p.Applied || p.Confidence <= 0 || p.Confidence > 1 {
			t.Fatalf("correspondent proposal: %+v", cs[fresh].Proposals)
		}
		if p := props[model.ProposalDocumentType]; p.ID != invoice || !p.Applied {
			t.Fatalf("type proposal: %+v", cs[fresh].Proposals)
		}

		// A person's choice is never changed: set before classification, and after it.
		mine := addDoc(t, st, u.ID, "mine", "ACME Corporation invoice for another anvil, customer number 4711")
		if err := st.SetDocumentsLabel(ctx, model.Correspondents, []string{mine}, globex); err != nil {
			t.Fatal(err)
		}
		if err := st.SetDocumentsLabel(ctx, model.Correspondents, []string{fresh}, globex); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			for _, id := range []string{mine, fresh} {
				if err := svc.ClassifyDocument(ctx, id); err != nil {
					t.Fatal(err)
				}
				d, _ := st.Document(ctx, u.ID, id)
				if d.CorrespondentID != globex || d.CorrespondentSource != model.LabelUser {
					t.Fatalf("a person's correspondent was changed: %q (%s)", d.CorrespondentName, d.CorrespondentSource)
				}
			}
		}
		cs, _ = st.Classifications(ctx, u.ID, []string{mine})
		for _, p := range cs[mine].Proposals {
			if p.Kind == model.ProposalCorrespondent && (p.ID != acme || p.Applied) {
				t.Fatalf("the proposal for a document with a person's correspondent: %+v", p)
			}
		}
		// A person's "none" is a choice too.
		if err := st.SetDocumentsLabel(ctx, model.DocumentTypes, []string{mine}, ""); err != nil {
			t.Fatal(err)
		}
		if err := svc.ClassifyDocument(ctx, mine); err != nil {
			t.Fatal(err)
		}
		if d, _ := st.Document(ctx, u.ID, mine); d.DocumentTypeID != "" {
			t.Fatalf("a type the person cleared was set: %q", d.DocumentTypeName)
		}

		// Something unlike any example gets no correspondent.
		other := addDoc(t, st, u.ID, "other", "the weather tomorrow: sunny with a light breeze from the west")
		if err := svc.ClassifyDocument(ctx, other); err != nil {
			t.Fatal(err)
		}
		if d, _ := st.Document(ctx, u.ID, other); d.CorrespondentID != "" {
			t.Fatalf("an unrelated document got correspondent %q", d.CorrespondentName)
		}
	})
}
