package events

// CommandRejected records that a command was decided against and changed
// nothing. It settles the command's operation as rejected.
type CommandRejected struct {
	CommandType string       `json:"commandType"`
	Reason      string       `json:"reason"`
	Message     string       `json:"message"`
	Fields      []FieldError `json:"fields,omitempty"`
}

func (CommandRejected) Type() string { return "slipway.command.rejected.v1" }
