package io.evbase.net.tls;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The TLS counters of one listener: handshakes completed and failed (by {@link TlsFailure}), the time handshakes
 * took, the protocols and cipher suites negotiated, and the errors that cut established connections.
 *
 * <p>Plain counters, no meter library: the boot module binds them to meters. Protocols and cipher suites are
 * counted under the names the JDK gives them; a name seen for the first time is reported once to the
 * {@linkplain #onFirstUse first-use listener}, so a binder can add a meter for it then.
 *
 * <p>Threading: thread-safe. Loops count, anyone reads.
 */
public final class TlsStats {

    /** What {@link #onFirstUse} reports: {@code ("protocol", "TLSv1.3")} or {@code ("cipher", "TLS_AES_128_GCM_SHA256")}. */
    public static final String PROTOCOL = "protocol";
    public static final String CIPHER = "cipher";

    private final LongAdder completed = new LongAdder();
    private final LongAdder handshakeNanos = new LongAdder();
    private final LongAccumulator maxHandshakeNanos = new LongAccumulator(Math::max, 0);
    private final Map<TlsFailure, LongAdder> failed = new EnumMap<>(TlsFailure.class);
    private final Map<TlsFailure, LongAdder> errors = new EnumMap<>(TlsFailure.class);
    private final ConcurrentHashMap<String, LongAdder> protocols = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> ciphers = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, String>> firstUse = new CopyOnWriteArrayList<>();

    public TlsStats() {
        for (TlsFailure f : TlsFailure.values()) {
            failed.put(f, new LongAdder());
            errors.put(f, new LongAdder());
        }
    }

    /**
     * Who to tell when a protocol or cipher suite is negotiated for the first time: called with ({@link #PROTOCOL}
     * or {@link #CIPHER}, its name) on the thread of that handshake, a loop, so it must return at once (hand the
     * work to another thread). Names seen before the listener is added are reported to it at once; a name seen
     * while it is added may be reported twice.
     */
    public void onFirstUse(BiConsumer<String, String> listener) {
        firstUse.add(listener);
        protocols.keySet().forEach(p -> listener.accept(PROTOCOL, p));
        ciphers.keySet().forEach(c -> listener.accept(CIPHER, c));
    }

    void handshakeCompleted(long nanos, String protocol, String cipher) {
        completed.increment();
        handshakeNanos.add(nanos);
        maxHandshakeNanos.accumulate(nanos);
        count(protocols, PROTOCOL, protocol);
        count(ciphers, CIPHER, cipher);
    }

    private void count(ConcurrentHashMap<String, LongAdder> map, String kind, String name) {
        LongAdder n = map.get(name);
        if (n == null) {
            LongAdder created = new LongAdder();
            n = map.putIfAbsent(name, created);
            if (n == null) {
                n = created;
                for (BiConsumer<String, String> l : firstUse) {
                    l.accept(kind, name);
                }
            }
        }
        n.increment();
    }

    void handshakeFailed(TlsFailure reason) {
        failed.get(reason).increment();
    }

    void error(TlsFailure reason) {
        errors.get(reason).increment();
    }

    /** Handshakes that finished. */
    public long handshakesCompleted() {
        return completed.sum();
    }

    /** Handshakes that failed for {@code reason}. */
    public long handshakesFailed(TlsFailure reason) {
        return failed.get(reason).sum();
    }

    /** Handshakes that failed, for any reason. */
    public long handshakesFailed() {
        return failed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Established connections cut for {@code reason} (renegotiation refused, a bad record). */
    public long errors(TlsFailure reason) {
        return errors.get(reason).sum();
    }

    /** Time the finished handshakes took in all, from the first byte of the connection, in nanoseconds. */
    public long handshakeNanosTotal() {
        return handshakeNanos.sum();
    }

    /** The longest handshake so far, in nanoseconds. */
    public long handshakeNanosMax() {
        return maxHandshakeNanos.get();
    }

    /** Handshakes that negotiated {@code protocol} (e.g. {@code TLSv1.3}). */
    public long negotiatedProtocol(String protocol) {
        LongAdder n = protocols.get(protocol);
        return n == null ? 0 : n.sum();
    }

    /** Handshakes that negotiated {@code cipher} (e.g. {@code TLS_AES_256_GCM_SHA384}). */
    public long negotiatedCipher(String cipher) {
        LongAdder n = ciphers.get(cipher);
        return n == null ? 0 : n.sum();
    }

    /** Protocol name to handshakes, sorted by name. */
    public Map<String, Long> protocols() {
        return snapshot(protocols);
    }

    /** Cipher suite name to handshakes, sorted by name. */
    public Map<String, Long> ciphers() {
        return snapshot(ciphers);
    }

    private static Map<String, Long> snapshot(ConcurrentHashMap<String, LongAdder> map) {
        Map<String, Long> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
