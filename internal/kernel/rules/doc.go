// Package rules is the kernel's rules engine: eligibility, scores and
// amounts written as data, evaluated for one enterprise in microseconds
// and for a whole city in seconds.
//
// A rule set (Spec, one JSON file) has parameters, values, criteria and
// an optional amount formula. Expressions are CEL over the enterprise
// profile (Fields, the registry's field names), as_of, params.NAME and
// values.NAME. Every number is a decimal (CEL double); whole-number
// literals are read as decimals, so 7 / 2 is 3.5.
//
// Parameters are data with effective dates: each has periods with a
// value and a legal reference, and an evaluation takes the values in
// force on its as-of day, so any decision can be re-run as of its date.
// Banded tables (thresholds by sales, score bands) are parameters too.
//
// Each criterion evaluates to met, not met or unknown. Unknown means a
// field the criterion needs is null; CEL's partial evaluation decides
// whether the expression is decidable without it (a || b with b true is
// met) and names the fields it lacks. A criterion not met may explain its
// gap: which field to change, the target, and a sentence in Chinese and
// English. A rule set is eligible when every criterion is met, ineligible
// when one is not met, unknown otherwise.
//
// Compile refuses, with the line:column of the fault, expressions that do
// not parse, refer to unknown names, give the wrong type or may cost more
// than MaxEstimatedCost; evaluation stops at MaxRuntimeCost.
//
// The evaluators give the same results: CEL itself, and a fast evaluator
// that compiles the common subset of CEL twice, into closures over
// columns of profiles (Batch, fast.go) for city-wide matching and into
// plain instructions over one row (scalar.go) for one enterprise against
// many programs. Property tests hold them to agreement on random rules
// and profiles.
//
// Built-in rule sets (builtin/*.json) carry their own test cases, run by
// go test and by RuleSet.Check. README.md describes the file format.
package rules
