package wordindex

import (
	"slices"
	"testing"
)

func TestMatch(t *testing.T) {
	var b Builder
	b.Add(0, "uy", "ban", "nhan", "dan", "tinh", "dak", "lak")
	b.Add(1, "so", "nong", "nghiep", "tinh", "dak", "lak")
	b.Add(2, "uy", "ban", "nhan", "dan", "tinh", "dak", "nong")
	b.Add(2, "ubnd") // a second Add for the same document
	ix := b.Build()
	for _, tc := range []struct {
		words []string
		want  []int
	}{
		{[]string{"dak", "nong"}, []int{1, 2}},
		{[]string{"da"}, []int{0, 1, 2}},
		{[]string{"ubnd"}, []int{2}},
		{[]string{"lak", "uy"}, []int{0}},
		{[]string{"ha", "noi"}, nil},
		{nil, nil},
	} {
		if got := ix.Match(tc.words); !slices.Equal(got, tc.want) {
			t.Errorf("Match(%v) = %v, want %v", tc.words, got, tc.want)
		}
	}
	if got := Intersect([]int{1, 3, 5, 7}, []int{3, 4, 7}); !slices.Equal(got, []int{3, 7}) {
		t.Errorf("Intersect = %v", got)
	}
}
