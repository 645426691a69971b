package all

import (
	"fmt"
	"reflect"

	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/providers"
)

// store is one line of the list: how to build a provider's registry entry, and the
// `providers:` section (if any) whose settings it is built from.
type store struct {
	// section is the key under `providers:` the store reads; "" for a store without settings.
	section string
	// settings is the section's settings type, so that stores sharing a section (awssm and ssm
	// share `providers.aws`) are checked to read it the same way.
	settings reflect.Type
	// check decodes a section and returns its problems, for config.Schema.
	check func(config.Section) error
	// entry builds the registry entry from the section.
	entry func(config.Section) providers.Entry
}

// configured is a store whose provider is built from its settings type S, decoded strictly from
// `providers.SECTION` (S's Validate method, when it has one, runs as part of the decoding: see
// config.Validator). A section that does not decode still gives an entry, whose Open returns
// the problems: the command line parses with Schema, which reports them before any provider
// is opened.
func configured[S any](section string, entry func(S) providers.Entry) store {
	decode := func(sec config.Section) (S, error) {
		var s S
		err := sec.Decode(&s)
		return s, err
	}
	return store{
		section:  section,
		settings: reflect.TypeFor[S](),
		check: func(sec config.Section) error {
			_, err := decode(sec)
			return err
		},
		entry: func(sec config.Section) providers.Entry {
			s, err := decode(sec)
			e := entry(s)
			if err != nil {
				e.Open = func() (providers.Provider, error) { return nil, err }
			}
			return e
		},
	}
}

// local is a store without settings.
func local(e providers.Entry) store {
	return store{entry: func(config.Section) providers.Entry { return e }}
}

// schemaOf builds the config schema of list: its sections, and its schemes in list order. Two stores that read one section as different
// types are a programmer error and panic.
func schemaOf(list []store) config.Schema {
	s := config.Schema{Sections: map[string]func(config.Section) error{}}
	types := map[string]reflect.Type{}
	for _, st := range list {
		s.Schemes = append(s.Schemes, st.entry(config.Section{}).Scheme)
		if st.section == "" {
			continue
		}
		if t, ok := types[st.section]; ok && t != st.settings {
			panic(fmt.Sprintf("providers/all: section %q is read as both %v and %v", st.section, t, st.settings))
		}
		types[st.section] = st.settings
		s.Sections[st.section] = st.check
	}
	return s
}
