package bench

import "testing"

func TestLogTailKeepsTheLastLines(t *testing.T) {
	tail := newLogTail(2)
	for _, w := range []string{"one\ntw", "o\nthree\n", "four"} {
		if _, err := tail.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := tail.String(), "two\nthree"; got != want {
		t.Fatalf("tail = %q, want %q (an unfinished line waits for its newline)", got, want)
	}
}
