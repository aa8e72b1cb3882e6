package io.evbase.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.evbase.buffer.BufferChain;
import io.evbase.buffer.BufferPool;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The framers over a real {@link BufferChain} of small pooled chunks: any split of a valid stream gives the same
 * frames as a reference that sees the whole stream at once; oversize and bad frames are refused as soon as that is
 * known; nothing is allocated for what a header declares.
 */
class FramerTest {

    /** What a framer made of a stream: each payload, or a marker for a refusal. */
    private static final String TOO_LONG = "TOO_LONG";
    private static final String BAD = "BAD";

    private static BufferPool pool(int chunkSize) {
        return new BufferPool(chunkSize, 4L * chunkSize, 16L * chunkSize, 1L << 30);
    }

    /**
     * Feeds {@code stream} in the pieces given by {@code steps}; collects payloads (as hex-free strings of their
     * bytes) and refusals; on TOO_LONG discards the frame if {@code discard}, else stops. Every chunk back at the end.
     */
    static List<String> run(Framer framer, byte[] stream, List<Integer> steps, int chunkSize, boolean discard) {
        BufferPool pool = pool(chunkSize);
        BufferChain in = new BufferChain(pool.newCache("framer"));
        List<String> frames = new ArrayList<>();
        int from = 0;
        int step = 0;
        feeding:
        while (from < stream.length) {
            int n = Math.min(stream.length - from, steps.isEmpty() ? stream.length : steps.get(step++ % steps.size()));
            in.write(stream, from, n);
            from += n;
            while (true) {
                long length = framer.frameLength(in);
                if (length > 0) {
                    BufferChain payload = framer.readPayload(in, length);
                    frames.add(new String(payload.toByteArray(), StandardCharsets.ISO_8859_1));
                    payload.clear();
                } else if (length == Framer.TOO_LONG) {
                    frames.add(TOO_LONG);
                    if (!discard) {
                        break feeding;
                    }
                    framer.discardTooLong(in);
                } else if (length == Framer.BAD) {
                    frames.add(BAD);
                    break feeding;
                } else {
                    break; // INCOMPLETE: more input
                }
            }
        }
        in.clear();
        assertThat(pool.inUseBytes()).isZero();
        return frames;
    }

    private static String latin1(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- length field

    @Provide
    Arbitrary<List<byte[]>> bodies() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(2).ofMaxSize(300).list().ofMaxSize(12);
    }

