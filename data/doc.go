// Package data holds incidents and area layers: the readers that take
// police.uk downloads, generic force CSV exports and boundary files as they
// come; the Store contract every storage engine implements; and the embedded
// default store, an in-memory columnar store persisted to a data directory.
//
// Incidents are kept in partitions of one (force, month): re-importing a month
// replaces its partition whole, so police.uk's monthly re-publication never
// doubles a count. Aggregation (counts by H3 cell, area, month and crime type)
// runs inside the store, so a database-backed store sends only aggregates.
package data
