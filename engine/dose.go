package engine

// ZoneDose is the patrol dose of a zone with count crimes (set-aside
// places left out) over days days, as Tasking works it out: the disclosure
// policy works it again from a banded count, so the dose's arithmetic
// shows no more than the band.
func ZoneDose(count int64, days int, p Peak) Dose { return dose(count, days, p) }
