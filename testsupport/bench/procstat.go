package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux architecture Go runs on.
const clockTicks = 100

// procUsage is one reading of a process's resident memory and CPU time.
type procUsage struct {
	RSSMB float64
	CPU   time.Duration // user + system since the process started
}

// readProc reads /proc/<pid>/status (VmRSS) and /proc/<pid>/stat (utime,
// stime) of a process on this machine.
func readProc(pid int) (procUsage, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procUsage{}, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procUsage{}, err
	}
	return parseProc(status, stat)
}

func parseProc(status, stat []byte) (procUsage, error) {
	var u procUsage
	found := false
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				return procUsage{}, fmt.Errorf("VmRSS %q: %w", rest, err)
			}
			u.RSSMB, found = kb/1024, true
		}
	}
	if !found {
		return procUsage{}, fmt.Errorf("no VmRSS in /proc status")
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing one. utime and stime are
	// fields 14 and 15, i.e. the 12th and 13th after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return procUsage{}, fmt.Errorf("malformed /proc stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return procUsage{}, fmt.Errorf("short /proc stat: %d fields", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return procUsage{}, fmt.Errorf("cpu ticks %q: %w", s, err)
		}
		ticks += n
	}
	u.CPU = time.Duration(ticks) * time.Second / clockTicks
	return u, nil
}
