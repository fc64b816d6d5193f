package project

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v4"
)

// The YAML library compose-go decodes with checks a mapping's keys for
// duplicates by comparing every key with every later one: a service with
// 70,000 environment variables (a 5 MB file) took 15 s to load, four
// times that for twice the size. model builds the same value compose-go
// would decode, in time linear in the file, and hands it to compose-go as
// the file's model, so that compose-go does not decode the file itself.
// Whatever model does not handle exactly as compose-go would (a tag of
// compose's such as !reset, several documents, keys that are not strings,
// a duplicate key, an alias that expands too much, a syntax error) makes
// it give up: compose-go then decodes the file and says what is wrong in
// its own words.

// modelMinBudget and modelBudgetFactor bound the nodes a model may hold,
// aliases expanded: a file of n nodes may expand to
// max(modelMinBudget, modelBudgetFactor*n), so that an alias bomb is left
// to compose-go, which refuses it.
const (
	modelMinBudget    = 100_000
	modelBudgetFactor = 4
)

// errNoModel says that model gives the file over to compose-go.
var errNoModel = errors.New("left to compose-go")

// cycleError is an alias inside the node it refers to: the YAML library
// compose-go uses recurses on it without end when it is a merge key
// ("x: &a {<<: *a}"), so it is refused here.
type cycleError struct {
	anchor string
	line   int
}

func (e *cycleError) Error() string {
	return fmt.Sprintf("invalid YAML: line %d: alias *%s refers to the node it is in", e.line, e.anchor)
}

// model returns the value of a one-document YAML stack file, as a map of
// string keys, or nil when compose-go must decode the file itself. Its
// error is a *cycleError, for a file compose-go cannot be given.
func model(content []byte) (map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, nil // a second document, or an error in it
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) != 1 {
			return nil, nil
		}
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil
	}
	b := &modelBuilder{budget: max(modelMinBudget, modelBudgetFactor*countNodes(root))}
	v, err := b.value(root)
	var cycle *cycleError
	if errors.As(err, &cycle) {
		return nil, err
	}
	if err != nil {
		return nil, nil
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// countNodes counts the nodes of the tree at n, aliases not followed.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, ch := range n.Content {
		c += countNodes(ch)
	}
	return c
}

// modelBuilder converts a node tree into the values compose-go decodes.
type modelBuilder struct {
	budget int
	// converting are the mappings and sequences being converted, against
	// an alias to one of them.
	converting map[*yaml.Node]bool
}

// value converts one node.
func (b *modelBuilder) value(n *yaml.Node) (any, error) {
	if b.budget--; b.budget < 0 {
		return nil, errNoModel
	}
	if n.Tag != "" && n.Tag[0] == '!' && (len(n.Tag) < 2 || n.Tag[1] != '!') {
		return nil, errNoModel // a local tag: !reset, !override
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			return n.Value, nil
		}
		// The library's own resolution for numbers, booleans, null...
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, errNoModel
		}
		return v, nil
	case yaml.SequenceNode:
		if b.enter(n) {
			return nil, errNoModel
		}
		defer delete(b.converting, n)
		out := make([]any, 0, len(n.Content))
		for _, ch := range n.Content {
			v, err := b.value(ch)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		if b.enter(n) {
			return nil, errNoModel
		}
		defer delete(b.converting, n)
		return b.mapping(n)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errNoModel
		}
		if b.converting[n.Alias] {
			return nil, &cycleError{anchor: n.Value, line: n.Line}
		}
		return b.value(n.Alias)
	}
	return nil, errNoModel
}

// enter marks n as being converted; it reports whether it already was.
func (b *modelBuilder) enter(n *yaml.Node) bool {
	if b.converting[n] {
		return true
	}
	if b.converting == nil {
		b.converting = map[*yaml.Node]bool{}
	}
	b.converting[n] = true
	return false
}

// mapping converts a mapping, with YAML's merge keys ("<<: *base", keys
// written in the mapping win, then earlier merged mappings over later
// ones), checking its keys for duplicates in linear time.
func (b *modelBuilder) mapping(n *yaml.Node) (any, error) {
	out := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, errNoModel
		}
		if k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.ShortTag() != "!!str" {
			return nil, errNoModel // the library keeps such a map's keys as they are
		}
		if _, dup := out[k.Value]; dup {
			return nil, errNoModel
		}
		val, err := b.value(v)
		if err != nil {
			return nil, err
		}
		out[k.Value] = val
	}
	if len(merges) > 1 {
		return nil, errNoModel
	}
	for _, m := range merges {
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, src := range srcs {
			v, err := b.value(src)
			if err != nil {
				return nil, err
			}
			merged, ok := v.(map[string]any)
			if !ok {
				return nil, errNoModel
			}
			for k, mv := range merged {
				if _, set := out[k]; !set {
					out[k] = mv
				}
			}
		}
	}
	return out, nil
}
