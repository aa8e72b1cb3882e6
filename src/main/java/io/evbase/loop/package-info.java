/**
 * The event loops: {@link io.evbase.loop.EventBase} (one thread, one selector, timers and a task queue),
 * {@link io.evbase.loop.EventBaseGroup} (the workers and the dispatch policy) and their load accounting:
 * {@link io.evbase.loop.LoopStats} (kept by each loop), {@link io.evbase.loop.LoopSampler} (load windows, the
 * task latency window and the second-by-second {@link io.evbase.loop.LoadHistory}, on a thread of its own) and {@link io.evbase.loop.StallWatchdog} (stall detection, on a
 * thread of its own). Knows nothing of sockets' meaning, protocols, Spring or Micrometer.
 */
package io.evbase.loop;
