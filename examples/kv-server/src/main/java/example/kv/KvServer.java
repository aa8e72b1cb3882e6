package example.kv;

import io.evbase.buffer.BufferChain;
import io.evbase.protocol.FramedSession;
import io.evbase.protocol.LengthFieldFramer;
import io.evbase.protocol.ProtocolHandler;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentSkipListMap;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The kv protocol (README.md) on evbase: length-prefixed frames; put, get and delete on an in-memory map; a slow
 * operation that blocks off the loop. Replies keep request order; a bad frame gets 'E' and a close.
 */
@SpringBootApplication
public class KvServer {

    private static final byte[] OK = {'K'};
    private static final byte[] NOT_FOUND = {'N'};
    /** Ordered, not hashed: keys a client chooses cannot pile up in one hash bucket. */
    private final ConcurrentSkipListMap<ByteBuffer, byte[]> store = new ConcurrentSkipListMap<>();

    public static void main(String[] args) {
        SpringApplication.run(KvServer.class, args);
    }

    @Bean
    ProtocolHandler<FramedSession> kv() {
        return FramedSession.handler(() -> LengthFieldFramer.lengthPrefixed(4, 1 << 20), this::serve,
                (message, out) -> out.write((byte) 'E').writeUtf8(message));
    }

    private void serve(BufferChain frame, FramedSession.Replies replies) throws Exception {
        byte op = frame.readByte();
        switch (op) {
            case 'P' -> {
                store.put(key(frame), frame.readBytes((int) frame.readableBytes()));
                replies.send(OK);
            }
            case 'G' -> {
                byte[] value = store.get(key(frame));
                replies.send(value == null ? out -> out.write(NOT_FOUND)
                        : out -> out.write((byte) 'V').writeShared(value, 0, value.length));
            }
            case 'D' -> replies.send(store.remove(key(frame)) == null ? NOT_FOUND : OK);
            case 'S' -> {
                long millis = frame.readUnsignedInt();
                byte[] payload = frame.readBytes((int) frame.readableBytes());
                replies.blocking(() -> {
                    Thread.sleep(millis); // blocking work: on a virtual thread (Java 21+), never on a loop
                    return payload;
                }, (result, out) -> out.write((byte) 'S').write(result));
            }
            default -> throw new IllegalArgumentException("unknown op " + (op & 0xff));
        }
    }

    private static ByteBuffer key(BufferChain frame) {
        return ByteBuffer.wrap(frame.readBytes(frame.readUnsignedShort()));
    }
}
