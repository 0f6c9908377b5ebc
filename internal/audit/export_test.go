package audit_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func readExport(t *testing.T, x *audit.Exporter, date string) ([]byte, []audit.Line) {
	t.Helper()
	rc, _, err := x.Open(context.Background(), date)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, _ := io.ReadAll(rc)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var lines []audit.Line
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		var l audit.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return raw, lines
}

func TestDailyExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "b"))
		x := audit.New(st, blobs, nil, 24*time.Hour)
		day1 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		for i, at := range []time.Time{day1.Add(time.Hour), day1.Add(23*time.Hour + 59*time.Minute), day1.Add(30 * time.Hour), day1.Add(72 * time.Hour)} {
			if err := st.AppendAudit(ctx, &model.AuditEntry{At: at, ActorID: "u1", Action: "auth.login", IP: "192.0.2.1",
				Details: map[string]any{"i": i, "b": "x"}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, n, err := x.ExportDay(ctx, day1); err != nil || n != 2 {
			t.Fatalf("export: %d %v", n, err)
		}
		raw1, lines := readExport(t, x, "2026-11-20")
		if len(lines) != 2 || lines[0].Action != "auth.login" || lines[0].IP != "192.0.2.1" || !lines[0].At.Equal(day1.Add(time.Hour)) {
			t.Fatalf("lines: %+v", lines)
		}
		if _, _, err := x.ExportDay(ctx, day1); err != nil {
			t.Fatal(err)
		}
		raw2, _ := readExport(t, x, "2026-11-20")
		if !bytes.Equal(raw1, raw2) {
			t.Fatal("exporting a day twice gave different files")
		}
		// Catch up: 21st, 22nd and 23rd have no export yet (the 24th is "today").
		n, err := x.CatchUp(ctx, day1.Add(4*24*time.Hour+time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("catch up: %d %v", n, err)
		}
		list, _ := x.List(ctx)
		if len(list) != 4 || list[0].Date != "2026-11-23" {
			t.Fatalf("list: %+v", list)
		}
		_, lines = readExport(t, x, "2026-11-21")
		if len(lines) != 1 {
			t.Fatalf("21st: %d lines", len(lines))
		}
		// Retention: rows of exported days older than a day go; the rest stay.
		removed, err := x.PurgeExported(ctx, day1.Add(3*24*time.Hour+time.Hour))
		if err != nil || removed != 3 {
			t.Fatalf("purge: %d %v", removed, err)
		}
		left, _, _ := st.ListAudit(ctx, store.AuditFilter{}, store.Page{})
		if len(left) != 1 {
			t.Fatalf("%d rows left", len(left))
		}
		if _, _, err := x.Open(ctx, "../../etc"); err == nil {
			t.Fatal("a hostile date must be refused")
		}
	})
}
