package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.support.NonReadingClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.health.contributor.Status;

/** The readiness indicator over a real server: UP while serving, OUT_OF_SERVICE as soon as it drains. */
class EvbaseReadinessStateHealthIndicatorTest {

    @Test
    void refusesTrafficWhileTheServerDrains() throws Exception {
        Server server = new Server(new EventBaseGroup(1, "readiness-loop-", Dispatch.ROUND_ROBIN),
                new BufferPool(16 * 1024, 1 << 20, 16 << 20),
                List.of(new ListenerSpec("echo", "echo", "127.0.0.1", 0, 128, new EchoHandler(), Duration.ZERO,
                        Duration.ZERO, Duration.ZERO, 1 << 20, 1 << 20, 256 << 10, 100, 128, null)));
        server.start();
        EvbaseReadinessStateHealthIndicator readiness = new EvbaseReadinessStateHealthIndicator(
                new Fixed(ReadinessState.ACCEPTING_TRAFFIC), server);
        assertThat(readiness.health().getStatus()).isEqualTo(Status.UP);

        CompletableFuture<Boolean> drained;
        try (NonReadingClient hog = NonReadingClient.connect(server.listener("echo").port(), 64 * 1024)
                .writeInBackground(8L << 20)) {
            // wait until the server holds output for the client: the drain cannot finish before it leaves
            await().atMost(Duration.ofSeconds(15)).until(() -> server.outputBytes() > 0);
            drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.shutdown(Duration.ofSeconds(20));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(15)).until(() -> readiness.health().getStatus()
                    .equals(Status.OUT_OF_SERVICE));
            assertThat(drained).isNotDone();
        }
        drained.get(20, TimeUnit.SECONDS); // the client left: the drain ends
        assertThat(readiness.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    }

    @Test
    void followsTheApplicationsStateOtherwise() throws Exception {
        Server server = new Server(new EventBaseGroup(1, "readiness-loop-", Dispatch.ROUND_ROBIN),
                new BufferPool(16 * 1024, 1 << 20, 16 << 20), List.of());
        EvbaseReadinessStateHealthIndicator readiness = new EvbaseReadinessStateHealthIndicator(
                new Fixed(ReadinessState.REFUSING_TRAFFIC), server);
        assertThat(readiness.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        server.start();
        server.shutdown(Duration.ofSeconds(5));
    }

    /** An application whose readiness state is fixed. */
    private record Fixed(ReadinessState readiness) implements ApplicationAvailability {

        @Override
        @SuppressWarnings("unchecked")
        public <S extends AvailabilityState> S getState(Class<S> type, S defaultState) {
            return type == ReadinessState.class ? (S) readiness : defaultState;
        }

        @Override
        public <S extends AvailabilityState> S getState(Class<S> type) {
            return getState(type, null);
        }

        @Override
        public <S extends AvailabilityState> AvailabilityChangeEvent<S> getLastChangeEvent(Class<S> type) {
            return null;
        }
    }
}
