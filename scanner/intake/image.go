package intake

import (
	"context"
	"fmt"
	_ "image/gif"  // image formats a workstation opens
	_ "image/jpeg" // (PNG, JPEG, GIF; WebP through x/image)
	_ "image/png"

	_ "golang.org/x/image/webp"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
)

// Images reads every Data Matrix in an image file. The file goes through
// scanner.LoadImage: one that declares more pixels than Limits allow (a
// decompression bomb) is refused before it is decoded.
type Images struct {
	Limits scanner.ImageLimits // zero: the defaults
}

// DecodeFile returns each code found in the image at path.
func (im Images) DecodeFile(ctx context.Context, path string) ([][]byte, error) {
	img, _, err := scanner.LoadImage(ctx, path, im.Limits)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	reads, err := dmdecode.New(dmdecode.Options{All: true}).Decode(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([][]byte, 0, len(reads))
	for _, r := range reads {
		out = append(out, r.WithAIM()) // "]d2..." tells the parser GS1 from plain data
	}
	return out, nil
}
