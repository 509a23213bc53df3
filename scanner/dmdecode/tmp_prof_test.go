package dmdecode

import (
	"image"
	"testing"
)

func BenchmarkTmpCorpus(b *testing.B) {
	var imgs []image.Image
	for _, c := range loadCorpus(b) {
		if c.want != nil && c.set != "zxcpp-datamatrix-3" {
			imgs = append(imgs, loadImage(b, c.path))
		}
	}
	d := New(Options{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, img := range imgs {
			d.Decode(b.Context(), img)
		}
	}
}
