package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop on its own: tasks, timers, wakeups, failures, and the selector rebuild. */
class EventBaseTest {

    private final EventBase loop = new EventBase(0, "test-loop").start();

    @AfterEach
    void stop() throws InterruptedException {
        loop.shutdown();
        assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void runsPostedTasksInOrderOnTheLoopThread() throws InterruptedException {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 100; i++) {
            int n = i;
            loop.execute(() -> {
                seen.add(n);
                ranOn.set(Thread.currentThread());
                assertThat(loop.inLoop()).isTrue();
            });
        }
        loop.execute(done::countDown);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(100).isSorted();
        assertThat(ranOn.get()).isSameAs(loop.thread());
        assertThat(loop.inLoop()).isFalse();
    }

    @Test
    void doesNotExitWhenNothingIsRegistered() throws InterruptedException {
        Thread.sleep(200); // nothing registered, no task, no timer: the loop must wait, not leave
        assertThat(loop.thread().isAlive()).isTrue();
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void firesTimersInDeadlineOrderAndSkipsCancelledOnes() throws InterruptedException {
        List<String> fired = new CopyOnWriteArrayList<>();
        CountDownLatch last = new CountDownLatch(1);
        loop.schedule(() -> fired.add("late"), 150, TimeUnit.MILLISECONDS);
        loop.schedule(() -> fired.add("early"), 50, TimeUnit.MILLISECONDS);
        Scheduled cancelled = loop.schedule(() -> fired.add("cancelled"), 100, TimeUnit.MILLISECONDS);
        cancelled.cancel();
        long start = System.nanoTime();
        loop.schedule(last::countDown, 200, TimeUnit.MILLISECONDS);
        assertThat(last.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(fired).containsExactly("early", "late");
    }

    @Test
    void aThrowingTaskDoesNotStopTheLoop() throws InterruptedException {
        loop.execute(() -> {
            throw new IllegalStateException("boom");
        });
        CountDownLatch after = new CountDownLatch(1);
        loop.execute(after::countDown);
        assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void manyPostsWhileBlockedCostFewIterations() throws InterruptedException {
        int posts = 100_000;
        CountDownLatch done = new CountDownLatch(posts);
        long before = loop.stats().iterations();
        Thread poster = new Thread(() -> {
            for (int i = 0; i < posts; i++) {
                loop.execute(done::countDown);
            }
        });
        poster.start();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        poster.join();
        long iterations = loop.stats().iterations() - before;
        // One wakeup per iteration at most: the tasks are batched, so iterations are far fewer than posts.
        assertThat(iterations).isLessThan(posts / 4);
        // Counted after each task returns, so the last count may trail the latch by a moment.
        await().atMost(Duration.ofSeconds(10)).until(() -> loop.stats().tasksRun() >= posts);
    }

    @Test
    void aThrowingIoHandlerIsToldAndTheLoopGoesOn() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        AtomicInteger failures = new AtomicInteger();
        loop.execute(() -> {
            try {
                loop.register(pipe.source(), SelectionKey.OP_READ, new IoHandle() {
                    @Override
                    public void handleIo(int readyOps) {
                        throw new IllegalStateException("handler bug");
                    }

                    @Override
                    public void handleFailure(Throwable cause) {
                        failures.incrementAndGet();
                        try {
                            pipe.source().close();
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    }
                });
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() == 1);
        CountDownLatch alive = new CountDownLatch(1);
        loop.execute(alive::countDown);
        assertThat(alive.await(10, TimeUnit.SECONDS)).isTrue();
        pipe.sink().close();
    }

    @Test
    void aRebuiltSelectorKeepsItsChannelsWorking() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        AtomicInteger bytes = new AtomicInteger();
        IoHandle reader = new IoHandle() {
            @Override
            public void handleIo(int readyOps) throws IOException {
                ByteBuffer b = ByteBuffer.allocate(16);
                int n = pipe.source().read(b);
                if (n > 0) {
                    bytes.addAndGet(n);
                }
            }

            @Override
            public void handleFailure(Throwable cause) {
            }
        };
        CountDownLatch rebuilt = new CountDownLatch(1);
        loop.execute(() -> {
            try {
                loop.register(pipe.source(), SelectionKey.OP_READ, reader);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            loop.rebuildSelector();
            rebuilt.countDown();
        });
        assertThat(rebuilt.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.selectorRebuilds()).isEqualTo(1);
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        await().atMost(Duration.ofSeconds(10)).until(() -> bytes.get() == 3);
        pipe.sink().close();
        pipe.source().close();
    }

    @Test
    void countsPrematureReturnsOnlyWhenNothingExplainsThem() {
        assertThat(loop.isPremature(0, 1000, TimeUnit.MILLISECONDS.toNanos(1))).isTrue();
        assertThat(loop.isPremature(1, 1000, TimeUnit.MILLISECONDS.toNanos(1))).isFalse();
        assertThat(loop.isPremature(0, 1000, TimeUnit.MILLISECONDS.toNanos(999))).isFalse();
        assertThat(loop.isPremature(0, 0, TimeUnit.MILLISECONDS.toNanos(5))).isTrue();
    }

    @Test
    void namesLambdaCallbacksAfterTheirClass() {
        Runnable lambda = () -> { };
        assertThat(LoopStats.describe(lambda)).isEqualTo(EventBaseTest.class.getName() + " (lambda)");
        assertThat(LoopStats.describe("text")).isEqualTo("java.lang.String");
    }
}
