/**
 * The event loops: {@link io.evbase.loop.EventBase} (one thread, one selector, timers and a task queue),
 * {@link io.evbase.loop.EventBaseGroup} (the workers and the dispatch policy) and their load accounting. Knows
 * nothing of sockets' meaning, protocols, Spring or Micrometer.
 */
package io.evbase.loop;
