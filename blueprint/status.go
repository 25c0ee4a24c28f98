package blueprint

// Status is the outcome of an unattended check, in the monitoring-plugin convention
// (Nagios, Icinga, Netdata's plugins, cron mail): its value is the process exit code.
type Status int

// Statuses, in increasing severity except Unknown.
const (
	StatusOK       Status = 0 // everything checked holds
	StatusWarning  Status = 1 // something needs attention soon
	StatusCritical Status = 2 // a promise of the site is broken
	StatusUnknown  Status = 3 // the check could not run (an appliance unreachable or left out)
)

// String returns OK, WARNING, CRITICAL or UNKNOWN.
func (s Status) String() string {
	switch s {
	case StatusOK:
		return "OK"
	case StatusWarning:
		return "WARNING"
	case StatusCritical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// ExitCode returns the process exit status for s (0, 1, 2 or 3).
func (s Status) ExitCode() int {
	if s < StatusOK || s > StatusUnknown {
		return int(StatusUnknown)
	}
	return int(s)
}

// Worst returns the most severe of statuses: Critical over Warning over Unknown over OK.
func Worst(statuses ...Status) Status {
	rank := map[Status]int{StatusOK: 0, StatusUnknown: 1, StatusWarning: 2, StatusCritical: 3}
	w := StatusOK
	for _, s := range statuses {
		if rank[s] > rank[w] {
			w = s
		}
	}
	return w
}
