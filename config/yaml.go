package config

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/syftbox/syftwallet/client"
)

// loadYAML applies the config file at path, whose content is data.
func loadYAML(c *Config, path string, data []byte, getenv func(string) (string, bool)) error {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if len(f.Docs) > 1 {
		line := 0
		if start := f.Docs[1].Start; start != nil {
			line = start.Position.Line
		}
		return &client.ConfigError{Key: "---", Source: path, Line: line, Reason: "want a single YAML document"}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil
	}
	l := yamlLoader{c: c, path: path, getenv: getenv}
	return l.section(f.Docs[0].Body, "")
}

// yamlLoader walks the config file's syntax tree, so that every error can
// name the key and its line.
type yamlLoader struct {
	c      *Config
	path   string
	getenv func(string) (string, bool)
}

func (l *yamlLoader) fail(key string, n ast.Node, reason string) error {
	return &client.ConfigError{Key: key, Source: l.path, Line: n.GetToken().Position.Line, Reason: reason}
}

// section applies a mapping found at prefix ("" for the document itself).
func (l *yamlLoader) section(n ast.Node, prefix string) error {
	n = unwrap(n)
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(ast.MapNode)
	if !ok {
		return l.fail(cmpOr(prefix, "(document)"), n, "want a mapping")
	}
	for it := m.MapRange(); it.Next(); {
		name, ok := scalarText(it.Key())
		if !ok {
			return l.fail(cmpOr(prefix, "(document)"), it.Key(), "want plain keys")
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		value := unwrap(it.Value())
		if _, ok := value.(*ast.AliasNode); ok {
			return l.fail(key, value, "aliases are not supported")
		}
		var err error
		switch s, kind := lookupKey(key); kind {
		case keyLeaf:
			err = l.leaf(s, key, value)
		case keySection:
			err = l.section(value, key)
		case keyBindings:
			err = l.bindings(value, key)
		default:
			reason := "unknown key"
			if hint := suggest(key); hint != "" {
				reason += "; did you mean " + hint + "?"
			}
			err = l.fail(key, it.Key(), reason)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *yamlLoader) leaf(s setting, key string, n ast.Node) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	text, ok := scalarText(n)
	if !ok {
		return l.fail(key, n, "want a single value")
	}
	if err := s.set(l.c, text, l.getenv); err != nil {
		return l.fail(key, n, err.Error())
	}
	return nil
}

// bindings reads the keys: section: each action maps to a list of keys (or a
// single key).
func (l *yamlLoader) bindings(n ast.Node, key string) error {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	m, ok := n.(ast.MapNode)
	if !ok {
		return l.fail(key, n, "want a mapping of actions to lists of keys")
	}
	if l.c.Keys == nil {
		l.c.Keys = map[string][]string{}
	}
	for it := m.MapRange(); it.Next(); {
		action, ok := scalarText(it.Key())
		if !ok || action == "" {
			return l.fail(key, it.Key(), "want an action name")
		}
		akey := key + "." + action
		var items []ast.Node
		switch v := unwrap(it.Value()).(type) {
		case *ast.SequenceNode:
			items = v.Values
		default:
			items = []ast.Node{v}
		}
		keys := make([]string, 0, len(items))
		for _, item := range items {
			item = unwrap(item)
			text, ok := scalarText(item)
			if _, null := item.(*ast.NullNode); !ok || null || text == "" {
				return l.fail(akey, item, `want a list of keys, e.g. ["q", "ctrl+c"]`)
			}
			keys = append(keys, text)
		}
		l.c.Keys[action] = keys
	}
	return nil
}

type keyKind int

const (
	keyUnknown keyKind = iota
	keyLeaf
	keySection
	keyBindings
)

// lookupKey says what a dotted key of the config file is.
func lookupKey(key string) (setting, keyKind) {
	if key == "keys" {
		return setting{}, keyBindings
	}
	kind := keyUnknown
	for _, s := range settings {
		switch {
		case s.yaml == "":
		case s.yaml == key:
			return s, keyLeaf
		case strings.HasPrefix(s.yaml, key+"."):
			kind = keySection
		}
	}
	return setting{}, kind
}

// suggest returns a known key of the same section within two edits of key.
func suggest(key string) string {
	prefix, name := "", key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		prefix, name = key[:i+1], key[i+1:]
	}
	var siblings []string
	if prefix == "" {
		siblings = append(siblings, "keys")
	}
	for _, s := range settings {
		if rest, ok := strings.CutPrefix(s.yaml, prefix); ok && s.yaml != "" {
			siblings = append(siblings, strings.SplitN(rest, ".", 2)[0])
		}
	}
	for _, sib := range siblings {
		if editDistance(name, sib) <= 2 {
			return sib
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// unwrap looks through tags and anchors to the value they decorate.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

// scalarText is a scalar's text as written (unquoted), so that 1000.00 stays
// "1000.00" and file values parse exactly like environment values.
func scalarText(n ast.Node) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return strings.TrimRight(v.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode, *ast.NullNode:
		return v.GetToken().Value, true
	}
	return "", false
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
