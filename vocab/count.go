package vocab

import (
	"strconv"
	"strings"
)

// Count writes n and the noun, in the plural unless n is 1: "1 pair",
// "3 pairs", "2 passes", "0 entries". The noun is given in the singular.
func Count(n int, noun string) string {
	s := strconv.Itoa(n) + " "
	if n == 1 || n == -1 {
		return s + noun
	}
	return s + Plural(noun)
}

// Plural is the English plural of a singular noun of this project's
// vocabulary: -s, -es after s, x, z, ch and sh, -ies after a consonant and
// y. In a compound ("status report") the last word takes it.
func Plural(noun string) string {
	switch {
	case noun == "":
		return noun
	case hasAnySuffix(noun, "s", "x", "z", "ch", "sh"):
		return noun + "es"
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
