package benchhttp

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// textWords is the vocabulary of the generated text documents.
var textWords = strings.Fields(`invoice contract receipt insurance policy tenant landlord salary payslip
	electricity water heating account statement bank transfer amount due total tax return pension
	doctor prescription hospital appointment school report grade vacation booking flight hotel car
	repair warranty appliance manual garden kitchen roof window meeting minutes project budget plan
	quarter annual summary customer supplier order delivery shipment payment reminder overdue notice`)

// searchQueries are the benchmark's searches: common words, two words,
// prefixes and words of the PDFs (Debian's graphviz, GnuTLS/libtasn1, ...).
var searchQueries = []string{
	"invoice", "payment reminder", "insur*", "bank statement", "warranty",
	"graph", "node attribute", "layout", "encoding", "library function",
	"memory", "pars*", "structure", "edge", "tax return",
}

// textDocs returns n small text documents (1-2 KB, seeded, so every run
// uploads the same bytes), each with a unique reference number.
func textDocs(n int) [][]byte {
	r := rand.New(rand.NewPCG(23, 23))
	docs := make([][]byte, n)
	for i := range docs {
		var b bytes.Buffer
		fmt.Fprintf(&b, "Reference DV-%06d\n\n", i)
		for words := 150 + r.IntN(150); words > 0; words-- {
			b.WriteString(textWords[r.IntN(len(textWords))])
			if words%12 == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		docs[i] = b.Bytes()
	}
	return docs
}

// pdfFile is one PDF of the corpus, decompressed.
type pdfFile struct {
	name string
	data []byte
}

// findPDFs returns up to n PDFs (*.pdf, and *.pdf.gz decompressed) found
// under dir, spread evenly over the sorted list of all of them, so the
// choice is the same on every run of the same machine.
func findPDFs(dir string, n int) ([]pdfFile, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable folders are skipped
		}
		if d.Type().IsRegular() && (strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".pdf.gz")) {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	if n > 0 && len(paths) > n {
		picked := make([]string, n)
		for i := range picked {
			picked[i] = paths[i*len(paths)/n]
		}
		paths = picked
	}
	var out []pdfFile
	for _, p := range paths {
		data, err := readMaybeGzip(p)
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			continue
		}
		out = append(out, pdfFile{name: strings.TrimSuffix(filepath.Base(p), ".gz"), data: data})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no PDF under %s", dir)
	}
	return out, nil
}

func readMaybeGzip(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(p, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		r = zr
	}
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return data, nil
}
