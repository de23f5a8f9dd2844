package payment

// Payment states.
const (
	Created    = "created"
	Redirected = "redirected"
	Pending    = "pending"
	Succeeded  = "succeeded"
	Failed     = "failed"
	Cancelled  = "cancelled"
	Expired    = "expired"
	Refunded   = "refunded"
	Disputed   = "disputed"
)

// transitions is the whole state machine: a move not listed here is refused.
var transitions = map[string][]string{
	Created:    {Redirected, Pending, Succeeded, Failed, Cancelled, Expired},
	Redirected: {Pending, Succeeded, Failed, Cancelled, Expired},
	Pending:    {Succeeded, Failed, Cancelled, Expired},
	Succeeded:  {Refunded, Disputed},
	Disputed:   {Succeeded, Refunded},
	Failed:     {},
	Cancelled:  {},
	Expired:    {},
	Refunded:   {},
}

// CanMove reports whether the state machine allows from → to.
func CanMove(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}
