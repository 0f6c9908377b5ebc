package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/docuvault/docuvault/internal/cloud"
)

// openAPIFile describes every route of the API. TestOpenAPICoversRoutes
// keeps it in step with the registered routes.
//
//go:embed openapi.json
var openAPIFile []byte

// openAPICache holds the served document for one state of cloud.Kinds.
var openAPICache struct {
	sync.Mutex
	key string
	doc []byte
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc())
}

// openAPIDoc is openapi.json with the cloud providers of cloud.Kinds: the
// connect routes of a provider the file does not describe are copied from
// the first described provider connected the same way, and
// CloudAccount.kind lists the table's kinds. So a new provider needs no
// edit of openapi.json. Unchanged, the file is served as it is.
func openAPIDoc() []byte {
	var key strings.Builder
	for _, k := range cloud.Kinds {
		key.WriteString(k.Name + " " + k.Slug + " " + k.DisplayName + " " + k.Auth() + "\n")
	}
	c := &openAPICache
	c.Lock()
	defer c.Unlock()
	if c.doc == nil || c.key != key.String() {
		c.key, c.doc = key.String(), withCloudKinds(openAPIFile, cloud.Kinds)
	}
	return c.doc
}

// cloudRoutes are the path suffixes of a provider's connect routes after
// /api/cloud/{slug}, by auth style.
var cloudRoutes = map[string][]string{cloud.AuthForm: {""}, cloud.AuthOAuth: {"/authorize", "/callback"}}

func withCloudKinds(file []byte, kinds []cloud.Kind) []byte {
	var doc map[string]any
	if err := json.Unmarshal(file, &doc); err != nil {
		return file // TestOpenAPICoversRoutes fails on a broken file
	}
	paths, _ := doc["paths"].(map[string]any)
	changed := false
	for _, k := range kinds {
		for _, suffix := range cloudRoutes[k.Auth()] {
			path := "/api/cloud/" + k.Slug + suffix
			if _, ok := paths[path]; ok {
				continue
			}
			for _, t := range kinds {
				item, ok := paths["/api/cloud/"+t.Slug+suffix]
				if !ok || t.Auth() != k.Auth() {
					continue
				}
				b, _ := json.Marshal(item)
				b = bytes.ReplaceAll(b, []byte(t.DisplayName), []byte(k.DisplayName))
				if tf, kf := strings.Fields(t.Settings), strings.Fields(k.Settings); len(tf) > 0 && len(kf) > 0 {
					b = bytes.ReplaceAll(b, []byte(tf[0]), []byte(kf[0]))
				}
				var copied any
				if json.Unmarshal(b, &copied) == nil {
					paths[path], changed = copied, true
				}
				break
			}
		}
	}
	names := make([]any, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	if kind := cloudAccountKind(doc); kind != nil {
		old, _ := kind["enum"].([]any)
		if !sameSet(old, names) {
			kind["enum"], changed = names, true
		}
	}
	if !changed {
		return file
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return file
	}
	return out
}

// cloudAccountKind is components.schemas.CloudAccount.properties.kind.
func cloudAccountKind(doc map[string]any) map[string]any {
	v := any(doc)
	for _, key := range []string{"components", "schemas", "CloudAccount", "properties", "kind"} {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[key]
	}
	m, _ := v.(map[string]any)
	return m
}

func sameSet(a, b []any) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x any) bool { return !slices.Contains(b, x) })
}
