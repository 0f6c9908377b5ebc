package searchquery

import (
	"database/sql"
	"os"
	"reflect"
	"sort"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// corpus is indexed in Normalize form by both engines, as the store does.
var corpus = map[int]string{
	1: "Invoice INV-2024-0042 from ACME Corp, total 1.250,00 EUR",
	2: "Invoice INV-2023-0007 from Globex",
	3: "Café receipt: two croissants",
	4: "Bank statement IBAN DE89370400440532013000",
	5: "Meeting notes: the quick brown fox jumps over the lazy dog",
	6: "Rental contract for the flat, signed 2024",
	7: "Notes about the cafeteria menu",
	8: "Tax return 2023 with invoices attached",
	9: "Straße und Ärger — ÅNGSTRÖM İstanbul",
}

// engineCases are run on both engines; want is the set of matching documents.
var engineCases = []struct {
	q    string
	want []int
}{
	{"invoice", []int{1, 2}}, // no stemming: "invoices" does not match
	{"invoice*", []int{1, 2, 8}},
	{"INVOICE acme", []int{1}},
	{`"quick brown"`, []int{5}},
	{`"brown quick"`, nil},
	{`"quick bro"*`, []int{5}},
	{"invoice -globex", []int{1}},
	{`notes -"lazy dog"`, []int{7}},
	{"notes -lazy -cafeteria", nil},
	{"acme OR globex", []int{1, 2}},
	{"contract OR tax 2023", []int{8}},
	{"INV-2024", []int{1}},
	{"INV-2024-0042", []int{1}},
	{"inv-20", []int{1, 2}},
	{"inv-2024-0043", nil},
	{"DE8937", []int{4}},
	{"2024", []int{1, 6}},
	{"cafe", []int{3}},
	{"CAFÉ", []int{3}},
	{"café*", []int{3, 7}},
	{"strasse", nil},
	{"straße arger angstrom istanbul", []int{9}},
	{"the", []int{5, 6, 7}},
	// Operators of either engine are only text.
	{"title:invoice", nil},
	{"body:invoice", nil},
	{"NEAR(invoice acme)", nil},
	{"^invoice", []int{1, 2}},
	{`invoice AND acme`, nil},
	{`invoice NOT globex`, nil},
	{`inv:* | acme`, []int{1}},
	{`invoice & !globex`, []int{2}},
	{`'; DROP TABLE docs; --`, nil},
	{`"invoice`, []int{1, 2}},
}

func TestEngines(t *testing.T) {
	engines := map[string]func(string) ([]int, error){"sqlite": sqliteEngine(t)}
	if pg := postgresEngine(t); pg != nil {
		engines["postgres"] = pg
	}
	for _, tt := range engineCases {
		q, err := Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		for name, run := range engines {
			got, err := run(tt.q)
			if err != nil {
				t.Errorf("%s: %q (FTS5 %s, tsquery %s): %v", name, tt.q, q.FTS5(), q.TSQuery(), err)
				continue
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: %q (FTS5 %s, tsquery %s) matched %v, want %v", name, tt.q, q.FTS5(), q.TSQuery(), got, tt.want)
			}
		}
	}
}

// sqliteEngine indexes the corpus in an in-memory FTS5 table and returns a
// function that runs a parsed query on it.
func sqliteEngine(tb testing.TB) func(string) ([]int, error) {
	tb.Helper()
	db := openFTS5(tb)
	for id, text := range corpus {
		if _, err := db.Exec(`INSERT INTO docs (rowid, body) VALUES (?, ?)`, id, Normalize(text)); err != nil {
			tb.Fatal(err)
		}
	}
	return func(s string) ([]int, error) {
		q, err := Parse(s)
		if err != nil {
			return nil, err
		}
		return ids(db.Query(`SELECT rowid FROM docs WHERE docs MATCH ?`, q.FTS5()))
	}
}

func openFTS5(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE VIRTUAL TABLE docs USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		tb.Fatal(err)
	}
	return db
}

// postgresEngine does the same in a temporary table of the test PostgreSQL;
// nil when the server is unreachable outside CI.
func postgresEngine(tb testing.TB) func(string) ([]int, error) {
	tb.Helper()
	db := openPostgres(tb)
	if db == nil {
		return nil
	}
	if _, err := db.Exec(`CREATE TEMP TABLE docs (id int PRIMARY KEY, tsv tsvector NOT NULL)`); err != nil {
		tb.Fatal(err)
	}
	for id, text := range corpus {
		if _, err := db.Exec(`INSERT INTO docs VALUES ($1, to_tsvector('simple', $2))`, id, Normalize(text)); err != nil {
			tb.Fatal(err)
		}
	}
	return func(s string) ([]int, error) {
		q, err := Parse(s)
		if err != nil {
			return nil, err
		}
		return ids(db.Query(`SELECT id FROM docs WHERE tsv @@ to_tsquery('simple', $1)`, q.TSQuery()))
	}
}

// openPostgres connects to the test PostgreSQL (DOCUVAULT_TEST_POSTGRES_URL
// or the local default); nil when it is unreachable, a failure in CI.
func openPostgres(tb testing.TB) *sql.DB {
	tb.Helper()
	url := os.Getenv("DOCUVAULT_TEST_POSTGRES_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	required := os.Getenv("CI") == "true" || os.Getenv("DOCUVAULT_REQUIRE_POSTGRES") == "1"
	db, err := sql.Open("pgx", url)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if required {
			tb.Fatalf("PostgreSQL at %s is required in CI: %v", url, err)
		}
		tb.Logf("PostgreSQL at %s unreachable, checking SQLite only: %v", url, err)
		return nil
	}
	db.SetMaxOpenConns(1) // a temporary table lives in one session
	tb.Cleanup(func() { db.Close() })
	return db
}

func ids(rows *sql.Rows, err error) ([]int, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	sort.Ints(out)
	return out, rows.Err()
}
