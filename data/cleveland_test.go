package data

import "testing"

// TestClevelandReport checks what the reader reports for the 35 real months.
// What the store then holds (month x type against the reference tally, ward
// counts against ray casting) is checked for every store by the conformance
// suite, data/storetest, which conformance_test.go runs on MemStore.
func TestClevelandReport(t *testing.T) {
	parts, rep := cleveland(t)
	if rep.RowsRead != 269438 || rep.Stored != 269438 || rep.Rejected != 0 {
		t.Fatalf("rows read %d, stored %d, rejected %d; want 269438, 269438, 0", rep.RowsRead, rep.Stored, rep.Rejected)
	}
	if len(parts) != 35 || len(rep.Months) != 35 || rep.Partitions != 35 {
		t.Fatalf("%d partitions, %d months reported; want 35", len(parts), len(rep.Months))
	}
}
