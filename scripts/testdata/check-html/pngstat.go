//go:build ignore

// pngstat prints what scripts/check-html.sh checks of a screenshot: its
// size in pixels, how many distinct colours it holds and the share of its
// pixels that differ from the top-left (background) colour.
//
// Usage: go run scripts/testdata/check-html/pngstat.go FILE.png
package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pngstat FILE.png")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "decode:", err)
		os.Exit(1)
	}
	w, h, colours, ink := stat(img)
	fmt.Printf("%d %d %d %.4f\n", w, h, colours, ink)
}

// stat returns the width, height, distinct colours and the share of
// pixels unlike the top-left one.
func stat(img image.Image) (int, int, int, float64) {
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	br, bgG, bb, ba := bg.RGBA()
	seen := map[[4]uint32]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if r != br || g != bgG || bl != bb || a != ba {
				ink++
			}
		}
	}
	return b.Dx(), b.Dy(), len(seen), float64(ink) / float64(b.Dx()*b.Dy())
}
