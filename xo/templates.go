package xo

// TemplatesService reads VM templates (GET /rest/v0/vm-templates). Template names repeat
// across pools (and sometimes within one): Find is pool-scoped and fails on ambiguity.
type TemplatesService struct{ collection[Template] }
