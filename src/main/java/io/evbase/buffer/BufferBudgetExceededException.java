package io.evbase.buffer;

/**
 * A write into a {@link BufferChain} needed a new chunk and the {@link BufferPool} was at its budget: the pool
 * refuses rather than allocate past it. Unchecked, so that it travels out of a protocol handler's reply code; the
 * connection that gets it closes with a counted reason. The chain keeps the bytes written before the refusal.
 *
 * <p>Threading: thrown on the loop thread that wrote.
 */
public final class BufferBudgetExceededException extends RuntimeException {

    private final long budgetBytes;

    public BufferBudgetExceededException(String message, long budgetBytes) {
        super(message, null, false, false); // an expected condition under load: no stack trace to fill
        this.budgetBytes = budgetBytes;
    }

    /** The pool's budget at the time of the refusal. */
    public long budgetBytes() {
        return budgetBytes;
    }
}
