package io.evbase.protocol.memcache;

/**
 * The working objects a command needs only while it runs, one set per thread rather than per connection: the
 * tokenizer, the number parser, the meta flag echo, the view of an item, a meta get's decisions. A connection
 * keeps only what must outlive a call (its parser's state, a storage command waiting for its data block, a
 * multiget's place in its line), so an idle connection costs a few fields.
 *
 * <p>Threading: each thread has its own ({@link #get()}); a command uses it from start to end within one call,
 * and nothing in it is valid after the call.
 */
final class CommandScratch {

    private static final ThreadLocal<CommandScratch> SCRATCH = ThreadLocal.withInitial(CommandScratch::new);

    /** The thread this scratch belongs to. */
    final Thread thread = Thread.currentThread();
    final Tokenizer tok = new Tokenizer();
    final StrtolParser num = new StrtolParser();
    final MetaEcho echo = new MetaEcho();
    final ItemView view = new ItemView();
    final MetaCommands.MetaGet mg = new MetaCommands.MetaGet();
    /** Where a reply's header line is formatted before it is written at once. */
    final byte[] header = new byte[Replies.HEADER_SCRATCH];

    private CommandScratch() {
    }

    static CommandScratch get() {
        return SCRATCH.get();
    }
}
