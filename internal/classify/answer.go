package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The structured output both outside providers are asked for.
type classifyAnswer struct {
	Assignments *[]struct {
		TopicID    *string  `json:"topic_id"`
		TopicName  *string  `json:"topic_name"`
		Confidence *float64 `json:"confidence"`
	} `json:"assignments"`
	Suggestions *[]struct {
		Name   *string `json:"name"`
		Reason *string `json:"reason"`
	} `json:"suggestions"`
}

type suggestAnswer struct {
	Suggestions *[]struct {
		Name        *string   `json:"name"`
		Reason      *string   `json:"reason"`
		DocumentIDs *[]string `json:"document_ids"`
	} `json:"suggestions"`
}

func obj(props map[string]any, required ...string) map[string]any {
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

var str = map[string]any{"type": "string"}

// Strict JSON schemas (every property required, nothing else allowed), usable by both providers.
var (
	classifySchema = obj(map[string]any{
		"assignments": map[string]any{"type": "array", "items": obj(map[string]any{
			"topic_id":   map[string]any{"type": "string", "description": "the exact id of a topic from <topics>"},
			"topic_name": map[string]any{"type": "string", "description": "that topic's name"},
			"confidence": map[string]any{"type": "number", "description": "0 to 1"},
		}, "topic_id", "topic_name", "confidence")},
		"suggestions": map[string]any{"type": "array", "items": obj(map[string]any{
			"name": str, "reason": str,
		}, "name", "reason")},
	}, "assignments", "suggestions")
	suggestSchema = obj(map[string]any{
		"suggestions": map[string]any{"type": "array", "items": obj(map[string]any{
			"name": str, "reason": str,
			"document_ids": map[string]any{"type": "array", "items": str},
		}, "name", "reason", "document_ids")},
	}, "suggestions")
)

const (
	maxAnswerBytes     = 256 << 10
	maxSuggestions     = 5
	maxNameRunes       = 60
	maxReasonRunes     = 300
	unknownTopicReason = "the model proposed it as a topic that does not exist yet"
)

func decodeStrict(raw []byte, v any) error {
	if len(raw) > maxAnswerBytes {
		return fmt.Errorf("answer of %d bytes exceeds %d", len(raw), maxAnswerBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func clamp01(f float64) float64 {
	switch {
	case math.IsNaN(f) || f < 0:
		return 0
	case f > 1:
		return 1
	}
	return f
}

func cleanName(s string) string { return capText(strings.Join(strings.Fields(s), " "), maxNameRunes) }

// parseClassify turns a model's answer into a Result that only names the request's topics. Unknown
// topic IDs become suggestions when they carry a name (or are mapped to a topic of that name), and are
// dropped otherwise.
func parseClassify(raw []byte, topics []Topic) (Result, error) {
	var a classifyAnswer
	if err := decodeStrict(raw, &a); err != nil {
		return Result{}, err
	}
	if a.Assignments == nil || a.Suggestions == nil {
		return Result{}, fmt.Errorf(`missing "assignments" or "suggestions"`)
	}
	byID := map[string]bool{}
	byName := map[string]string{}
	for _, t := range topics {
		byID[t.ID] = true
		byName[strings.ToLower(cleanName(t.Name))] = t.ID
	}
	best := map[string]float64{}
	var res Result
	suggested := map[string]bool{}
	addSuggestion := func(name, reason string) {
		name = cleanName(name)
		key := strings.ToLower(name)
		if name == "" || suggested[key] || byName[key] != "" || len(res.Suggestions) >= maxSuggestions {
			return
		}
		suggested[key] = true
		res.Suggestions = append(res.Suggestions, Suggestion{Name: name, Reason: capText(strings.TrimSpace(reason), maxReasonRunes)})
	}
	for i, as := range *a.Assignments {
		if as.TopicID == nil || as.Confidence == nil {
			return Result{}, fmt.Errorf("assignment %d lacks topic_id or confidence", i)
		}
		id, conf := *as.TopicID, clamp01(*as.Confidence)
		name := ""
		if as.TopicName != nil {
			name = *as.TopicName
		}
		if !byID[id] {
			if mapped := byName[strings.ToLower(cleanName(name))]; mapped != "" {
				id = mapped
			} else {
				addSuggestion(name, unknownTopicReason)
				continue
			}
		}
		if c, ok := best[id]; !ok || conf > c {
			best[id] = conf
		}
	}
	for _, s := range *a.Suggestions {
		if s.Name == nil || s.Reason == nil {
			return Result{}, fmt.Errorf("suggestion lacks name or reason")
		}
		addSuggestion(*s.Name, *s.Reason)
	}
	for id, c := range best {
		res.Assignments = append(res.Assignments, Assignment{TopicID: id, Confidence: c})
	}
	sort.Slice(res.Assignments, func(i, j int) bool {
		if res.Assignments[i].Confidence != res.Assignments[j].Confidence {
			return res.Assignments[i].Confidence > res.Assignments[j].Confidence
		}
		return res.Assignments[i].TopicID < res.Assignments[j].TopicID
	})
	return res, nil
}

// parseSuggest maps the prompt's document references (d1, d2, ...) back to the documents' IDs and
// drops references to documents that were not sent.
func parseSuggest(raw []byte, sent []Doc) ([]Suggestion, error) {
	var a suggestAnswer
	if err := decodeStrict(raw, &a); err != nil {
		return nil, err
	}
	if a.Suggestions == nil {
		return nil, fmt.Errorf(`missing "suggestions"`)
	}
	var out []Suggestion
	seen := map[string]bool{}
	for _, s := range *a.Suggestions {
		if s.Name == nil || s.Reason == nil || s.DocumentIDs == nil {
			return nil, fmt.Errorf("suggestion lacks name, reason or document_ids")
		}
		name := cleanName(*s.Name)
		if name == "" || seen[strings.ToLower(name)] || len(out) >= maxSuggestions {
			continue
		}
		seen[strings.ToLower(name)] = true
		sg := Suggestion{Name: name, Reason: capText(strings.TrimSpace(*s.Reason), maxReasonRunes)}
		took := map[int]bool{}
		for _, ref := range *s.DocumentIDs {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(ref), "d"))
			if err != nil || n < 1 || n > len(sent) || took[n] {
				continue
			}
			took[n] = true
			sg.DocumentIDs = append(sg.DocumentIDs, sent[n-1].ID)
		}
		out = append(out, sg)
	}
	return out, nil
}
