package classify

import "testing"

// FuzzParseClassify: any answer gives an error or a result that only names the request's topics with
// confidences in [0,1].
func FuzzParseClassify(f *testing.F) {
	f.Add(`{"assignments":[{"topic_id":"t1","topic_name":"Invoices","confidence":0.9}],"suggestions":[{"name":"Tax","reason":"r"}]}`)
	f.Add(`{"assignments":[{"topic_id":"zz","topic_name":"travel","confidence":1e308}],"suggestions":[]}`)
	f.Add(`{"assignments":null,"suggestions":[]}`)
	f.Fuzz(func(t *testing.T, raw string) {
		res, err := parseClassify([]byte(raw), testTopics)
		if err != nil {
			return
		}
		for _, a := range res.Assignments {
			if (a.TopicID != "t1" && a.TopicID != "t2") || !(a.Confidence >= 0 && a.Confidence <= 1) {
				t.Fatalf("bad assignment %+v from %q", a, raw)
			}
		}
		if len(res.Suggestions) > maxSuggestions {
			t.Fatalf("%d suggestions", len(res.Suggestions))
		}
	})
}
