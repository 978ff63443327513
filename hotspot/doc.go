// Package hotspot holds the crime-hotspot measures the service computes: Getis-Ord Gi*
// z-scores with their p values and ArcGIS-style confidence bins (plain or corrected for the
// false discovery rate), the Mann-Kendall trend test, ArcGIS Pro's emerging hot spot
// categories, the Predictive Accuracy and Efficiency Indices used to judge a map against the
// next period, the tests that evaluate an operation (weighted displacement difference, plain
// and harm-weighted, and the weighted displacement quotient), crime concentration, period-on-period change, and the harm and cost weights
// (Cambridge Crime Harm Index days, Home Office unit costs) that turn counts into harm, and the
// patrol dose a hot spot is given (visits a day after the Koper curve, from its demand).
//
// The package is pure: it does no I/O beyond reading the io.Reader it is handed, keeps no
// state, and needs nothing but the standard library. The default weight tables are CSV files
// in weights/, embedded at build time and editable by hand; every figure carries its
// provenance in its row.
//
// Conventions: values are per cell or per location, in the caller's order; z-scores are
// standard normal deviates; p values are two-sided; areas may be in any unit as long as one
// call uses one unit.
package hotspot
