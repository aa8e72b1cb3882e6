package io.evbase.protocol.memcache;

/**
 * The outcome of a storage command, memcached's {@code store_item_type}, with its classic and meta reply words.
 *
 * <p>Threading: immutable.
 */
enum StoreResult {
    STORED("STORED", "HD"),
    EXISTS("EXISTS", "EX"),
    NOT_FOUND("NOT_FOUND", "NF"),
    NOT_STORED("NOT_STORED", "NS"),
    /** No room could be made for the item (every segment busy): memcached's allocation failure. */
    NO_MEMORY("SERVER_ERROR out of memory storing object", "SERVER_ERROR out of memory storing object");

    final String classic;
    final String meta;

    StoreResult(String classic, String meta) {
        this.classic = classic;
        this.meta = meta;
    }
}
