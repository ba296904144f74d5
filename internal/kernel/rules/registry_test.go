package rules_test

import (
	"testing"

	"rainforest/internal/kernel/rules"
	"rainforest/internal/registry"
)

// The rules vocabulary is the registry's profile: same names, same labels.
func TestFieldsMatchRegistry(t *testing.T) {
	skip := map[string]bool{"website": true, "description_zh": true, "description_en": true}
	for _, f := range registry.Fields {
		if skip[f.Name] {
			continue
		}
		rf, ok := rules.FieldByName(f.Name)
		if !ok {
			t.Errorf("registry field %s is not in the rules vocabulary", f.Name)
			continue
		}
		if rf.LabelZh != f.LabelZh || rf.LabelEn != f.LabelEn {
			t.Errorf("%s: labels %q/%q, registry has %q/%q", f.Name, rf.LabelZh, rf.LabelEn, f.LabelZh, f.LabelEn)
		}
	}
	for _, f := range rules.Fields {
		if _, ok := registry.FieldByName(f.Name); !ok && !f.Person {
			t.Errorf("rules field %s is not a registry field", f.Name)
		}
	}
}
