package engine

import (
	"context"
	"errors"
	"testing"
)

func TestEvaluateStockton(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ev, err := e.Evaluate(context.Background(), EvalQuery{Layer: "wards"})
	if err != nil {
		t.Fatal(err)
	}
	// 35 months loaded, 2023-01..2025-11: every month from 2024-01 has its
	// 12 months before.
	if len(ev.Months) != 23 || ev.Months[0] != month(t, "2024-01") || ev.Months[22] != month(t, "2025-11") {
		t.Fatalf("months scored %v", ev.Months)
	}
	if len(ev.Methods) != 8 || ev.Cells != 2238 {
		t.Fatalf("%d method scores, %d cells", len(ev.Methods), ev.Cells)
	}
	for i := 0; i < len(ev.Methods); i += 2 {
		one, five := ev.Methods[i], ev.Methods[i+1]
		if one.Method != five.Method || one.Fraction != 0.01 || five.Fraction != 0.05 || one.Cells != 23 || five.Cells != 112 {
			t.Fatalf("scores %d, %d: %s %v (%d cells), %s %v (%d cells)", i, i+1, one.Method, one.Fraction, one.Cells, five.Method, five.Fraction, five.Cells)
		}
		for j := range one.Months {
			a, b := one.Months[j], five.Months[j]
			for _, ms := range []MonthScore{a, b} {
				if ms.HitRate < 0 || ms.HitRate > 1 || ms.PEI < 0 || ms.PEI > 1+1e-12 || ms.PAI < 0 {
					t.Errorf("%s %s: %+v", one.Method, ms.Month, ms)
				}
			}
			if b.HitRate < a.HitRate {
				t.Errorf("%s %s: top 5%% hit rate %v below top 1%% %v", one.Method, a.Month, b.HitRate, a.HitRate)
			}
		}
		for _, sc := range []MethodScore{one, five} {
			if sc.MeanPAI < 1 {
				t.Errorf("%s at %v: mean PAI %v, no better than chance", sc.Method, sc.Fraction, sc.MeanPAI)
			}
		}
	}
	t.Logf("%-11s %5s %8s %6s %5s", "method", "top", "hit rate", "PAI", "PEI")
	for _, m := range ev.Methods {
		t.Logf("%-11s %4.0f%% %8.3f %6.2f %5.3f   (median %.3f %.2f %.3f)", m.Method, m.Fraction*100, m.MeanHitRate, m.MeanPAI, m.MeanPEI,
			m.MedianHitRate, m.MedianPAI, m.MedianPEI)
	}
	for _, b := range ev.Best {
		t.Logf("best at %.0f%%: %s (mean PAI %.2f)", b.Fraction*100, b.Method, b.MeanPAI)
	}
	if _, err := e.Evaluate(context.Background(), EvalQuery{Layer: "wards", To: month(t, "2023-12")}); !errors.Is(err, ErrNoMonth) {
		t.Errorf("nothing to score: %v", err)
	}
}
