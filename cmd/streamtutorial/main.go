// Command streamtutorial does what the official RabbitMQ streams tutorials'
// programs do, over the stream protocol (port 5552), for a class or a test
// without their Python client: declare a stream, send messages to it, and
// read it from an offset, storing the position as the offset-tracking
// tutorial does.
//
//	streamtutorial send STREAM N          declare STREAM, send N messages (the last "marker")
//	streamtutorial receive STREAM [FROM]  read from first (default), last, next or an offset
//
// Both declare the stream, when it does not exist yet, with a retention of
// -max-bytes (2 GB, as the offset-tracking tutorial does; the hello-world
// tutorial's hello-python-stream has 5000000000). A stream that exists is
// used as it is, as the Python tutorials' exists_ok does for the same
// settings: the Go client adds a leader locator to every declaration,
// which a stream declared without one refuses.
//
// receive prints " [x] offset N: BODY" for each message and runs until its
// standard input closes or it is interrupted. STREAM_URL overrides
// rabbitmq-stream://guest:guest@localhost:5552/%2f.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"

	"github.com/rabbitmq/rabbitmq-stream-go-client/pkg/amqp"
	"github.com/rabbitmq/rabbitmq-stream-go-client/pkg/stream"
)

func main() {
	maxBytes := flag.Int64("max-bytes", 2_000_000_000, "the stream's retention in bytes (x-max-length-bytes)")
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: streamtutorial [-max-bytes N] send STREAM N | receive STREAM [first|last|next|OFFSET]")
		os.Exit(2)
	}
	url := os.Getenv("STREAM_URL")
	if url == "" {
		url = "rabbitmq-stream://guest:guest@localhost:5552/%2f"
	}
	env, err := stream.NewEnvironment(stream.NewEnvironmentOptions().SetUri(url))
	check(err)
	defer env.Close()
	name := args[1]
	exists, err := env.StreamExists(name)
	check(err)
	if !exists {
		check(env.DeclareStream(name, &stream.StreamOptions{MaxLengthBytes: stream.ByteCapacity{}.B(*maxBytes)}))
	}
	switch args[0] {
	case "send":
		n := 1
		if len(args) > 2 {
			n, err = strconv.Atoi(args[2])
			check(err)
		}
		send(env, name, n)
	case "receive":
		from := "first"
		if len(args) > 2 {
			from = args[2]
		}
		receive(env, name, from)
	default:
		fmt.Fprintln(os.Stderr, "streamtutorial: send or receive, not", args[0])
		os.Exit(2)
	}
}

func send(env *stream.Environment, name string, n int) {
	producer, err := env.NewProducer(name, stream.NewProducerOptions())
	check(err)
	confirms := producer.NotifyPublishConfirmation()
	done := make(chan struct{})
	go func() {
		confirmed := 0
		for batch := range confirms {
			for _, c := range batch {
				if c.IsConfirmed() {
					confirmed++
				}
			}
			if confirmed == n {
				close(done)
				return
			}
		}
	}()
	for i := 1; i <= n; i++ {
		body := "hello " + strconv.Itoa(i)
		if i == n {
			body = "marker"
		}
		check(producer.Send(amqp.NewMessage([]byte(body))))
	}
	<-done
	fmt.Printf(" [x] %d messages sent and confirmed\n", n)
	check(producer.Close())
}

func receive(env *stream.Environment, name, from string) {
	offset := stream.OffsetSpecification{}.First()
	switch from {
	case "first":
	case "last":
		offset = stream.OffsetSpecification{}.Last()
	case "next":
		offset = stream.OffsetSpecification{}.Next()
	default:
		n, err := strconv.ParseInt(from, 10, 64)
		check(err)
		offset = stream.OffsetSpecification{}.Offset(n)
	}
	handle := func(ctx stream.ConsumerContext, m *amqp.Message) {
		fmt.Printf(" [x] offset %d: %s\n", ctx.Consumer.GetOffset(), m.GetData())
		// Store the position after each message, as the offset-tracking
		// tutorial does every few: the broker then knows where it is.
		check(ctx.Consumer.StoreOffset())
	}
	consumer, err := env.NewConsumer(name, handle, stream.NewConsumerOptions().
		SetConsumerName("streamtutorial").SetManualCommit().SetOffset(offset))
	check(err)
	fmt.Println(" [*] Waiting for messages. Close standard input to stop.")
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	select {
	case <-stop:
	case <-interrupt:
	}
	check(consumer.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "streamtutorial:", err)
		os.Exit(1)
	}
}
