package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The pool's global budget: never exceeded, refused at once, a reserve for replies, and news of freed memory. */
class BufferBudgetTest {

    private static final int CHUNK = 1024;

    @Test
    void writesFailAtTheBudgetWithoutAllocating() {
        BufferPool pool = new BufferPool(CHUNK, 2 * CHUNK, 16 * CHUNK, 8 * CHUNK);
        BufferChain chain = new BufferChain(pool.newCache("loop-0"));
        chain.write(new byte[8 * CHUNK]);
        assertThatThrownBy(() -> chain.write((byte) 1)).isInstanceOf(BufferBudgetExceededException.class)
                .hasMessageContaining("budget of 8192 bytes");
        assertThat(pool.allocatedBytes()).isEqualTo(pool.budgetBytes()).isEqualTo(8 * CHUNK);
        assertThat(pool.writeRefusals()).isEqualTo(1);
        assertThat(chain.readableBytes()).as("what was written before stays").isEqualTo(8 * CHUNK);
        chain.clear();
        chain.write(new byte[8 * CHUNK]);
        assertThat(pool.allocations()).as("freed chunks serve again").isEqualTo(8);
        chain.clear();
    }

    @Test
    void readsStopAtTheReadBudgetAndRepliesStillFindRoom() throws IOException {
        BufferPool pool = new BufferPool(CHUNK, 16 * CHUNK, 16 * CHUNK, 8 * CHUNK);
        assertThat(pool.readBudgetBytes()).isEqualTo(7 * CHUNK);
        BufferPool.Cache cache = pool.newCache("loop-0");
        BufferChain input = new BufferChain(cache);
        BufferChain output = new BufferChain(cache);
        Pipe pipe = Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            pipe.sink().write(ByteBuffer.wrap(new byte[20 * CHUNK]));
            int n;
            long read = 0;
            while ((n = input.readFrom(pipe.source(), 64 * CHUNK)) > 0) {
                read += n;
            }
            assertThat(n).isEqualTo(BufferChain.NO_MEMORY);
            assertThat(read).isEqualTo(7 * CHUNK);
            assertThat(pool.readRefusals()).isPositive();
            assertThat(pool.writeRefusals()).isZero();

            output.write(new byte[CHUNK]); // the reserve
            assertThat(pool.allocatedBytes()).isEqualTo(8 * CHUNK);
            assertThatThrownBy(() -> output.write((byte) 0)).isInstanceOf(BufferBudgetExceededException.class);

            long seen = cache.memoryGeneration();
            assertThat(input.readFrom(pipe.source(), 64 * CHUNK)).isEqualTo(BufferChain.NO_MEMORY);
            assertThat(cache.memoryGeneration()).as("nothing released yet").isEqualTo(seen);
            input.skip(2 * CHUNK); // the handler consumed a request: two chunks back in the loop's cache
            assertThat(cache.memoryGeneration()).isNotEqualTo(seen);
            assertThat(input.readFrom(pipe.source(), 64 * CHUNK)).isEqualTo(2 * CHUNK);
            assertThat(input.readFrom(pipe.source(), 64 * CHUNK)).isEqualTo(BufferChain.NO_MEMORY);

            output.clear();
            input.clear();
            while ((n = input.readFrom(pipe.source(), 64 * CHUNK)) > 0) {
                read += n;
                input.clear();
            }
            assertThat(read + 2 * CHUNK).as("a refused read left the socket's bytes in place").isEqualTo(20 * CHUNK);
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
        assertThat(pool.inUseBytes()).isZero();
    }

    @Test
    void memoryFreedOnAnotherLoopReachesALoopThatWasRefused() throws IOException {
        BufferPool pool = new BufferPool(CHUNK, 16 * CHUNK, 16 * CHUNK, 8 * CHUNK);
        BufferPool.Cache starved = pool.newCache("loop-0");
        BufferPool.Cache other = pool.newCache("loop-1");
        BufferChain held = new BufferChain(other);
        held.write(new byte[7 * CHUNK]);
        BufferChain input = new BufferChain(starved);
        Pipe pipe = Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            pipe.sink().write(ByteBuffer.wrap(new byte[CHUNK]));
            assertThat(input.readFrom(pipe.source(), CHUNK)).isEqualTo(BufferChain.NO_MEMORY);
            long seen = starved.memoryGeneration();
            held.skip(CHUNK); // loop-1 frees a chunk; under pressure its cache does not keep it
            assertThat(other.cachedBytes()).isZero();
            assertThat(starved.memoryGeneration()).isNotEqualTo(seen);
            assertThat(input.readFrom(pipe.source(), CHUNK)).isEqualTo(CHUNK);
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
        held.skip(CHUNK);
        assertThat(other.cachedBytes()).as("pressure over: caches keep chunks again").isEqualTo(CHUNK);
        held.clear();
        input.clear();
    }

    /** A chunk is counted once its memory exists; a failed allocation changes no figure. */
    @Test
    void aFailedAllocationLeavesEveryCountExact() {
        AtomicInteger calls = new AtomicInteger();
        DirectMemory flaky = new DirectMemory(Long.MAX_VALUE, size -> {
            if (calls.incrementAndGet() == 3) {
                throw new OutOfMemoryError("Cannot reserve " + size + " bytes of direct buffer memory");
            }
            return ByteBuffer.allocateDirect(size);
        });
        BufferPool pool = new BufferPool(CHUNK, 16 * CHUNK, 16 * CHUNK, 4 * CHUNK, flaky);
        BufferChain chain = new BufferChain(pool.newCache("loop-0"));
        chain.write(new byte[2 * CHUNK]);
        assertThatThrownBy(() -> chain.write((byte) 1)).isInstanceOf(BufferBudgetExceededException.class);
        assertThat(pool.allocatedBytes()).isEqualTo(2 * CHUNK);
        assertThat(pool.allocations()).isEqualTo(2);
        assertThat(pool.inUseBytes()).isEqualTo(2 * CHUNK);
        chain.write(new byte[2 * CHUNK]);
        assertThat(pool.allocatedBytes()).as("the whole budget is still there").isEqualTo(4 * CHUNK);
        assertThatThrownBy(() -> chain.write((byte) 1)).isInstanceOf(BufferBudgetExceededException.class);
        assertThat(calls.get()).isEqualTo(5);
        chain.clear();
    }

    /** At the JVM's limit, allocateDirect would collect and sleep on the loop thread before failing. */
    @Test
    void theJvmsLimitIsCheckedBeforeAllocateDirectIsCalled() {
        AtomicInteger calls = new AtomicInteger();
        DirectMemory full = new DirectMemory(0, size -> {
            calls.incrementAndGet();
            return ByteBuffer.allocateDirect(size);
        });
        BufferPool pool = new BufferPool(CHUNK, 16 * CHUNK, 16 * CHUNK, 4 * CHUNK, full);
        BufferChain chain = new BufferChain(pool.newCache("loop-0"));
        assertThatThrownBy(() -> chain.write((byte) 1)).isInstanceOf(BufferBudgetExceededException.class);
        assertThat(calls.get()).isZero();
        assertThat(pool.allocatedBytes()).isZero();
    }

    @Test
    void theDefaultBudgetIsThreeQuartersOfTheJvmsDirectMemoryLimit() {
        // surefire runs the tests with -XX:MaxDirectMemorySize=1g (pom.xml)
        assertThat(DirectMemory.maxDirectMemory()).isEqualTo(1L << 30);
        assertThat(BufferPool.defaultBudget()).isEqualTo(3L << 28);
        assertThat(new BufferPool(16 * 1024, 0, 0).budgetBytes()).isEqualTo(3L << 28);
    }
}
