package sops

import (
	"errors"
	"sort"

	"github.com/getsops/sops/v3/shamir"
)

// errNoDataKey: no master key of the file (or of too few of its key groups) could be used. What
// each key gave is in the keyClient's attempts.
var errNoDataKey = errors.New("no key opens the data key")

// errShares: the Shamir shares opened do not combine (a damaged or altered key group).
var errShares = errors.New("the key groups' shares do not combine")

// decryptionOrder is the order in which sops tries the keys of a group: age, then PGP, then the
// others in the order the group lists them.
var decryptionOrder = map[string]int{"age": 0, "pgp": 1}

// dataKey opens a file's data key as sops does (Metadata.GetDataKeyWithKeyServices): in each key
// group, the master keys are tried in decryptionOrder until one opens it. With one group, that
// is the data key; with several, each group holds a Shamir share, every group is tried, and at
// least ShamirThreshold shares must be opened and are combined (sops' own shamir package, which
// imports nothing of sops).
func dataKey(m *metadata, open func(masterKey) ([]byte, error)) ([]byte, error) {
	var parts [][]byte
	for _, group := range m.KeyGroups {
		if part, ok := openGroup(group, open); ok {
			parts = append(parts, part)
		}
	}
	if len(m.KeyGroups) == 1 {
		if len(parts) != 1 {
			return nil, errNoDataKey
		}
		return parts[0], nil
	}
	if len(parts) < m.ShamirThreshold || len(parts) == 0 {
		return nil, errNoDataKey
	}
	key, err := shamir.Combine(parts)
	if err != nil {
		return nil, errShares
	}
	return key, nil
}

// openGroup returns what the first master key of group that succeeds opens.
func openGroup(group []masterKey, open func(masterKey) ([]byte, error)) ([]byte, bool) {
	order := make([]int, len(group))
	for i := range order {
		order[i] = i
	}
	rank := func(k masterKey) int {
		if r, ok := decryptionOrder[k.Kind]; ok {
			return r
		}
		return len(decryptionOrder)
	}
	sort.SliceStable(order, func(i, j int) bool { return rank(group[order[i]]) < rank(group[order[j]]) })
	for _, i := range order {
		if part, err := open(group[i]); err == nil && part != nil {
			return part, true
		}
	}
	return nil, false
}
