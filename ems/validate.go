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

// validatePage checks the paging of a listing: a page size of 1..MaxPageSize and an offset
// that is not negative.
func validatePage(count, offset int) error {
	switch {
	case count <= 0 || count > MaxPageSize:
		return sitekit.Invalid("Count", count, fmt.Sprintf("page size must be between 1 and %d", MaxPageSize))
	case offset < 0:
		return sitekit.Invalid("Offset", offset, "must not be negative")
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
