package io.evbase.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.support.LoopHold;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatch policies on real loops, without sockets: a pick reserves a hand-off place, and the places reserved
 * and not yet taken up count for the next pick, as the acceptor's burst of accepts does.
 */
class EventBaseGroupTest {

    private static final long NO_STALL = TimeUnit.MINUTES.toNanos(10);
    private final List<LoopHold> holds = new ArrayList<>();
    private EventBaseGroup group;

    private EventBaseGroup start(Dispatch dispatch) {
        group = new EventBaseGroup(2, "group-", dispatch).start();
        return group;
    }

    @AfterEach
    void stop() throws InterruptedException {
        holds.forEach(LoopHold::release);
        if (group != null) {
            assertThat(group.shutdown(Duration.ofSeconds(10))).isTrue();
        }
    }

    /** Keeps {@code loop} working in one iteration until the test ends. */
    private void hold(EventBase loop) throws InterruptedException {
        holds.add(LoopHold.on(loop));
    }

    /** Picks {@code n} times, counting each pick as received, and returns the picks per loop id. */
    private int[] pick(int n, int maxPending, long stallNanos) {
        int[] perLoop = new int[group.size()];
        for (int i = 0; i < n; i++) {
            EventBaseGroup.Pick pick = group.reserveHandOff(maxPending, stallNanos);
            assertThat(pick).isNotNull();
            group.received(pick);
            perLoop[pick.loop().id()]++;
        }
        return perLoop;
    }

    @Test
    void leastConnectionsSpreadsABurstByCountingHandOffsNotYetOpened() {
        start(Dispatch.LEAST_CONNECTIONS);
        // Nothing is opened during the burst (the acceptor outruns the loops): only the hand-offs tell the loops apart.
        assertThat(pick(64, 4096, NO_STALL)).containsExactly(32, 32);
        assertThat(group.loops().get(0).pendingHandOffs()).isEqualTo(32);
        EventBase loop0 = group.loops().get(0);
        assertThat(group.received(loop0, Dispatch.LEAST_CONNECTIONS) + group.received(loop0, Dispatch.ROUND_ROBIN))
                .isEqualTo(32);
    }

    @Test
    void leastConnectionsCountsRegisteredChannelsAndHandOffsTogether() throws Exception {
        start(Dispatch.LEAST_CONNECTIONS);
        EventBase loop0 = group.loops().get(0);
        List<Pipe> pipes = List.of(Pipe.open(), Pipe.open());
        try {
            CompletableFuture<Void> registered = new CompletableFuture<>();
            loop0.execute(() -> {
                try {
                    for (Pipe p : pipes) {
                        p.source().configureBlocking(false);
                        loop0.register(p.source(), SelectionKey.OP_READ, new Ignoring());
                    }
                    registered.complete(null);
                } catch (Exception e) {
                    registered.completeExceptionally(e);
                }
            });
            registered.get(10, TimeUnit.SECONDS);
            assertThat(loop0.registeredChannels()).isEqualTo(2);
            // Loop 1 catches up by two, then they alternate: 2 + 4 = 0 + 6.
            assertThat(pick(10, 4096, NO_STALL)).containsExactly(4, 6);
        } finally {
            for (Pipe p : pipes) {
                p.sink().close();
                p.source().close();
            }
        }
    }

    /** A registered channel nobody reads. */
    private static final class Ignoring implements IoHandle {
        @Override
        public void handleIo(int readyOps) {
        }

        @Override
        public void handleFailure(Throwable cause) {
        }

        @Override
        public void registrationLost(Throwable cause) {
        }
    }

    @Test
    void roundRobinTakesEachLoopInTurnAndSkipsAFullOne() {
        start(Dispatch.ROUND_ROBIN);
        assertThat(pick(4, 3, NO_STALL)).containsExactly(2, 2);
        // Loop 0 has 2 of 3 places taken: one more, then every pick goes to loop 1 until it is full too.
        assertThat(pick(2, 3, NO_STALL)).containsExactly(1, 1);
        assertThat(group.reserveHandOff(3, NO_STALL)).as("both full: shed").isNull();
        group.loops().get(1).handOffDone();
        assertThat(group.reserveHandOff(3, NO_STALL).loop().id()).isEqualTo(1);
        assertThat(group.received(group.loops().get(0), Dispatch.ROUND_ROBIN)).isEqualTo(3);
    }

    @Test
    void leastLoadedSteersAwayFromABusyLoopAndCountsHandOffsOnTheWay() throws InterruptedException {
        start(Dispatch.LEAST_LOADED);
        EventBase busy = group.loops().get(0);
        EventBase idle = group.loops().get(1);
        hold(busy);
        await().atMost(Duration.ofSeconds(10)).until(() -> busy.recentLoad() > 0.5);
        // Each hand-off to the idle loop counts at least 0.01: twenty of them still leave it far below the busy one.
        assertThat(pick(20, 4096, NO_STALL)).containsExactly(0, 20);
        assertThat(group.received(idle, Dispatch.LEAST_LOADED)).isEqualTo(20);
        // Enough of them on the way and the idle loop is no longer the lighter one.
        int[] more = pick(200, 4096, NO_STALL);
        assertThat(more[0]).as("picks of the busy loop once the idle one has 100+ on their way").isPositive();
        assertThat(more[1]).isGreaterThan(more[0]);
    }

    @Test
    void leastLoadedBreaksTiesRoundRobin() {
        start(Dispatch.LEAST_LOADED);
        // Two idle loops: their loads are within the tie band, hand-offs on the way too (0.01 each).
        int[] perLoop = pick(10, 4096, NO_STALL);
        assertThat(perLoop).containsExactly(5, 5);
        assertThat(group.received(group.loops().get(0), Dispatch.ROUND_ROBIN)).isEqualTo(5);
        assertThat(group.received(group.loops().get(1), Dispatch.ROUND_ROBIN)).isEqualTo(5);
        assertThat(group.received(group.loops().get(0), Dispatch.LEAST_LOADED)).isZero();
    }

    @Test
    void aStalledLoopGetsConnectionsOnlyWhenNoOtherHasRoom() throws InterruptedException {
        start(Dispatch.LEAST_LOADED);
        EventBase stalled = group.loops().get(0);
        hold(stalled);
        long oneMilli = TimeUnit.MILLISECONDS.toNanos(1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> System.nanoTime() - stalled.workStartNanos() > 10 * oneMilli);
        assertThat(pick(5, 5, oneMilli)).containsExactly(0, 5);
        assertThat(pick(2, 5, oneMilli)).as("the other loop is full: the stalled one rather than shed")
                .containsExactly(2, 0);
    }

    @Test
    void aLoopThatStoppedIsNotPicked() throws InterruptedException {
        start(Dispatch.ROUND_ROBIN);
        EventBase stopped = group.loops().get(1);
        stopped.shutdown();
        assertThat(stopped.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(pick(4, 4096, NO_STALL)).containsExactly(4, 0);
        group.loops().get(0).shutdown();
        assertThat(group.reserveHandOff(4096, NO_STALL)).isNull();
    }
}
