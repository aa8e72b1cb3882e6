package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop on its own: tasks, timers, wakeups, failures, registrations and the selector rebuild. Every assertion
 * runs on the test thread: what a loop task sees is carried back (an assertion inside a task would only be logged
 * by the loop's guard).
 */
class EventBaseTest {

    private final EventBase loop = new EventBase(0, "test-loop").start();
    private final List<Pipe> pipes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        loop.shutdown();
        assertThat(loop.awaitTermination(Duration.ofSeconds(10))).isTrue();
        for (Pipe p : pipes) {
            p.sink().close();
            p.source().close();
        }
    }

    /** Runs {@code work} on the loop and hands its result, or its failure, back to the test thread. */
    private <T> T onLoop(Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    private Pipe pipe() throws IOException {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        pipes.add(pipe);
        return pipe;
    }

    /** Counts the bytes read from a pipe, and whether (and on which thread) the loop said it lost the registration. */
    private static final class PipeReader implements IoHandle {
        final Pipe pipe;
        final AtomicInteger bytes = new AtomicInteger();
        final AtomicReference<Throwable> lost = new AtomicReference<>();
        final AtomicReference<Thread> lostOn = new AtomicReference<>();

        PipeReader(Pipe pipe) {
            this.pipe = pipe;
        }

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

        @Override
        public void registrationLost(Throwable cause) {
            lostOn.set(Thread.currentThread());
            lost.set(cause);
        }
    }

    @Test
    void runsPostedTasksInOrderOnTheLoopThread() throws InterruptedException {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        List<Boolean> inLoop = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 100; i++) {
            int n = i;
            loop.execute(() -> {
                seen.add(n);
                ranOn.add(Thread.currentThread());
                inLoop.add(loop.inLoop());
            });
        }
        loop.execute(done::countDown);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).hasSize(100).isSorted();
        assertThat(ranOn).hasSize(100).allMatch(t -> t == loop.thread());
        assertThat(inLoop).hasSize(100).containsOnly(true);
        assertThat(loop.inLoop()).isFalse();
    }

    @Test
    void doesNotExitWhenNothingIsRegistered() throws InterruptedException {
        // Nothing registered, no task, no timer: the loop must wait, not leave.
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10))
                .until(() -> loop.thread().isAlive() && !loop.isTerminated());
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
        assertThat(System.nanoTime() - start).as("a timer never fires early")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(fired).containsExactly("early", "late");
    }

    @Test
    void aThrowingTaskDoesNotStopTheLoop() throws InterruptedException {
        try (Quiet quiet = Quiet.logger(EventBase.class)) {
            loop.execute(() -> {
                throw new IllegalStateException("boom");
            });
            CountDownLatch after = new CountDownLatch(1);
            loop.execute(after::countDown);
            assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
        }
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
    void aThrowingIoHandleIsToldAndTheLoopGoesOn() throws Exception {
        Pipe pipe = pipe();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<Throwable> told = new AtomicReference<>();
        onLoop(() -> loop.register(pipe.source(), SelectionKey.OP_READ, new IoHandle() {
            @Override
            public void handleIo(int readyOps) {
                throw new IllegalStateException("handler bug");
            }

            @Override
            public void handleFailure(Throwable cause) {
                told.set(cause);
                failures.incrementAndGet();
                try {
                    pipe.source().close();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void registrationLost(Throwable cause) {
            }
        }));
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() == 1);
        assertThat(told.get()).isInstanceOf(IllegalStateException.class).hasMessage("handler bug");
        assertThat(onLoop(() -> "alive")).isEqualTo("alive");
    }

    @Test
    void aRegistrationChangesItsInterestAndIsGivenBackByCancel() throws Exception {
        Pipe pipe = pipe();
        PipeReader reader = new PipeReader(pipe);
        IoRegistration registration = onLoop(() -> loop.register(pipe.source(), 0, reader));
        assertThat(loop.registeredChannels()).isEqualTo(1);
        onLoop(() -> {
            registration.addInterest(SelectionKey.OP_READ);
            return null;
        });
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1, 2}));
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.bytes.get() == 2);
        List<Object> after = onLoop(() -> {
            int ops = registration.interestOps();
            registration.cancel();
            registration.cancel(); // idempotent: counted once
            return List.of(ops, registration.isValid(), pipe.source().isOpen());
        });
        assertThat(after).containsExactly(SelectionKey.OP_READ, false, true);
        assertThat(loop.registeredChannels()).isZero();
    }

    @Test
    void aRebuiltSelectorKeepsItsRegistrationsWorking() throws Exception {
        Pipe pipe = pipe();
        PipeReader reader = new PipeReader(pipe);
        IoRegistration registration = onLoop(() -> loop.register(pipe.source(), SelectionKey.OP_READ, reader));
        try (Quiet quiet = Quiet.logger(EventBase.class)) {
            loop.rebuildSelector(); // from the test thread: posted to the loop
            await().atMost(Duration.ofSeconds(10)).until(() -> loop.selectorRebuilds() == 1);
        }
        assertThat(onLoop(registration::isValid)).isTrue();
        assertThat(loop.registeredChannels()).isEqualTo(1);
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.bytes.get() == 3);
        // The same registration object goes on working against the new selector.
        onLoop(() -> {
            registration.removeInterest(SelectionKey.OP_READ);
            registration.addInterest(SelectionKey.OP_READ);
            return null;
        });
        pipe.sink().write(ByteBuffer.wrap(new byte[] {4}));
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.bytes.get() == 4);
        assertThat(reader.lost.get()).isNull();
    }

    @Test
    void aRebuildThatCannotMoveARegistrationTellsItsOwner() throws Exception {
        Pipe kept = pipe();
        Pipe gone = pipe();
        PipeReader keptReader = new PipeReader(kept);
        PipeReader goneReader = new PipeReader(gone);
        IoRegistration keptRegistration = onLoop(() -> loop.register(kept.source(), SelectionKey.OP_READ, keptReader));
        IoRegistration goneRegistration = onLoop(() -> loop.register(gone.source(), SelectionKey.OP_READ, goneReader));
        assertThat(loop.registeredChannels()).isEqualTo(2);
        gone.source().close(); // behind the loop's back: the selector never reports a closed channel
        try (Quiet quiet = Quiet.logger(EventBase.class)) {
            loop.rebuildSelector();
            await().atMost(Duration.ofSeconds(10)).until(() -> goneReader.lost.get() != null);
        }
        assertThat(goneReader.lost.get()).isInstanceOf(ClosedChannelException.class);
        assertThat(goneReader.lostOn.get()).isSameAs(loop.thread());
        assertThat(onLoop(() -> List.of(goneRegistration.isValid(), keptRegistration.isValid())))
                .containsExactly(false, true);
        assertThat(loop.registeredChannels()).isEqualTo(1);
        kept.sink().write(ByteBuffer.wrap(new byte[] {1, 2}));
        await().atMost(Duration.ofSeconds(10)).until(() -> keptReader.bytes.get() == 2);
        assertThat(keptReader.lost.get()).isNull();
    }

    @Test
    void aTaskIsEitherRunOrRefusedNeverDropped() throws Exception {
        EventBase other = new EventBase(1, "stopping-loop").start();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger taken = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch posting = new CountDownLatch(1);
        Thread poster = new Thread(() -> {
            int afterTermination = 0;
            while (afterTermination < 100) {
                if (other.isTerminated()) {
                    afterTermination++;
                }
                try {
                    other.execute(ran::incrementAndGet);
                    taken.incrementAndGet();
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    refused.incrementAndGet();
                }
                posting.countDown();
                java.util.concurrent.locks.LockSupport.parkNanos(1_000); // a pace the loop drains, so it can stop
            }
        });
        poster.start();
        assertThat(posting.await(10, TimeUnit.SECONDS)).isTrue();
        other.shutdown();
        assertThat(other.awaitTermination(Duration.ofSeconds(10))).isTrue();
        poster.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(poster.isAlive()).isFalse();
        assertThat(refused.get()).as("posts after termination are refused").isGreaterThanOrEqualTo(100);
        assertThat(ran.get()).as("every task the loop took ran").isEqualTo(taken.get());
        assertThat(other.pendingTasks()).isZero();
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.RejectedExecutionException.class,
                () -> other.schedule(() -> { }, 1, TimeUnit.MILLISECONDS))).hasMessageContaining("stopping-loop");
        other.shutdown(); // again: a no-op, not an exception
    }

    @Test
    void anInterruptedLoopThreadClearsItsInterruptSaysSoAndGoesOn() throws Exception {
        long before = loop.interrupts();
        try (Quiet quiet = Quiet.logger(EventBase.class)) {
            loop.execute(() -> Thread.currentThread().interrupt()); // a task that swallows an interrupt badly
            await().atMost(Duration.ofSeconds(10)).until(() -> loop.interrupts() == before + 1);
        }
        // The loop goes on blocking in its selector (it would spin with the status left set): a timer fires on time
        // after few iterations.
        long iterations = loop.stats().iterations();
        CountDownLatch fired = new CountDownLatch(1);
        loop.schedule(fired::countDown, 100, TimeUnit.MILLISECONDS);
        assertThat(fired.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.stats().iterations() - iterations).isLessThan(50);
        assertThat(onLoop(() -> Thread.currentThread().isInterrupted())).isFalse();
        assertThat(loop.selectorRebuilds()).isZero();
    }

    @Test
    void judgingASelectReturnLeavesTheInterruptStatusAlone() {
        Thread.currentThread().interrupt();
        try {
            loop.isPremature(0, 1000, TimeUnit.MILLISECONDS.toNanos(1));
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
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

    /** Silences a logger for a test whose failures are deliberate, so a green build log reads green. */
    static final class Quiet implements AutoCloseable {
        private final Logger logger;
        private final Level level;

        private Quiet(Logger logger) {
            this.logger = logger;
            this.level = logger.getLevel();
            logger.setLevel(Level.OFF);
        }

        static Quiet logger(Class<?> type) {
            return new Quiet(Logger.getLogger(type.getName()));
        }

        @Override
        public void close() {
            logger.setLevel(level);
        }
    }
}
