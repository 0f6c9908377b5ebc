package store

import (
	"context"
	"fmt"
	"strings"
)

// listArgs: SQLite plans each statement with its values.
func (sqliteEngine) listArgs(args []any) []any { return args }

// correspondentArm walks the space's correspondents by name and each one's
// documents by id, the join's two index walks in the sort's order.
func (sqliteEngine) correspondentArm(alias string, w, corr []string, page string) string {
	return fmt.Sprintf("SELECT %s.id, %s.k FROM (SELECT d.id AS id, '0' || sc.name_key AS k FROM correspondents sc, documents d WHERE %s ORDER BY sc.name_key, d.id LIMIT %s) %s",
		alias, alias, strings.Join(append(w, corr...), " AND "), page, alias)
}

// explain is EXPLAIN QUERY PLAN, its tree indented.
func (sqliteEngine) explain(ctx context.Context, s *Store, q string, args []any, _ bool) (string, error) {
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", fmt.Errorf("explain: %w", normalize(err))
	}
	defer rows.Close()
	var lines []string
	depth := map[int]int{}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", fmt.Errorf("explain: %w", normalize(err))
		}
		depth[id] = depth[parent] + 1
		lines = append(lines, strings.Repeat("  ", depth[id]-1)+detail)
	}
	return strings.Join(lines, "\n"), rows.Err()
}
