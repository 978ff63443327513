package data

import (
	"fmt"
	"strconv"
)

// Month is a calendar month counted from year 0: year*12 + (month-1). The
// zero Month means "unbounded" in queries.
type Month int32

// MonthOf returns the Month of a year and a month number 1..12.
func MonthOf(year, month int) Month { return Month(year*12 + month - 1) }

// ParseMonth reads "YYYY-MM" (a trailing "-DD" is accepted and ignored, as in
// some exports' "2025-11-01").
func ParseMonth(s string) (Month, error) {
	if len(s) == 10 && s[7] == '-' {
		s = s[:7]
	}
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("data: %q is not a month (expected YYYY-MM, such as 2025-11)", s)
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || y < 1900 || y > 2200 {
		return 0, fmt.Errorf("data: %q is not a month (expected YYYY-MM, such as 2025-11)", s)
	}
	return MonthOf(y, m), nil
}

// Year and Num give the calendar year and month number 1..12.
func (m Month) Year() int { return int(m) / 12 }

// Num is the month number 1..12.
func (m Month) Num() int { return int(m)%12 + 1 }

// String is "YYYY-MM".
func (m Month) String() string {
	if m == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d", m.Year(), m.Num())
}

// Days is the number of days in the month.
func (m Month) Days() int {
	switch m.Num() {
	case 4, 6, 9, 11:
		return 30
	case 2:
		y := m.Year()
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// MarshalText writes "YYYY-MM".
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads "YYYY-MM".
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
