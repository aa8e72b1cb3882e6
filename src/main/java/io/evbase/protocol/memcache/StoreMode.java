package io.evbase.protocol.memcache;

/**
 * How a storage command treats an existing item: memcached's NREAD_* command codes.
 *
 * <p>Threading: immutable.
 */
enum StoreMode {
    SET, ADD, REPLACE, APPEND, PREPEND, CAS
}
