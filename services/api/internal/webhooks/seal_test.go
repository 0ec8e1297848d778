package webhooks

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func keyring(t *testing.T, keys ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSealing: a sealed secret never shows the secret, opens only for its
// webhook and with a configured key, survives a rotation (the new key first,
// the old one kept), and a secret stored plain before sealing still opens.
func TestSealing(t *testing.T) {
	const secret, id = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTAwMDAwMDAw", "wh_000000000000000000000001"
	old := keyring(t, key(1))
	sealed, err := old.seal(secret, id)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := old.seal(secret, id)
	if !strings.HasPrefix(sealed, sealedPrefix) || strings.Contains(sealed, secret) || strings.Contains(sealed, "c2VjcmV0") || again == sealed {
		t.Fatalf("sealed %q (again %q)", sealed, again)
	}
	tests := []struct {
		name    string
		keys    *Keyring
		stored  string
		id      string
		want    string
		wantErr error
	}{
		{name: "opens", keys: old, stored: sealed, id: id, want: secret},
		{name: "after a rotation", keys: keyring(t, key(2), key(1)), stored: sealed, id: id, want: secret},
		{name: "plain from before sealing", keys: old, stored: secret, id: id, want: secret},
		{name: "another webhook's", keys: old, stored: sealed, id: "wh_000000000000000000000002"},
		{name: "key dropped", keys: keyring(t, key(2)), stored: sealed, id: id, wantErr: ErrSealed},
		{name: "no keys", keys: nil, stored: sealed, id: id, wantErr: ErrSealed},
		{name: "tampered", keys: old, stored: tamper(sealed), id: id},
		{name: "malformed", keys: old, stored: sealedPrefix + "nokey", id: id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.open(tt.stored, tt.id)
			switch {
			case tt.want != "":
				if err != nil || got != tt.want {
					t.Fatalf("open: %q %v", got, err)
				}
			case err == nil:
				t.Fatalf("opened %q, want a refusal", got)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
	if plain, _ := (*Keyring)(nil).seal(secret, id); plain != secret {
		t.Fatalf("without keys the secret is stored as is, got %q", plain)
	}
	newer, _ := keyring(t, key(2), key(1)).seal(secret, id)
	if strings.Contains(newer, keyID(key(1))) || !strings.Contains(newer, keyID(key(2))) {
		t.Fatalf("after a rotation the first key seals: %q", newer)
	}
}

func tamper(sealed string) string {
	i := strings.LastIndex(sealed, ":") + 1
	raw, _ := base64.RawStdEncoding.DecodeString(sealed[i:])
	raw[len(raw)-1] ^= 1
	return sealed[:i] + base64.RawStdEncoding.EncodeToString(raw)
}

func TestParseKeys(t *testing.T) {
	one := base64.StdEncoding.EncodeToString(key(1))
	two := base64.StdEncoding.EncodeToString(key(2))
	tests := []struct {
		name, text string
		want       int
		err        string
	}{
		{"one", one + "\n", 1, ""},
		{"rotation with comments", "# new\n" + two + "\n\n# old\n" + one + "\n", 2, ""},
		{"empty", "\n# nothing\n", 0, "no key"},
		{"not base64", "not-a-key!\n", 0, "line 1: not base64"},
		{"short", base64.StdEncoding.EncodeToString([]byte("short")), 0, "line 1: 5 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseKeys(tt.text)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(keys) != tt.want {
				t.Fatalf("%d keys, %v", len(keys), err)
			}
		})
	}
	if _, err := NewKeyring([][]byte{key(1)[:16]}); err == nil {
		t.Fatal("a 16-byte key must be refused")
	}
}
