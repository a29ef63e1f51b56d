// Package frameguard keeps a message whose headers amqp091-go cannot read
// from breaking the connection it arrives on.
package frameguard

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Any client may publish a message whose headers amqp091-go refuses to
// read (tables nested deeper than 32, more than 8192 entries in one table,
// an unknown field type). The library treats that as a broken connection:
// every channel dies, the message is requeued and delivered again, and
// the dashboard reconnects forever. guardConn sits between the socket and
// the library, checks each content header frame by the library's own
// rules, and replaces headers it could not read with one header naming
// the problem, so the message arrives, is shown as undecodable, and is
// settled like any other.

// UndecodableHeader is the header that replaces headers amqp091-go could
// not read; its value says why as a reason: a name, and after "=" the
// limit or the field type it is about (depth=32, name_short,
// table_entries=8192, array_values=8192, value_missing, value_short,
// value_type=Z). rabbitboard's catalogue says each in words
// ("undecodable.depth"...), in the viewer's language.
const UndecodableHeader = "x-rabbitboard-undecodable"

// The limits of amqp091-go's table reader (read.go), which the guard
// mirrors exactly: a table or array more deeply nested than MaxTableDepth,
// or holding more than MaxTableEntries, fails the whole connection.
const (
	MaxTableDepth   = 32
	MaxTableEntries = 8192
	// Header frames are at most the negotiated frame size (128 KiB by
	// default); a larger one is passed on for the library to refuse.
	maxGuardedFrame = 4 << 20
)

const (
	frameHeader        = 2
	frameEnd           = 0xCE
	flagContentType    = 0x8000
	flagContentEncode  = 0x4000
	flagHeaders        = 0x2000
	headerFrameFixed   = 14 // class, weight, body size, property flags
	frameHeaderOctets  = 7
	frameOverheadBytes = frameHeaderOctets + 1
)

// guardConn passes every frame through unchanged, except content header
// frames whose headers the library could not read.
type guardConn struct {
	net.Conn
	r    *bufio.Reader
	out  []byte // bytes of the current frame not yet returned
	left int64  // bytes of a passed-through frame still to copy
	hdr  [frameHeaderOctets]byte
	buf  []byte
}

// NewConn guards the connection c: what the library reads from it is what
// c says, but for header frames whose headers it could not read.
func NewConn(c net.Conn) net.Conn { return newGuardConn(c) }

func newGuardConn(c net.Conn) *guardConn {
	return &guardConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10)}
}

func (g *guardConn) Read(p []byte) (int, error) {
	if len(g.out) == 0 && g.left == 0 {
		if err := g.nextFrame(); err != nil {
			return 0, err
		}
	}
	if len(g.out) > 0 {
		n := copy(p, g.out)
		g.out = g.out[n:]
		return n, nil
	}
	n, err := g.r.Read(p[:min(int64(len(p)), g.left)])
	g.left -= int64(n)
	return n, err
}

// nextFrame reads a frame's header; a content header frame is read whole
// and checked, any other frame streams through.
func (g *guardConn) nextFrame() error {
	if _, err := io.ReadFull(g.r, g.hdr[:]); err != nil {
		return err
	}
	size := int64(binary.BigEndian.Uint32(g.hdr[3:7]))
	if g.hdr[0] != frameHeader || size > maxGuardedFrame {
		g.out, g.left = g.hdr[:], size+1
		return nil
	}
	g.buf = append(g.buf[:0], g.hdr[:]...)
	g.buf = append(g.buf, make([]byte, size+1)...)
	if _, err := io.ReadFull(g.r, g.buf[frameHeaderOctets:]); err != nil {
		return err
	}
	g.buf = guardHeaderFrame(g.buf)
	g.out = g.buf
	return nil
}

// guardHeaderFrame returns a whole content header frame as it was, or with
// its headers replaced by UndecodableHeader when the library could not
// read them. Frames it cannot make sense of pass unchanged: the library
// judges those as it always does.
func guardHeaderFrame(frame []byte) []byte {
	payload := frame[frameHeaderOctets : len(frame)-1]
	if len(payload) < headerFrameFixed {
		return frame
	}
	flags := binary.BigEndian.Uint16(payload[12:14])
	if flags&flagHeaders == 0 {
		return frame
	}
	off := headerFrameFixed
	for _, f := range []uint16{flagContentType, flagContentEncode} {
		if flags&f != 0 {
			if off >= len(payload) {
				return frame
			}
			off += 1 + int(payload[off])
		}
	}
	if off+4 > len(payload) {
		return frame
	}
	n := int(binary.BigEndian.Uint32(payload[off:]))
	if n < 0 || off+4+n > len(payload) {
		return frame
	}
	why := checkTableBytes(payload[off+4:off+4+n], 0)
	if why == "" {
		return frame
	}
	table := undecodableTable(why)
	out := make([]byte, 0, len(frame)-n+len(table))
	out = append(out, frame[:frameHeaderOctets]...)
	out = append(out, payload[:off]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(table)))
	out = append(out, table...)
	out = append(out, payload[off+4+n:]...)
	out = append(out, frameEnd)
	binary.BigEndian.PutUint32(out[3:7], uint32(len(out)-frameOverheadBytes))
	return out
}

