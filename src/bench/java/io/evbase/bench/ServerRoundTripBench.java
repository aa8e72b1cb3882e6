package io.evbase.bench;

import io.evbase.buffer.BufferPool;
import io.evbase.loop.Dispatch;
import io.evbase.loop.EventBaseGroup;
import io.evbase.net.ListenerSpec;
import io.evbase.net.Server;
import io.evbase.protocol.echo.EchoHandler;
import io.evbase.protocol.memcache.MemcacheHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole round trips through an evbase server in this JVM (two loops, an echo and a memcache listener on ephemeral
 * loopback ports) from a blocking client with direct buffers: a 64-byte echo, and a {@code get} hit of a 100-byte
 * value. The point is {@code -prof gc}: on JDK 14+ JMH counts the allocation of every thread, so
 * {@code gc.alloc.rate.norm} is what the loop threads (selector, connection, handler, store) and the client
 * allocate per round trip; the client allocates nothing once warm, so the figure is the server's (goal: 0 B/op).
 * The JVM runs as the server does, with {@code -XX:AutoBoxCacheMax=65536}: without it, {@code java.nio}'s selector
 * boxes the descriptor of each ready socket (16 B per event, about 17 B per round trip), the only allocation left.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-XX:AutoBoxCacheMax=65536"})
public class ServerRoundTripBench {

    Server server;
    SocketChannel echo;
    SocketChannel cache;
    ByteBuffer echoOut;
    ByteBuffer echoIn;
    ByteBuffer getOut;
    ByteBuffer getIn;
    int getReplyLength;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = new Server(new EventBaseGroup(2, "evbase-loop-", Dispatch.ROUND_ROBIN),
                new BufferPool(16 * 1024, 1 << 20, 64L << 20),
                List.of(ListenerSpec.of("echo", 0, new EchoHandler()), ListenerSpec.of("memcache", 0, new MemcacheHandler())));
        server.start();
        echo = connect(server.listener("echo").port());
        cache = connect(server.listener("memcache").port());
        echoOut = ByteBuffer.allocateDirect(64);
        echoIn = ByteBuffer.allocateDirect(64);
        byte[] value = "v".repeat(100).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer set = ByteBuffer.allocateDirect(256);
        set.put("set key:00000042 0 0 100\r\n".getBytes(StandardCharsets.US_ASCII)).put(value).put((byte) '\r')
                .put((byte) '\n').flip();
        cache.write(set);
        ByteBuffer stored = ByteBuffer.allocateDirect(8);
        while (stored.hasRemaining()) {
            cache.read(stored); // STORED\r\n
        }
        getOut = ByteBuffer.allocateDirect(64);
        getOut.put("get key:00000042\r\n".getBytes(StandardCharsets.US_ASCII)).flip();
        getReplyLength = "VALUE key:00000042 0 100\r\n".length() + 102 + "END\r\n".length();
        getIn = ByteBuffer.allocateDirect(getReplyLength);
    }

    static SocketChannel connect(int port) throws IOException {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return ch;
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        echo.close();
        cache.close();
        server.shutdown(Duration.ofSeconds(2));
    }

    @Benchmark
    public int echo64() throws IOException {
        echoOut.clear();
        echo.write(echoOut);
        echoIn.clear();
        while (echoIn.hasRemaining()) {
            echo.read(echoIn);
        }
        return echoIn.get(0);
    }

    @Benchmark
    public int getHit() throws IOException {
        getOut.rewind();
        cache.write(getOut);
        getIn.clear();
        while (getIn.hasRemaining()) {
            cache.read(getIn);
        }
        return getIn.get(0);
    }
}
