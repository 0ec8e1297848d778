package localplane

import _ "embed"

// stagesYAML is the KWOK configuration (Stage objects) the plane runs with;
// see stages.yaml for what each stage does.
//
//go:embed stages.yaml
var stagesYAML []byte
