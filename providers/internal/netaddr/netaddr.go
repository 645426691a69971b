// Package netaddr holds the address rules that several stores' settings share: what counts as
// loopback (where clear text is allowed without asking), and how an address is quoted in a
// message without the user information it may carry. Standard library only.
package netaddr

import (
	"net"
	"strconv"
	"strings"
)

// Show returns an address setting (providers.aws.agent, providers.gcp.endpoint, ...) as
// it may be quoted in a message, and whether part of it was hidden. Anything before the last '@'
// of the address is where a URL keeps user information ("http://user:pw@host:2773"), so it is
// replaced by "***"; the '@' is found anywhere, since a password may hold '/', '?' or '#', which
// would end a URL's authority early. An address without '@' is returned quoted, unchanged.
func Show(s string) (shown string, hidden bool) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return strconv.Quote(s), false
	}
	scheme, _, ok := strings.Cut(s[:i], "://")
	if ok && !strings.ContainsAny(scheme, ":/@?#") {
		return strconv.Quote(scheme + "://***" + s[i:]), true
	}
	return strconv.Quote("***" + s[i:]), true
}

// IsLoopbackHost reports whether host (a URL's Hostname(), without port or brackets) is
// "localhost" or a loopback IP address, without I/O. It is the one meaning of "loopback" for
// every setting that allows clear text only to this machine: providers.gcp.plaintext,
// providers.vault.allow_http and providers.aws.allow_http in the providers that enforce them.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
