package classify

import (
	"fmt"
	"testing"
)

// The model cache keeps the most recently used modelCacheSize users.
func TestModelCacheEvictsLeastRecentlyUsed(t *testing.T) {
	var c modelCache
	for i := range modelCacheSize {
		c.put(fmt.Sprint(i), &cachedModel{version: int64(i)})
	}
	if c.get("0") == nil { // 0 is now the most recent
		t.Fatal("0 missing")
	}
	c.put("new", &cachedModel{version: 99})
	if c.get("1") != nil {
		t.Error("the least recently used model was kept")
	}
	if c.get("0") == nil || c.get("new").version != 99 || c.order.Len() != modelCacheSize {
		t.Errorf("cache holds %d", c.order.Len())
	}
	c.put("new", &cachedModel{version: 100})
	if c.get("new").version != 100 || c.order.Len() != modelCacheSize {
		t.Error("replacing a model")
	}
}
