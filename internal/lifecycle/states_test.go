package lifecycle

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestTables: every state has its row, every move leads to a known state,
// and the moves the issue describes are allowed while their reverses are not.
func TestTables(t *testing.T) {
	for from, tos := range statusMoves {
		if !slices.Contains(Statuses, from) {
			t.Errorf("status table row %q is not a status", from)
		}
		for _, to := range tos {
			if !slices.Contains(Statuses, to) {
				t.Errorf("status move %q -> %q leads nowhere", from, to)
			}
		}
	}
	for _, s := range Statuses {
		if _, ok := statusMoves[s]; !ok {
			t.Errorf("status %q has no row", s)
		}
	}
	for from, tos := range storageMoves {
		if !slices.Contains(StorageStates, from) {
			t.Errorf("storage table row %q is not a state", from)
		}
		for _, to := range tos {
			if !slices.Contains(StorageStates, to) {
				t.Errorf("storage move %q -> %q leads nowhere", from, to)
			}
		}
	}
	for _, s := range StorageStates {
		if _, ok := storageMoves[s]; !ok {
			t.Errorf("storage state %q has no row", s)
		}
	}
	for _, c := range []struct {
		check    func(string, string) error
		from, to string
		ok       bool
	}{
		{CheckStatus, model.StatusProcessing, model.StatusReady, true},
		{CheckStatus, model.StatusProcessing, model.StatusFailed, true},
		{CheckStatus, model.StatusReady, model.StatusProcessing, true},
		{CheckStatus, model.StatusFailed, model.StatusProcessing, true},
		{CheckStatus, model.StatusReady, model.StatusFailed, false},
		{CheckStatus, model.StatusFailed, model.StatusReady, false},
		{CheckStatus, model.StatusReady, model.StatusReady, false},
		{CheckStatus, "uploading", model.StatusReady, false},
		{CheckStorage, model.StorageStored, model.StoragePending, true},
		{CheckStorage, model.StoragePending, model.StoragePlaced, true},
		{CheckStorage, model.StoragePending, model.StorageFailed, true},
		{CheckStorage, model.StoragePlaced, model.StorageStored, true},
		{CheckStorage, model.StoragePlaced, model.StoragePending, false},
		{CheckStorage, model.StoragePlaced, model.StorageFailed, false},
		{CheckStorage, model.StoragePlaced, model.StoragePlaced, false},
		{CheckStorage, model.StorageStored, model.StorageStored, false},
	} {
		err := c.check(c.from, c.to)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrMove)) {
			t.Errorf("%s -> %s: %v, want allowed %v", c.from, c.to, err, c.ok)
		}
	}
}

// TestMovesChangeOnlyWhatTheTableAllows: a refused move writes nothing, an
// allowed one writes the new state.
func TestMovesChangeOnlyWhatTheTableAllows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: storetest.Name("u") + "@example.com", PasswordHash: "x"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		d := &model.Document{OwnerID: u.ID, Title: "t", OriginalFilename: "t.txt", MIMEType: "text/plain",
			SizeBytes: 1, SHA256: strings.Repeat("0", 64), BlobKey: u.ID + "/t", Status: model.StatusReady}
		if err := st.CreateDocument(ctx, d); err != nil {
			t.Fatal(err)
		}
		read := func() *model.Document {
			got, err := st.DocumentForJob(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if err := SetStatus(ctx, st, read(), model.StatusFailed, "no"); !errors.Is(err, ErrMove) {
			t.Fatalf("ready -> failed: %v", err)
		}
		if got := read(); got.Status != model.StatusReady || got.Error != "" {
			t.Fatalf("a refused move wrote %s %q", got.Status, got.Error)
		}
		if err := SetStatus(ctx, st, read(), model.StatusProcessing, ""); err != nil {
			t.Fatal(err)
		}
		if err := SetStatus(ctx, st, read(), model.StatusFailed, "broken"); err != nil {
			t.Fatal(err)
		}
		if got := read(); got.Status != model.StatusFailed || got.Error != "broken" {
			t.Fatalf("after processing -> failed: %s %q", got.Status, got.Error)
		}
		if _, err := MarkReturned(ctx, st, read()); !errors.Is(err, ErrMove) {
			t.Fatalf("stored -> stored (returned): %v", err)
		}
		if err := SetStorage(ctx, st, read(), model.StoragePlaced, ""); !errors.Is(err, ErrMove) {
			t.Fatalf("placed without a drive: %v", err)
		}
		if err := SetStorage(ctx, st, read(), model.StoragePending, ""); err != nil {
			t.Fatal(err)
		}
		if err := SetStorage(ctx, st, read(), model.StorageFailed, "drive away"); err != nil {
			t.Fatal(err)
		}
		if got := read(); got.StorageState != model.StorageFailed || got.StorageError != "drive away" || got.StorageBackend != model.BackendSystem {
			t.Fatalf("after pending -> failed: %+v", got)
		}
	})
}

// stateWriters are the store's statements that change a document's status
// or storage state.
var stateWriters = []string{"SaveExtraction", "SetDocumentStatus", "SetDocumentsProcessing", "SetDocumentPlacement",
	"MarkSystemDocumentsPending", "MarkDocumentPlaced", "MarkDocumentReturned"}

// TestOnlyLifecycleChangesStates: outside internal/store and this package,
// no production code calls the store's state-changing statements; they go
// through the checked functions of states.go.
func TestOnlyLifecycleChangesStates(t *testing.T) {
	root := filepath.Join("..")
	fset := token.NewFileSet()
	seen := 0
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if e.IsDir() {
			if rel == "store" || rel == "lifecycle" || e.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		seen++
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !slices.Contains(stateWriters, sel.Sel.Name) {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "lifecycle" {
				t.Errorf("%s: %s changes a document's state around the lifecycle's table (use lifecycle.%s)",
					fset.Position(sel.Pos()), sel.Sel.Name, "SetStatus, SaveExtraction, Reprocess, SetStorage, MarkSpacePending, MarkPlaced or MarkReturned")
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("only %d files read: is the walk in internal/?", seen)
	}
}

// TestStoreStatementsAreInTheTables: the states each store statement
// writes from the states it can find are moves of the tables.
func TestStoreStatementsAreInTheTables(t *testing.T) {
	for _, m := range []struct {
		what  string
		check func(string, string) error
		from  []string
		to    string
	}{
		// SetDocumentsProcessing: any document not in the trash.
		{"SetDocumentsProcessing", CheckStatus, Statuses, model.StatusProcessing},
		// MarkSystemDocumentsPending: in system storage and not pending yet.
		{"MarkSystemDocumentsPending", CheckStorage, []string{model.StorageStored, model.StorageFailed}, model.StoragePending},
		// MarkDocumentReturned: recorded on a drive, so placed.
		{"MarkDocumentReturned", CheckStorage, []string{model.StoragePlaced}, model.StorageStored},
	} {
		for _, from := range m.from {
			if err := m.check(from, m.to); err != nil {
				t.Errorf("%s: %v", m.what, err)
			}
		}
	}
}
