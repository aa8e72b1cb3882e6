package io.evbase.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pool's counters stay exact through loop caches, the shared list and its bound. */
class BufferPoolTest {

    @Test
    void countsChunksInUseCachedAndAllocated() {
        BufferPool pool = new BufferPool(1024, 2 * 1024, 3 * 1024);
        BufferPool.Cache cache = pool.newCache("loop-0");
        List<BufferChain> chains = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            BufferChain c = new BufferChain(cache);
            c.write(new byte[1024]);
            chains.add(c);
        }
        assertThat(pool.inUseBytes()).isEqualTo(8 * 1024);
        assertThat(pool.allocatedBytes()).isEqualTo(8 * 1024);
        assertThat(pool.allocations()).isEqualTo(8);
        chains.forEach(BufferChain::clear);
        assertThat(pool.inUseBytes()).isZero();
        // 2 stay in the loop cache, 3 in the shared list, 3 are released.
        assertThat(cache.cachedBytes()).isEqualTo(2 * 1024);
        assertThat(pool.sharedCachedBytes()).isEqualTo(3 * 1024);
        assertThat(pool.cachedBytes()).isEqualTo(5 * 1024);
        assertThat(pool.allocatedBytes()).isEqualTo(5 * 1024);

        BufferChain again = new BufferChain(cache);
        again.write(new byte[5 * 1024]);
        assertThat(pool.allocations()).as("cached chunks are reused before new ones are made").isEqualTo(8);
        again.clear();
    }

    @Test
    void recycledChunksCarryNoOldBytes() {
        BufferPool pool = new BufferPool(64, 64 * 4, 64 * 4);
        BufferPool.Cache cache = pool.newCache("loop-0");
        BufferChain first = new BufferChain(cache);
        first.write("secret of the first owner, long enough to fill a chunk............".getBytes());
        first.skip(10);
        first.clear();
        BufferChain second = new BufferChain(cache);
        second.write((byte) 'x');
        assertThat(second.readableBytes()).isEqualTo(1);
        assertThat(second.readBytes(1)).containsExactly('x');
        assertThat(pool.allocations()).isEqualTo(2);
    }

    @Test
    void drainingACacheReturnsItsChunksToTheSharedList() {
        BufferPool pool = new BufferPool(64, 64 * 4, 64 * 16);
        BufferPool.Cache cache = pool.newCache("loop-0");
        BufferChain c = new BufferChain(cache);
        c.write(new byte[64 * 3]);
        c.clear();
        assertThat(cache.cachedBytes()).isEqualTo(64 * 3);
        cache.drain();
        assertThat(cache.cachedBytes()).isZero();
        assertThat(pool.sharedCachedBytes()).isEqualTo(64 * 3);
        assertThat(pool.caches()).isEmpty();
    }
}