    @Property(tries = 500)
    void lengthFieldFramesComeOutTheSameWhateverTheSplit(@ForAll("bodies") List<byte[]> bodies,
            @ForAll @IntRange(min = 0, max = 3) int width, @ForAll @IntRange(min = 0, max = 3) int offset,
            @ForAll @IntRange(min = 0, max = 2) int adjustmentKind, @ForAll @IntRange(min = 0, max = 2) int stripKind,
            @ForAll boolean littleEndian, @ForAll boolean placeholder,
            @ForAll @Size(max = 20) List<@IntRange(min = 1, max = 100) Integer> steps,
            @ForAll @IntRange(min = 64, max = 128) int chunkSize) {
        int fieldLength = new int[] {1, 2, 4, 8}[width];
        int end = offset + fieldLength;
        int adjustment = new int[] {0, -end, 2}[adjustmentKind];
        int strip = new int[] {0, end, offset}[stripKind];
        ByteOrder order = littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        LengthFieldFramer writer = new LengthFieldFramer(end + 302, offset, fieldLength, adjustment, strip, order);
        BufferPool pool = pool(chunkSize);
        BufferChain out = new BufferChain(pool.newCache("writer"));
        List<String> expected = new ArrayList<>();
        for (byte[] body : bodies) {
            byte[] after = fieldLength == 1 ? Arrays.copyOf(body, Math.min(body.length, 255 - end)) : body;
            long frameStart = out.readableBytes();
            for (int i = 0; i < offset; i++) {
                out.write((byte) (0xa0 + i));
            }
            if (placeholder) {
                long field = writer.beginFrame(out);
                out.write(after);
                writer.endFrame(out, field);
            } else {
                writer.writeLength(out, after.length);
                out.write(after);
            }
            expected.add(frameStart + "+" + strip); // resolved below, once the stream is known
        }
        byte[] stream = out.toByteArray();
        out.clear();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            int start = Integer.parseInt(expected.get(i).split("\\+")[0]);
            int next = i + 1 < expected.size() ? Integer.parseInt(expected.get(i + 1).split("\\+")[0]) : stream.length;
            payloads.add(latin1(stream, start + strip, next));
        }
        LengthFieldFramer reader = new LengthFieldFramer(end + 302, offset, fieldLength, adjustment, strip, order);
        assertThat(run(reader, stream, steps, chunkSize, false)).isEqualTo(payloads);
    }

    /** A header declaring more than the maximum is refused the moment it is complete, whatever it declares. */
    @Property(tries = 200)
    void anOversizeFrameIsRefusedAsSoonAsItsHeaderIsIn(@ForAll @IntRange(min = 0, max = 3) int width,
            @ForAll boolean littleEndian, @ForAll @IntRange(min = 0, max = 40) int max) {
        int fieldLength = new int[] {1, 2, 4, 8}[width];
        ByteOrder order = littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        LengthFieldFramer framer = new LengthFieldFramer(fieldLength + max, 0, fieldLength, 0, fieldLength, order);
        BufferChain in = new BufferChain(pool(64).newCache("in"));
        long declared = fieldLength <= 2 ? max + 1 : fieldLength == 8 && max % 2 == 0 ? -1L : 1L << 31;
        BufferChain header = new BufferChain(pool(64).newCache("h"));
        new LengthFieldFramer(Long.MAX_VALUE / 4, 0, fieldLength, 0, 0, order).writeLength(header,
                declared == -1L ? 0 : declared);
        byte[] bytes = header.toByteArray();
        if (declared == -1L) {
            Arrays.fill(bytes, (byte) 0xff); // 2^64 - 1 as an unsigned 64-bit length
        }
        header.clear();
        for (int i = 0; i < fieldLength; i++) {
            assertThat(framer.frameLength(in)).isEqualTo(Framer.INCOMPLETE);
            in.write(bytes[i]);
        }
        assertThat(framer.frameLength(in)).isEqualTo(Framer.TOO_LONG);
        assertThat(in.readableBytes()).isEqualTo(fieldLength);
        in.clear();
    }

    @Example
    void aTwoGibFrameIsRefusedWithoutAllocatingAndAOneGibOneWaitsWithoutAllocating() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BufferPool pool = pool(16 * 1024);
        BufferChain in = new BufferChain(pool.newCache("in"));
        LengthFieldFramer small = LengthFieldFramer.lengthPrefixed(4, 1 << 20);
        LengthFieldFramer large = LengthFieldFramer.lengthPrefixed(4, 3L << 30);
        in.writeInt(1 << 30).write(new byte[100]);
        for (int i = 0; i < 1000; i++) { // warm-up
            large.frameLength(in);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        long results = 0;
        for (int i = 0; i < 1000; i++) {
            results += large.frameLength(in);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(results).isEqualTo(1000 * Framer.INCOMPLETE);
        assertThat(allocated).as("heap bytes for 1000 looks").isLessThan(1024);
        in.clear();
        in.writeInt(0x80000000); // 2 GiB
        assertThat(small.frameLength(in)).isEqualTo(Framer.TOO_LONG);
        assertThat(pool.allocatedBytes()).isEqualTo(16 * 1024);
        in.clear();
    }

    @Example
    void aLengthShorterThanItsHeaderIsBad() {
        LengthFieldFramer wholeFrame = new LengthFieldFramer(100, 1, 2, -3, 3, ByteOrder.BIG_ENDIAN);
        byte[] stream = {7, 0, 2, 1, 1, 1};
        assertThat(run(wholeFrame, stream, List.of(1), 64, false)).containsExactly(BAD);
        byte[] good = {7, 0, 4, 42, 7, 0, 3};
        assertThat(run(wholeFrame, good, List.of(2), 64, false)).as("a frame, then one that is all header")
                .containsExactly(latin1(new byte[] {42}, 0, 1), "");
    }

    /** Refused frames can be dropped as they arrive; the frames around them come out unharmed. */
    @Property(tries = 300)
    void aDiscardedFrameIsSkippedAndTheNextOnesComeOut(@ForAll @IntRange(min = 0, max = 2000) int oversize,
            @ForAll @Size(max = 20) List<@IntRange(min = 1, max = 300) Integer> steps) {
        LengthFieldFramer framer = LengthFieldFramer.lengthPrefixed(2, 100);
        BufferChain out = new BufferChain(pool(64).newCache("out"));
        framer.writeLength(out, 3);
        out.write(new byte[] {'o', 'n', 'e'});
        new LengthFieldFramer(Long.MAX_VALUE / 4, 0, 2, 0, 2, ByteOrder.BIG_ENDIAN).writeLength(out, 101 + oversize);
        out.write(new byte[101 + oversize]);
        framer.writeLength(out, 3);
        out.write(new byte[] {'t', 'w', 'o'});
        byte[] stream = out.toByteArray();
        out.clear();
        assertThat(run(LengthFieldFramer.lengthPrefixed(2, 100), stream, steps, 64, true))
                .containsExactly("one", TOO_LONG, "two");
    }

    @Example
    void writingALengthThatDoesNotFitTheFieldFails() {
        BufferChain out = new BufferChain(pool(64).newCache("out"));
        LengthFieldFramer framer = LengthFieldFramer.lengthPrefixed(1, 1000);
        assertThatThrownBy(() -> framer.writeLength(out, 256)).isInstanceOf(IllegalArgumentException.class);
        long field = framer.beginFrame(out);
        out.write(new byte[300]);
        assertThatThrownBy(() -> framer.endFrame(out, field)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> framer.discardTooLong(out)).isInstanceOf(IllegalStateException.class);
        out.clear();
    }

    // ---------------------------------------------------------------- fixed length

    @Property(tries = 200)
    void fixedLengthFrames(@ForAll @IntRange(min = 1, max = 50) int length, @ForAll byte[] stream,
            @ForAll @Size(max = 20) List<@IntRange(min = 1, max = 100) Integer> steps) {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i + length <= stream.length; i += length) {
            expected.add(latin1(stream, i, i + length));
        }
        assertThat(run(new FixedLengthFramer(length), stream, steps, 64, false)).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- delimiter

    /** What a framer that sees the whole stream at once makes of it: the reference for any split. */
    static List<String> delimited(byte[] stream, byte[] delimiter, int max, boolean discard, boolean stripDelimiter) {
        List<String> frames = new ArrayList<>();
        int p = 0;
        while (p < stream.length) {
            int at = indexOf(stream, delimiter, p);
            if (at >= 0 && at + delimiter.length - p <= max) {
                frames.add(latin1(stream, p, stripDelimiter ? at : at + delimiter.length));
                p = at + delimiter.length;
            } else if (stream.length - p >= max) {
                frames.add(TOO_LONG);
                if (!discard || at < 0) {
                    break;
                }
                p = at + delimiter.length;
            } else {
                break;
            }
        }
        return frames;
    }

    private static int indexOf(byte[] stream, byte[] delimiter, int from) {
        outer:
        for (int i = from; i + delimiter.length <= stream.length; i++) {
            for (int k = 0; k < delimiter.length; k++) {
                if (stream[i + k] != delimiter[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Provide
    Arbitrary<byte[]> delimitedStreams() {
        return Arbitraries.of((byte) 'a', (byte) 'b', (byte) '\r', (byte) '\n', (byte) 'x').array(byte[].class)
                .ofMaxSize(600);
    }

    @Property(tries = 1000)
    void delimitedFramesComeOutAsTheReferenceSaysWhateverTheSplit(@ForAll("delimitedStreams") byte[] stream,
            @ForAll @IntRange(min = 0, max = 4) int delimiterKind, @ForAll @IntRange(min = 4, max = 40) int max,
            @ForAll boolean discard, @ForAll @Size(max = 30) List<@IntRange(min = 1, max = 70) Integer> steps) {
        byte[] delimiter = new String[] {"\n", "\r\n", "ab", "aba", "xxx"}[delimiterKind]
                .getBytes(StandardCharsets.US_ASCII);
        List<String> expected = delimited(stream, delimiter, max, discard, true);
        assertThat(run(new DelimiterFramer(delimiter, max), stream, steps, 64, discard)).isEqualTo(expected);
    }

    // ---------------------------------------------------------------- UTF-8 lines

    @Provide
    Arbitrary<List<String>> lines() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars("aé€\uD83D\uDE00\r\uD800").ofMaxLength(40))
                .filter(s -> s.indexOf('\n') < 0).list().ofMaxSize(20);
    }

    /** Lines decode as the JDK decodes their bytes, whatever chunk or read boundary a character straddles. */
    @Property(tries = 500)
    void utf8LinesDecodeWholeAcrossAnySplit(@ForAll("lines") List<String> lines, @ForAll boolean crlf,
            @ForAll @Size(max = 30) List<@IntRange(min = 1, max = 50) Integer> steps,
            @ForAll @IntRange(min = 64, max = 70) int chunkSize) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        for (String line : lines) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            stream.writeBytes(bytes);
            stream.writeBytes(crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
            int content = bytes.length > 0 && bytes[bytes.length - 1] == '\r' && !crlf ? bytes.length - 1 : bytes.length;
            expected.add(new String(bytes, 0, content, StandardCharsets.UTF_8));
        }
        byte[] all = stream.toByteArray();
        BufferPool pool = pool(chunkSize);
        BufferChain in = new BufferChain(pool.newCache("lines"));
        Utf8LineFramer framer = new Utf8LineFramer(200);
        List<String> got = new ArrayList<>();
        int from = 0;
        int step = 0;
        while (from < all.length) {
            int n = Math.min(all.length - from, steps.isEmpty() ? all.length : steps.get(step++ % steps.size()));
            in.write(all, from, n);
            from += n;
            long length;
            while ((length = framer.frameLength(in)) > 0) {
                got.add(framer.readLine(in, length));
            }
            assertThat(length).isEqualTo(Framer.INCOMPLETE);
        }
        assertThat(got).isEqualTo(expected);
        assertThat(in.isEmpty()).isTrue();
        assertThat(pool.inUseBytes()).isZero();
    }

    @Example
    void aLineTooLongIsSignalledOnceTheMaximumArrivedWithoutANewline() {
        Utf8LineFramer framer = new Utf8LineFramer(10);
        BufferChain in = new BufferChain(pool(64).newCache("lines"));
        in.writeUtf8("héllo\r\n123456789");
        assertThat(framer.readLine(in, framer.frameLength(in))).isEqualTo("héllo");
        assertThat(framer.frameLength(in)).as("9 bytes, no newline").isEqualTo(Framer.INCOMPLETE);
        in.write((byte) 'x');
        assertThat(framer.frameLength(in)).isEqualTo(Framer.TOO_LONG);
        framer.discardTooLong(in);
        assertThat(in.isEmpty()).as("what arrived of it is gone").isTrue();
        in.writeUtf8("still the long line\nnext\n");
        assertThat(framer.readLine(in, framer.frameLength(in))).isEqualTo("next");
        in.clear();
    }

    @Example
    void theByteLevelLineFramerKeepsItsContract() {
        BufferChain in = new BufferChain(pool(64).newCache("lines"));
        in.writeAscii("get k\r\nrest");
        LineFramer lines = new LineFramer(64);
        int lf = lines.findLineEnd(in);
        assertThat(lf).isEqualTo(6);
        assertThat(LineFramer.contentLength(in, lf)).isEqualTo(5);
        in.clear();
        byte[] noise = new byte[100];
        new Random(1).nextBytes(noise);
        in.write(noise);
        assertThat(lines.findLineEnd(in)).isIn(LineFramer.TOO_LONG, in.indexOf((byte) '\n', 0));
        in.clear();
    }
}
