package io.evbase.boot;

import io.micrometer.common.docs.KeyName;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.docs.MeterDocumentation;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Every {@code evbase.*} meter, in one place (after Reactor Netty's {@code ConnectionProviderMeters}): its name,
 * type, base unit, tags and description. The binders ({@link EventLoopMetrics}, {@link ListenerMetrics},
 * {@link BufferMetrics}) build their meters only through these constants, and {@code docs/metrics.md} lists them
 * (a test keeps the two equal).
 *
 * <p>Names follow Micrometer's conventions: dotted, lower case, the unit left to the base unit, which Prometheus
 * appends ({@code evbase.data.read} in bytes is {@code evbase_data_read_bytes_total}).
 *
 * <p>Threading: immutable.
 */
public enum EvbaseMeters implements MeterDocumentation {

    // ---------------------------------------------------------------- loops

    /** Busy ratio over a recent window: the share of wall time the loop spent working rather than waiting. */
    LOOP_LOAD("evbase.loop.load", Meter.Type.GAUGE, null,
            "Share of wall time the loop spent working rather than waiting for events, over the window",
            Tag.LOOP, Tag.WINDOW),

    /** Cumulative busy time; {@code rate()} of it is the busy ratio over any window. */
    LOOP_BUSY("evbase.loop.busy", Meter.Type.COUNTER, "seconds",
            "Time the loop spent working rather than waiting for events, since it started", Tag.LOOP),

    LOOP_TASKS_PENDING("evbase.loop.tasks.pending", Meter.Type.GAUGE, null,
            "Tasks posted to the loop and not yet run", Tag.LOOP),

    /** A histogram with fixed buckets ({@link EventLoopMetrics#LATENCY_BUCKETS}), so quantiles add up across pods. */
    LOOP_TASK_LATENCY("evbase.loop.task.latency", Meter.Type.TIMER, "seconds",
            "Time from posting a task to the loop to running it", Tag.LOOP),

    LOOP_ITERATIONS("evbase.loop.iterations", Meter.Type.COUNTER, null,
            "Loop iterations: wait for events, handle them, run timers and tasks", Tag.LOOP),

    LOOP_STALLS("evbase.loop.stalls", Meter.Type.COUNTER, null,
            "Times the loop was stuck in one iteration for longer than the stall threshold", Tag.LOOP),

    // ---------------------------------------------------------------- listeners

    CONNECTIONS_ACTIVE("evbase.connections.active", Meter.Type.GAUGE, null, "Open connections", Tag.LISTENER),

    CONNECTIONS_ACCEPTED("evbase.connections.accepted", Meter.Type.COUNTER, null, "Connections accepted",
            Tag.LISTENER),

    CONNECTIONS_REJECTED("evbase.connections.rejected", Meter.Type.COUNTER, null,
            "Connections refused at accept time", Tag.LISTENER, Tag.REASON),

    CONNECTIONS_CLOSED("evbase.connections.closed", Meter.Type.COUNTER, null, "Connections closed",
            Tag.LISTENER, Tag.REASON),

    DATA_READ("evbase.data.read", Meter.Type.COUNTER, BaseUnits.BYTES,
            "Bytes read from the listener's connections", Tag.LISTENER),

    DATA_WRITTEN("evbase.data.written", Meter.Type.COUNTER, BaseUnits.BYTES,
            "Bytes written to the listener's connections", Tag.LISTENER),

    // ---------------------------------------------------------------- buffers

    BUFFER_POOL_BUDGET("evbase.buffer.pool.budget", Meter.Type.GAUGE, BaseUnits.BYTES,
            "Direct memory the buffer pool never exceeds"),

    BUFFER_POOL_ALLOCATED("evbase.buffer.pool.allocated", Meter.Type.GAUGE, BaseUnits.BYTES,
            "Direct memory the buffer pool holds, in use or cached"),

    BUFFER_POOL_USED("evbase.buffer.pool.used", Meter.Type.GAUGE, BaseUnits.BYTES,
            "Pooled memory held by connections' buffers"),

    BUFFER_POOL_CACHED("evbase.buffer.pool.cached", Meter.Type.GAUGE, BaseUnits.BYTES,
            "Pooled memory kept free for reuse, in loop caches and the shared list"),

    BUFFER_CONNECTIONS_INPUT("evbase.buffer.connections.input", Meter.Type.GAUGE, BaseUnits.BYTES,
            "Unconsumed bytes in connections' input buffers", Tag.LOOP),

    BUFFER_CONNECTIONS_OUTPUT("evbase.buffer.connections.output", Meter.Type.GAUGE, BaseUnits.BYTES,
            "Bytes queued in connections' output buffers", Tag.LOOP),

    // ---------------------------------------------------------------- TLS listeners

    TLS_HANDSHAKES("evbase.tls.handshakes", Meter.Type.COUNTER, null, "TLS handshakes completed", Tag.LISTENER),

    TLS_HANDSHAKES_FAILED("evbase.tls.handshakes.failed", Meter.Type.COUNTER, null,
            "TLS handshakes that failed or timed out", Tag.LISTENER, Tag.REASON),

    /** Count and total time of the completed handshakes, from the connection's accept. */
    TLS_HANDSHAKE_DURATION("evbase.tls.handshake.duration", Meter.Type.TIMER, "seconds",
            "Time completed TLS handshakes took, from accept to the handshake's end", Tag.LISTENER),

    /** One series per protocol negotiated so far (added when first seen). */
    TLS_HANDSHAKES_PROTOCOL("evbase.tls.handshakes.protocol", Meter.Type.COUNTER, null,
            "TLS handshakes completed, by negotiated protocol", Tag.LISTENER, Tag.PROTOCOL),

    /** One series per cipher suite negotiated so far (added when first seen). */
    TLS_HANDSHAKES_CIPHER("evbase.tls.handshakes.cipher", Meter.Type.COUNTER, null,
            "TLS handshakes completed, by negotiated cipher suite", Tag.LISTENER, Tag.CIPHER),

    TLS_ERRORS("evbase.tls.errors", Meter.Type.COUNTER, null,
            "Established TLS connections cut by the TLS layer (renegotiation refused, a broken record)",
            Tag.LISTENER, Tag.REASON),

    /** Alert on it: {@code evbase_tls_certificate_expiry_seconds < 7 * 86400}. */
    TLS_CERTIFICATE_EXPIRY("evbase.tls.certificate.expiry", Meter.Type.GAUGE, "seconds",
            "Time until the certificate the listener presents expires, negative once it has", Tag.LISTENER),

    TLS_RELOADS("evbase.tls.reloads", Meter.Type.COUNTER, null,
            "Certificate reloads applied without a restart", Tag.LISTENER),

    TLS_RELOAD_FAILURES("evbase.tls.reload.failures", Meter.Type.COUNTER, null,
            "Certificate reloads that failed; the last good certificate stays", Tag.LISTENER);

    /** The tags of the evbase meters. */
    public enum Tag implements KeyName {
        /** The loop's id, as in {@code /actuator/reactor/loops/{id}}. */
        LOOP("loop"),
        /** The load window: {@code 1s}, {@code 10s}, {@code 60s}. */
        WINDOW("window"),
        /** The listener's name, as in {@code evbase.listeners.<name>}. */
        LISTENER("listener"),
        /** Why a connection was refused or closed, or a TLS handshake failed, lower case. */
        REASON("reason"),
        /** A negotiated TLS protocol, e.g. {@code TLSv1.3}. */
        PROTOCOL("protocol"),
        /** A negotiated TLS cipher suite, e.g. {@code TLS_AES_128_GCM_SHA256}. */
        CIPHER("cipher");

        private final String key;

        Tag(String key) {
            this.key = key;
        }

        @Override
        public String asString() {
            return key;
        }

        public io.micrometer.core.instrument.Tag of(String value) {
            return io.micrometer.core.instrument.Tag.of(key, value);
        }
    }

    private final String name;
    private final Meter.Type type;
    private final @Nullable String baseUnit;
    private final String description;
    private final Tag[] tags;

    EvbaseMeters(String name, Meter.Type type, @Nullable String baseUnit, String description, Tag... tags) {
        this.name = name;
        this.type = type;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tags = tags;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Meter.Type getType() {
        return type;
    }

    @Override
    public @Nullable String getBaseUnit() {
        return baseUnit;
    }

    @Override
    public KeyName[] getKeyNames() {
        return tags.clone();
    }

    public String description() {
        return description;
    }

    /** Whether the meter exists only while a listener serves TLS (the {@code evbase.tls.*} meters). */
    public boolean tlsOnly() {
        return name.startsWith("evbase.tls.");
    }

    /**
     * The series a timer adds to its {@link #prometheusName()}: a histogram's buckets, count, sum and max; for the
     * TLS handshake duration, kept as a count and a total by the listener, count and sum only. Empty for others.
     */
    public List<String> timerSuffixes() {
        if (type != Meter.Type.TIMER) {
            return List.of();
        }
        return this == TLS_HANDSHAKE_DURATION ? List.of("_count", "_sum") : List.of("_bucket", "_count", "_sum", "_max");
    }

    /** The tag keys, in order. */
    public List<String> tagKeys() {
        return Arrays.stream(tags).map(Tag::asString).toList();
    }

    /**
     * The series name Prometheus shows: dots to underscores, the base unit appended, {@code _total} for counters;
     * a timer's series add {@code _bucket}, {@code _count}, {@code _sum} and {@code _max} to it.
     */
    public String prometheusName() {
        String n = name.replace('.', '_');
        if (baseUnit != null && !n.endsWith("_" + baseUnit)) {
            n += "_" + baseUnit.toLowerCase(Locale.ROOT);
        }
        return type == Meter.Type.COUNTER ? n + "_total" : n;
    }

    // ---------------------------------------------------------------- builders the binders use

    <T> Gauge.Builder<T> gauge(T obj, ToDoubleFunction<T> value) {
        expect(Meter.Type.GAUGE);
        return Gauge.builder(name, obj, value).description(description).baseUnit(baseUnit);
    }

    <T> FunctionCounter.Builder<T> functionCounter(T obj, ToDoubleFunction<T> value) {
        expect(Meter.Type.COUNTER);
        return FunctionCounter.builder(name, obj, value).description(description).baseUnit(baseUnit);
    }

    <T> FunctionTimer.Builder<T> functionTimer(T obj, ToLongFunction<T> count, ToDoubleFunction<T> totalNanos) {
        expect(Meter.Type.TIMER);
        return FunctionTimer.builder(name, obj, count, totalNanos, TimeUnit.NANOSECONDS).description(description);
    }

    Timer.Builder timer() {
        expect(Meter.Type.TIMER);
        return Timer.builder(name).description(description);
    }

    /** Checks that {@code tags} are exactly this meter's tag keys; binders call it through the builders' tags. */
    Tags tags(String... keysAndValues) {
        Tags t = Tags.of(keysAndValues);
        List<String> keys = t.stream().map(io.micrometer.core.instrument.Tag::getKey).sorted().toList();
        if (!keys.equals(tagKeys().stream().sorted().toList())) {
            throw new IllegalArgumentException(name + " takes the tags " + tagKeys() + ", not " + keys);
        }
        return t;
    }

    private void expect(Meter.Type expected) {
        if (type != expected) {
            throw new IllegalStateException(name + " is a " + type + ", not a " + expected);
        }
    }
}
