package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// engineBranchAllowed lists files outside the engine files that may still
// branch on the engine, each with its reason. Keep it short.
var engineBranchAllowed = map[string]string{
	"storetest/storetest.go": "test helper: Open opens the engine a test names",
}

// TestEngineBranchesOnlyInEngineFiles keeps the engine split isolated: in
// internal/store and internal/jobs, only files named *_sqlite.go or
// *_postgres.go (chosen once at open) compare or switch on the engine.
// Everything else is shared SQL or calls the engine's implementation.
func TestEngineBranchesOnlyInEngineFiles(t *testing.T) {
	dirs := []string{".", "storetest", filepath.Join("..", "jobs")}
	total := 0
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			path := filepath.Join(dir, name)
			branches := engineBranches(t, path)
			if len(branches) == 0 {
				continue
			}
			if strings.HasSuffix(name, "_sqlite.go") || strings.HasSuffix(name, "_postgres.go") {
				continue
			}
			total += len(branches)
			if reason, ok := engineBranchAllowed[filepath.ToSlash(path)]; ok {
				t.Logf("%s: %d engine branches allowed (%s)", path, len(branches), reason)
				continue
			}
			for _, b := range branches {
				t.Errorf("%s: branches on the engine; move it to a *_sqlite.go / *_postgres.go implementation chosen at open", b)
			}
		}
	}
	t.Logf("engine branches outside engine files: %d", total)
}

// engineBranches is the positions in the file of comparisons (== and !=)
// and switches on the engine: its constants SQLite and Postgres, a dialect
// field or a Dialect() call.
func engineBranches(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && (isEngineExpr(n.X) || isEngineExpr(n.Y)) {
				out = append(out, fset.Position(n.Pos()).String())
			}
		case *ast.SwitchStmt:
			hit := n.Tag != nil && isEngineExpr(n.Tag)
			for _, c := range n.Body.List {
				for _, e := range c.(*ast.CaseClause).List {
					hit = hit || isEngineExpr(e)
				}
			}
			if hit {
				out = append(out, fset.Position(n.Pos()).String())
			}
		}
		return true
	})
	return out
}

func isEngineExpr(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "SQLite" || e.Name == "Postgres"
	case *ast.SelectorExpr:
		return e.Sel.Name == "SQLite" || e.Sel.Name == "Postgres" || e.Sel.Name == "dialect"
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Dialect"
	case *ast.ParenExpr:
		return isEngineExpr(e.X)
	}
	return false
}
