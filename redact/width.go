package redact

import (
	"unicode"
	"unicode/utf8"
)

// widthMask appends to dst the width-keeping mask of b, a masked part of a
// stream: one '*' per terminal column that b would take (two for a wide
// East Asian character, none for a combining mark or a UTF-8 continuation
// byte whose lead byte is in an earlier part), and every control byte
// (line breaks, tab, carriage return, escape) as it is, so that the lines
// and columns the program wrote come out where it meant them.
func widthMask(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x20 || c == 0x7f:
			dst = append(dst, c)
			i++
		case c < utf8.RuneSelf:
			dst = append(dst, '*')
			i++
		case c&0xC0 == 0x80:
			i++ // a continuation byte: its character was counted at its lead byte
		default:
			r, n := utf8.DecodeRune(b[i:])
			i += n
			switch {
			case r == utf8.RuneError && n <= 1:
				dst = append(dst, '*') // invalid, or cut at the end of b: one column
			case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
				// zero width
			case wide(r):
				dst = append(dst, '*', '*')
			default:
				dst = append(dst, '*')
			}
		}
	}
	return dst
}

// wide reports whether r takes two terminal columns (East Asian Wide and
// Fullwidth ranges, and emoji), as wcwidth does.
func wide(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115F, r == 0x2329, r == 0x232A,
		0x2E80 <= r && r <= 0x303E, 0x3041 <= r && r <= 0x33FF,
		0x3400 <= r && r <= 0x4DBF, 0x4E00 <= r && r <= 0x9FFF,
		0xA000 <= r && r <= 0xA4CF, 0xAC00 <= r && r <= 0xD7A3,
		0xF900 <= r && r <= 0xFAFF, 0xFE30 <= r && r <= 0xFE4F,
		0xFF00 <= r && r <= 0xFF60, 0xFFE0 <= r && r <= 0xFFE6,
		0x1F300 <= r && r <= 0x1F64F, 0x1F900 <= r && r <= 0x1F9FF,
		0x20000 <= r && r <= 0x3FFFD:
		return true
	}
	return false
}
