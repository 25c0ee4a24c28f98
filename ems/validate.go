package ems

import (
	"fmt"

	"github.com/sitekit/sitekit"
)

// Request checks shared by the families, run before any I/O.

// validateID checks an object id given to a call (field names it in the error): EMS ids
// start at 1.
func validateID(field string, id int) error {
	if id <= 0 {
		return sitekit.Invalid(field, id, "must be positive")
	}
	return nil
}

// validatePageSize checks the page size of a listing: 0 (the default) or 1..MaxPageSize.
func validatePageSize(size int) error {
	if size < 0 || size > MaxPageSize {
		return sitekit.Invalid("PageSize", size, fmt.Sprintf("must be between 1 and %d (0: %d)", MaxPageSize, DefaultPageSize))
	}
	return nil
}

// validateRuleSetChange checks what a partial update of a rule-bearing object (ZTNA tag,
// tagging rule set) changes: the tag name it sets in field, then the rules (custom logic is
// checked on the merged request).
func validateRuleSetChange(field string, name *string, rules *[]Rule) error {
	if name != nil {
		if err := validateTagName(field, *name); err != nil {
			return err
		}
	}
	if rules != nil {
		return validateRules(*rules, false, nil)
	}
	return nil
}