// undecodableTable encodes the table {UndecodableHeader: why}.
func undecodableTable(why string) []byte {
	t := []byte{byte(len(UndecodableHeader))}
	t = append(t, UndecodableHeader...)
	t = append(t, 'S')
	t = binary.BigEndian.AppendUint32(t, uint32(len(why)))
	return append(t, why...)
}

// checkTableBytes says why amqp091-go would refuse to read an encoded field
// table at this depth, or "" when it reads it.
func checkTableBytes(b []byte, depth int) string { return checkContainer(b, depth, true) }

// Check says why amqp091-go could not read the encoded header table b,
// as a reason (see UndecodableHeader), or "" when it can.
func Check(b []byte) string { return checkTableBytes(b, 0) }

// checkContainer checks an encoded table (named entries) or array.
func checkContainer(b []byte, depth int, table bool) string {
	if depth > MaxTableDepth {
		return "depth=" + strconv.Itoa(MaxTableDepth)
	}
	for entries := 0; len(b) > 0; entries++ {
		if table {
			klen := int(b[0])
			if 1+klen > len(b) {
				return "name_short"
			}
			b = b[1+klen:]
		}
		// The library counts a table's distinct names; counting every entry
		// refuses a table of 8193 entries with repeated names that it reads.
		if entries >= MaxTableEntries && table {
			return "table_entries=" + strconv.Itoa(MaxTableEntries)
		}
		if entries >= MaxTableEntries {
			return "array_values=" + strconv.Itoa(MaxTableEntries)
		}
		rest, why := checkField(b, depth)
		if why != "" {
			return why
		}
		b = rest
	}
	return ""
}

// fixedFieldSize is the encoded size of each fixed-size field type.
var fixedFieldSize = map[byte]int{
	't': 1, 'B': 1, 'b': 1, 's': 2, 'u': 2, 'I': 4, 'i': 4, 'f': 4,
	'D': 5, 'l': 8, 'd': 8, 'T': 8, 'V': 0,
}

// checkField checks one typed field value and returns what follows it.
func checkField(b []byte, depth int) ([]byte, string) {
	if len(b) == 0 {
		return nil, "value_missing"
	}
	typ, b := b[0], b[1:]
	if n, ok := fixedFieldSize[typ]; ok {
		if n > len(b) {
			return nil, "value_short"
		}
		return b[n:], ""
	}
	switch typ {
	case 'S', 'x', 'A', 'F':
	default:
		return nil, "value_type=" + string(rune(typ))
	}
	if len(b) < 4 {
		return nil, "value_short"
	}
	n := int64(binary.BigEndian.Uint32(b))
	if n > math.MaxInt32 || int64(len(b)-4) < n {
		return nil, "value_short"
	}
	inner, rest := b[4:4+n], b[4+n:]
	switch typ {
	case 'A':
		if why := checkContainer(inner, depth+1, false); why != "" {
			return nil, why
		}
	case 'F':
		if why := checkTableBytes(inner, depth+1); why != "" {
			return nil, why
		}
	}
	return rest, ""
}

// Dialer connects through a guardConn. amqp091-go wraps the connection
// Dial returns in TLS itself for amqps URLs, which would put the guard
// under the encryption, so for amqps rabbitboard does the TLS handshake
// here and hands the library a plain amqp URL to the same port.
func Dialer(raw string, timeout time.Duration) (dialURL string, dial func(network, addr string) (net.Conn, error), err error) {
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		return "", nil, err
	}
	var tlsConf *tls.Config
	if uri.Scheme == "amqps" {
		if tlsConf, err = TLSConfig(uri); err != nil {
			return "", nil, err
		}
		uri.Scheme = "amqp"
		raw = uri.String()
	}
	plain := amqp.DefaultDial(timeout)
	return raw, func(network, addr string) (net.Conn, error) {
		c, err := plain(network, addr)
		if err != nil {
			return nil, err
		}
		if tlsConf != nil {
			tc := tls.Client(c, tlsConf)
			_ = tc.SetDeadline(time.Now().Add(timeout))
			if err := tc.Handshake(); err != nil {
				_ = c.Close()
				return nil, err
			}
			_ = tc.SetDeadline(time.Time{})
			c = tc
		}
		return newGuardConn(c), nil
	}, nil
}

// TLSConfig reads an amqps URL's TLS settings as amqp091-go does.
func TLSConfig(uri amqp.URI) (*tls.Config, error) {
	conf := &tls.Config{ServerName: uri.ServerName, MinVersion: tls.VersionTLS12}
	if conf.ServerName == "" {
		conf.ServerName = uri.Host
	}
	if uri.CACertFile != "" {
		pem, err := os.ReadFile(uri.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("read CA certificate: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		conf.RootCAs.AppendCertsFromPEM(pem)
	}
	if uri.CertFile != "" && uri.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(uri.CertFile, uri.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}
