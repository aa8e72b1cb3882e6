package io.evbase.buffer;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Run in a child JVM by {@link DirectLimitTest}: prints the JVM's direct-memory limit and the pool's default
 * budget as the pool reads them, then (given a budget) fills a pool until it refuses and prints what happened.
 */
public final class DirectLimitProbe {

    public static void main(String[] args) {
        System.out.println("limit=" + DirectMemory.maxDirectMemory());
        System.out.println("default=" + BufferPool.defaultBudget());
        System.out.println("maxMemory=" + Runtime.getRuntime().maxMemory());
        if (args.length == 0) {
            return;
        }
        long fullGcs = fullCollections();
        BufferPool pool = new BufferPool(16 * 1024, 16 * 1024, 0, Long.parseLong(args[0]));
        BufferChain chain = new BufferChain(pool.newCache("probe"));
        String outcome = "none";
        try {
            for (int i = 0; i < 100_000; i++) {
                chain.write(new byte[1024]);
            }
        } catch (BufferBudgetExceededException e) {
            outcome = "refused";
        }
        System.out.println("outcome=" + outcome);
        System.out.println("allocated=" + pool.allocatedBytes());
        System.out.println("forcedCollections=" + (fullCollections() - fullGcs));
    }

    /** Collections of the old generation (the serial collector's MarkSweepCompact): what System.gc() runs. */
    private static long fullCollections() {
        long count = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc.getName().equals("MarkSweepCompact")) {
                count += gc.getCollectionCount();
            }
        }
        return count;
    }
}
