package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

// mixed opens n levels of {"a":[ pairs (2n containers), so the nesting
// crosses the 64-level words of the scanner's record of open containers.
func mixed(n int) string { return strings.Repeat(`{"a":[`, n) }

func closeMixed(n int) string { return strings.Repeat("]}", n) }

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	deep := func(n int, open, close string) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	tests := []struct {
		name  string
		input string
		valid bool
	}{
		{"empty", "", false},
		{"whitespace", " \t\r\n", false},
		{"null", "null", true},
		{"true with whitespace", " true\n", true},
		{"false", "false", true},
		{"truncated literal", "tru", false},
		{"literal with a tail", "nullx", false},
		{"capitalised literal", "True", false},
		{"zero", "0", true},
		{"negative", "-12", true},
		{"fraction and exponent", "-0.5e+10", true},
		{"capital exponent", "1E5", true},
		{"leading zero", "01", false},
		{"minus alone", "-", false},
		{"plus sign", "+1", false},
		{"dot without digits", "1.", false},
		{"leading dot", ".5", false},
		{"exponent without digits", "1e", false},
		{"exponent sign without digits", "1e+", false},
		{"huge number", "1e400", true},
		{"hex", "0x10", false},
		{"string", `"abc"`, true},
		{"unterminated string", `"abc`, false},
		{"all short escapes", `"\" \\ \/ \b \f \n \r \t"`, true},
		{"unicode escape", `"\u00e9\uD83D\uDE00"`, true},
		{"lone surrogate escape", `"\ud800"`, true},
		{"short unicode escape", `"\u12"`, false},
		{"bad hex in escape", `"\u12g4"`, false},
		{"unknown escape", `"\a"`, false},
		{"backslash at the end", `"\`, false},
		{"escaped quote at the end", `"\"`, false},
		{"raw tab in a string", "\"a\tb\"", false},
		{"raw NUL in a string", "\"a\x00b\"", false},
		{"DEL in a string", "\"a\x7fb\"", true},
		{"invalid UTF-8 in a string", "\"\xff\xfe\"", true},
		{"multibyte in a string", `"é漢😀"`, true},
		{"long plain string", `"` + strings.Repeat("abcdefgh", 20) + `"`, true},
		{"long string with a late quote", `"` + strings.Repeat("a", 37) + `\"` + strings.Repeat("b", 11) + `"`, true},
		{"empty array", "[]", true},
		{"array", "[1, \"a\", null, [true], {}]", true},
		{"array trailing comma", "[1,]", false},
		{"array leading comma", "[,1]", false},
		{"array missing comma", "[1 2]", false},
		{"unclosed array", "[1", false},
		{"mismatched brackets", "[}", false},
		{"empty object", "{}", true},
		{"object", `{"a": 1, "b": {"c": [ ]}}`, true},
		{"object trailing comma", `{"a":1,}`, false},
		{"object missing colon", `{"a" 1}`, false},
		{"object missing value", `{"a":}`, false},
		{"object number key", `{1:2}`, false},
		{"object unquoted key", `{a:1}`, false},
		{"object missing comma", `{"a":1 "b":2}`, false},
		{"unclosed object", `{"a":1`, false},
		{"two values", "1 2", false},
		{"two objects", "{}{}", false},
		{"max depth arrays", deep(MaxDepth, "[", "]"), true},
		{"too deep arrays", deep(MaxDepth+1, "[", "]"), false},
		{"max depth objects", strings.Repeat(`{"a":`, MaxDepth-1) + "{}" + strings.Repeat("}", MaxDepth-1), true},
		{"too deep objects", strings.Repeat(`{"a":`, MaxDepth) + "{}" + strings.Repeat("}", MaxDepth), false},
		{"max depth mixed", mixed(MaxDepth/2-1) + `{"a":[]}` + closeMixed(MaxDepth/2-1), true},
		{"too deep mixed", mixed(MaxDepth/2) + "[]" + closeMixed(MaxDepth/2), false},
		{"deep mismatch", mixed(100) + "1" + strings.Replace(closeMixed(100), "]}", "}}", 1), false},
		{"deep mismatch near the top", mixed(100) + "1" + closeMixed(99) + "}}", false},
		{"deep comma in an array", mixed(40) + `1,"a":2` + closeMixed(40), false},
		{"deep member in an object", mixed(40) + `1],"b":{"c":[]}}` + closeMixed(39), true},
		{"million brackets", deep(1_000_000, "[", "]"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := json.Valid([]byte(tt.input)); got != tt.valid {
				t.Fatalf("the table is wrong: json.Valid = %v, want %v", got, tt.valid)
			}
			if got := Valid([]byte(tt.input)); got != tt.valid {
				t.Errorf("Valid(%.40q) = %v, want %v", tt.input, got, tt.valid)
			}
		})
	}
}
