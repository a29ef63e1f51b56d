package main

import (
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// bareQueue declares a fresh queue q on a connection of its own; done
// deletes it and closes the connection.
func bareQueue(q string) (ch *amqp.Channel, done func(), err error) {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return nil, nil, err
	}
	if ch, err = conn.Channel(); err == nil {
		_, _ = ch.QueueDelete(q, false, false, false)
		_, err = ch.QueueDeclare(q, false, false, false, false, nil)
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return ch, func() {
		_, _ = ch.QueueDelete(q, false, false, false)
		conn.Close()
	}, nil
}

// publishConfirmed publishes n stamped 100-byte bodies to q with confirms,
// a thousand outstanding at most, and waits for the last confirm.
func publishConfirmed(ch *amqp.Channel, q string, n int) error {
	if err := ch.Confirm(false); err != nil {
		return err
	}
	window := make([]*amqp.DeferredConfirmation, 0, 1000)
	wait := func() error {
		for _, w := range window {
			if !w.Wait() {
				return errors.New("a publish was nacked")
			}
		}
		window = window[:0]
		return nil
	}
	for range n {
		dc, err := ch.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: stamp()})
		if err != nil {
			return err
		}
		if window = append(window, dc); len(window) == cap(window) {
			if err := wait(); err != nil {
				return err
			}
		}
	}
	return wait()
}

// baseline is a bare amqp091-go publisher with confirms and a consumer
// with auto ack, as rabbitboard's receivers in (2): what a user who picks
// a bare client runs, no rabbitboard.
func baseline(n int) (*result, error) {
	q := "rabbitboard-bench-baseline"
	pub, done, err := bareQueue(q)
	if err != nil {
		return nil, err
	}
	defer done()
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	sub, _ := conn.Channel()
	deliveries, err := sub.Consume(q, "", true, false, false, false, nil)
	if err != nil {
		return nil, err
	}
	res := &result{}
	got := make(chan struct{})
	cpu := cpuNow(0)
	go func() {
		defer close(got)
		for d := range deliveries {
			if at, ok := sent(d.Body); ok {
				res.samples = append(res.samples, time.Since(at))
			}
			if len(res.samples) == n {
				return
			}
		}
	}()
	start := time.Now()
	if err := publishConfirmed(pub, q, n); err != nil {
		return nil, err
	}
	select {
	case <-got:
	case <-time.After(time.Minute):
		return nil, errors.New("the consumer never got everything")
	}
	res.rate = float64(n) / time.Since(start).Seconds()
	res.cpu = cpuNow(0).sub(cpu)
	return res, nil
}

// pipelineBare is (1) with a bare gorilla fan-out of each delivery to
// nviewers viewers that decode every frame: rabbitboard's like-for-like.
// The bare client and its fan-out run in a process of their own, whose
// CPU is read in the dashboard's place.
func pipelineBare(n, nviewers int) (*result, error) {
	bp, err := startBareProcess("rabbitboard-bench-bare")
	if err != nil {
		return nil, err
	}
	defer bp.close()
	return measureBare(bp.URL, bp.cmd.Process.Pid, n, nviewers, func() error { return bp.publish(n) })
}

// pipelineBareInProcess is pipelineBare with the bare client and fan-out
// in the bench's own process, beside the viewers, as a harness written
// around them runs them: the Go runtime then schedules the fan-out and
// the viewers together, which a dashboard in a process of its own cannot.
func pipelineBareInProcess(n, nviewers int) (*result, error) {
	q := "rabbitboard-bench-bare"
	bf, err := startBareFanout(q)
	if err != nil {
		return nil, err
	}
	defer bf.close()
	return measureBare(bf.URL, 0, n, nviewers, func() error { return publishConfirmed(bf.pub, q, n) })
}

// measureBare connects nviewers viewers to a bare fan-out at url, runs
// publish and times n messages to the last viewer, reading the CPU of
// process pid (0: none apart from the bench's).
func measureBare(url string, pid, n, nviewers int, publish func() error) (*result, error) {
	vs, err := viewers(url, nviewers, reading{decode: true})
	if err != nil {
		return nil, err
	}
	defer closeViewers(vs)
	cpu := cpuNow(pid)
	start := time.Now()
	if err := publish(); err != nil {
		return nil, err
	}
	if err := waitAll(vs, int64(n), 2*time.Minute); err != nil {
		return nil, fmt.Errorf("bare fan-out: %w", err)
	}
	return &result{rate: float64(n) / time.Since(start).Seconds(), cpu: cpuNow(pid).sub(cpu)}, nil
}
